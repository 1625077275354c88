"""API: a test's life: design, start (limit), results (JSON, per-user CSV), analysis, decision."""
# ruff: noqa: F811  (fixtures imported from api_support)

from __future__ import annotations

import math

import factories
import pytest
from api_support import api, fresh, tokens  # noqa: F401  (fixtures)

import stats
from stats._cli_text import verdict

DESIGN = {
    "metric": "Lead rate",
    "metric_kind": "conversion",
    "baseline": 0.05,
    "mde": 0.2,
    "mde_relative": True,
    "alpha": 0.05,
    "power": 0.8,
    "daily_visitors": 1000,
    "variants": [{"name": "Control", "split": 0.5}, {"name": "B", "split": 0.5}],
}
CONTINUOUS = {
    "metric": "Order value",
    "metric_kind": "continuous",
    "baseline": 50.0,
    "baseline_sd": 20.0,
    "mde": 0.1,
    "daily_visitors": 500,
    "variants": [{"name": "Control"}, {"name": "B"}],
}
RESULTS = {  # final numbers below the planned sample: a lead finishes with a reason
    "final": True,
    "reason": "The campaign ended.",
    "variants": [
        {"name": "Control", "visitors": 5000, "conversions": 250},
        {"name": "B", "visitors": 5000, "conversions": 300},
    ],
}


@pytest.fixture
def approved(db, team, users):
    return factories.make_hypothesis(
        db, team=team, author=users["marketer"], status="approved", title="Shorter form"
    )


def designed(api, hypothesis, design=DESIGN):
    response = api.put(f"/hypotheses/{hypothesis.id}/design", "marketer", json=design)
    assert response.status_code == 200, response.json
    return response.json


def running(api, hypothesis, design=DESIGN):
    designed(api, hypothesis, design)
    response = api.post(f"/hypotheses/{hypothesis.id}/start", "lead")
    assert response.status_code == 200, response.json
    return response.json


def test_design_returns_the_plan(api, approved):
    body = designed(api, approved)
    expected = stats.sample_size_conversions(baseline=0.05, mde=0.2, relative=True)
    assert body["per_variant"] == expected
    assert body["duration_days"] == math.ceil(expected * 2 / 1000)
    assert body["status"] == "design" and body["metric"] == "Lead rate"
    assert body["variants"] == [{"name": "Control", "split": 0.5}, {"name": "B", "split": 0.5}]


def test_continuous_design(api, approved):
    body = designed(api, approved, CONTINUOUS)
    assert body["per_variant"] == stats.sample_size_means(sd=20.0, mde=5.0)
    assert body["baseline_sd"] == 20.0 and body["variants"][0]["split"] == 0.5


@pytest.mark.parametrize(
    "change, field",
    [
        ({"baseline": 1.5}, "baseline"),
        ({"mde": 30.0}, "mde"),
        ({"alpha": 0.9}, "alpha"),
        ({"daily_visitors": 0}, "daily_visitors"),
        (
            {"variants": [{"name": "A", "split": 0.5}, {"name": "a", "split": 0.5}]},
            "variants.1.name",
        ),
        ({"variants": [{"name": "A", "split": 0.7}, {"name": "B", "split": 0.7}]}, "variants"),
        ({"metric": " "}, "metric"),
        ({"colour": "red"}, "colour"),
        ({"baseline": "0.05"}, "baseline"),
    ],
)
def test_design_refusals_name_their_field(api, approved, change, field):
    response = api.put(f"/hypotheses/{approved.id}/design", "marketer", json={**DESIGN, **change})
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"], response.json


def test_design_needs_an_approved_hypothesis(api, db, team):
    backlog = factories.make_hypothesis(db, team=team)
    response = api.put(f"/hypotheses/{backlog.id}/design", "marketer", json=DESIGN)
    assert response.status_code == 409


def test_start_is_for_leads_and_locks_the_design(api, approved):
    designed(api, approved)
    assert api.post(f"/hypotheses/{approved.id}/start", "marketer").status_code == 403
    started = api.post(f"/hypotheses/{approved.id}/start", "lead")
    assert started.status_code == 200 and started.json["status"] == "running"
    assert started.json["started_at"]
    locked = api.put(f"/hypotheses/{approved.id}/design", "marketer", json={**DESIGN, "mde": 0.3})
    assert locked.status_code == 409 and "Locked" in locked.json["error"]["message"]
    traffic = api.put(
        f"/hypotheses/{approved.id}/design", "marketer", json={**DESIGN, "daily_visitors": 2000}
    )
    assert traffic.status_code == 200 and traffic.json["daily_visitors"] == 2000


def test_start_over_the_limit_is_409_with_the_running_tests(api, db, team, users, approved):
    team.active_test_limit = 1
    db.add(team)
    db.commit()
    running(api, approved)
    second = factories.make_hypothesis(db, team=team, author=users["marketer"], status="approved")
    designed(api, second)
    refused = api.post(f"/hypotheses/{second.id}/start", "lead")
    assert refused.status_code == 409
    error = refused.json["error"]
    assert error["code"] == "limit_reached" and "Shorter form" in error["message"]
    assert [t["hypothesis_id"] for t in error["running"]] == [approved.id]
    assert fresh(db, second).status == "approved"


def test_results_analysis_and_decision(api, approved):
    running(api, approved)
    response = api.post(f"/hypotheses/{approved.id}/results", "lead", json=RESULTS)
    assert response.status_code == 201, response.json
    analysis = response.json
    assert analysis["method"] == "z-test" and analysis["final"] is True
    comparison = analysis["comparisons"][0]
    expected = stats.compare_conversions(
        control=stats.ConversionCounts(5000, 250), variant=stats.ConversionCounts(5000, 300)
    )
    assert comparison["variant"] == "B"
    assert comparison["p_value"] == pytest.approx(expected.p_value, rel=1e-12)
    assert comparison["abs_diff"] == pytest.approx(0.01)
    assert len(comparison["abs_ci"]) == 2 and len(comparison["rel_ci"]) == 2
    assert 0.5 < comparison["prob_beat_control"] < 1
    assert set(analysis["srm"]) == {"p_value", "mismatch"} and analysis["srm"]["mismatch"] is False
    assert analysis["engine_version"] == stats.ENGINE_VERSION and analysis["verdict"]
    read = api.get(f"/hypotheses/{approved.id}/analysis", "viewer")
    assert read.status_code == 200
    assert read.json["comparisons"] == analysis["comparisons"]
    assert api.get(f"/hypotheses/{approved.id}", "viewer").json["status"] == "finished"
    assert (
        api.post(
            f"/hypotheses/{approved.id}/decision",
            "marketer",
            json={"decision": "ship", "outcome": "won", "learning": "x"},
        ).status_code
        == 403
    )
    decided = api.post(
        f"/hypotheses/{approved.id}/decision",
        "lead",
        json={
            "decision": "ship",
            "outcome": "won",
            "learning": "Fewer fields, more leads",
            "follow_up_title": "Even shorter",
            # shipping an under-powered result goes against the analysis: a reason
            "reason": "A cheap change; we ship it and watch the leads.",
        },
    )
    assert decided.status_code == 200, decided.json
    assert decided.json["status"] == "decided" and decided.json["decision"] == "ship"
    follow_up = api.get(f"/hypotheses/{decided.json['follow_up_id']}").json
    assert follow_up["title"] == "Even shorter" and follow_up["parent_id"] == approved.id
    bad = api.post(
        f"/hypotheses/{approved.id}/decision",
        "lead",
        json={"decision": "maybe", "outcome": "won", "learning": "x"},
    )
    assert bad.status_code in (409, 422)


def test_early_look_keeps_the_test_running(api, approved):
    running(api, approved)
    early = {
        "final": False,
        "variants": [
            {"name": "Control", "visitors": 900, "conversions": 40},
            {"name": "B", "visitors": 910, "conversions": 52},
        ],
    }
    analysis = api.post(f"/hypotheses/{approved.id}/results", "marketer", json=early).json
    assert analysis["early_look"] is True
    assert "early_look" in [w["code"] for w in analysis["warnings"]]
    assert analysis["comparisons"][0]["sequential"]["abs_ci"]
    assert api.get(f"/hypotheses/{approved.id}").json["status"] == "running"


def test_continuous_results(api, approved):
    running(api, approved, CONTINUOUS)
    body = {
        "final": True,
        "variants": [
            {"name": "Control", "n": 1000, "mean": 50.0, "sd": 20.0},
            {"name": "B", "n": 1000, "mean": 53.0, "sd": 21.0},
        ],
    }
    analysis = api.post(f"/hypotheses/{approved.id}/results", json=body)
    assert analysis.status_code == 201, analysis.json
    assert analysis.json["method"] == "welch"


@pytest.mark.parametrize(
    "variants, field",
    [
        (
            [
                {"name": "Control", "visitors": 10, "conversions": 20},
                {"name": "B", "visitors": 10, "conversions": 1},
            ],
            "conversions_0",
        ),
        ([{"name": "Control", "visitors": 10, "conversions": 2}], "variants"),
        (
            [
                {"name": "Control", "visitors": 10, "conversions": 2},
                {"name": "Z", "visitors": 10, "conversions": 1},
            ],
            "variants",
        ),
        (
            [
                {"name": "Control", "visitors": -1, "conversions": 0},
                {"name": "B", "visitors": 10, "conversions": 1},
            ],
            "visitors_0",
        ),
    ],
)
def test_results_refusals(api, approved, variants, field):
    running(api, approved)
    response = api.post(
        f"/hypotheses/{approved.id}/results", json={"final": True, "variants": variants}
    )
    assert response.status_code == 422, response.json
    assert (
        field in response.json["error"]["fields"] or "variants" in response.json["error"]["fields"]
    )
    assert api.get(f"/hypotheses/{approved.id}/analysis").status_code == 404


def _per_user_csv(control=(2000, 100), variant=(2000, 130)) -> bytes:
    lines = ["user_id,group,bought"]
    for name, (n, x) in (("Control", control), ("B", variant)):
        lines += [f"{name}-{i},{name},{1 if i < x else 0}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def test_per_user_csv_body(api, approved):
    running(api, approved)
    response = api.post(
        f"/hypotheses/{approved.id}/results?variant_column=group"
        "&conversion_column=bought&final=true&reason=Campaign+ended",
        data=_per_user_csv(),
        content_type="text/csv",
    )
    assert response.status_code == 201, response.json
    arms = response.json["details"]["arms"]
    assert [(a["name"], a["n"], a["conversions"]) for a in arms] == [
        ("Control", 2000, 100),
        ("B", 2000, 130),
    ]


def test_per_user_csv_refusals(app, api, approved):
    running(api, approved)
    url = f"/hypotheses/{approved.id}/results"
    wrong_column = api.post(
        url + "?variant_column=nope", data=_per_user_csv(), content_type="text/csv"
    )
    assert wrong_column.status_code == 422
    bad = b"variant,converted\nControl,1\nB,yes?\nControl,0\nB,1\n"
    refused = api.post(url, data=bad, content_type="text/csv")
    assert refused.status_code == 422 and refused.json["error"]["fields"]
    unknown = api.post(url + "?colour=red", data=_per_user_csv(), content_type="text/csv")
    assert unknown.status_code == 422
    app.config["MAX_UPLOAD_BYTES"] = 1000
    too_big = api.post(url, data=_per_user_csv(), content_type="text/csv")
    assert too_big.status_code == 413 and too_big.json["error"]["code"] == "too_large"
    assert api.get(f"/hypotheses/{approved.id}/analysis").status_code == 404


def test_stop_with_a_reason(api, approved, db):
    running(api, approved)
    assert (
        api.post(f"/hypotheses/{approved.id}/stop", "lead", json={"reason": " "}).status_code == 422
    )
    stopped = api.post(
        f"/hypotheses/{approved.id}/stop", "lead", json={"reason": "Broken tracking"}
    )
    assert stopped.status_code == 200 and stopped.json["status"] == "stopped"
    assert stopped.json["stop_reason"] == "Broken tracking"
    assert (
        api.post(f"/hypotheses/{approved.id}/stop", "lead", json={"reason": "again"}).status_code
        == 409
    )


def test_stats_analyze_matches_the_engine(api):
    body = {
        "metric_kind": "conversion",
        "variants": [
            {"name": "A", "visitors": 5000, "conversions": 250},
            {"name": "B", "visitors": 5000, "conversions": 300},
            {"name": "C", "visitors": 5000, "conversions": 260},
        ],
    }
    response = api.post("/stats/analyze", "viewer", json=body)
    assert response.status_code == 200, response.json
    direct = stats.analyze(
        metric_kind="conversion",
        variants=[("A", (5000, 250)), ("B", (5000, 300)), ("C", (5000, 260))],
    )
    got = [c["adjusted_p_value"] for c in response.json["comparisons"]]
    assert got == pytest.approx([c.adjusted_p_value for c in direct.comparisons], rel=1e-12)
    assert response.json["verdict"] == verdict(direct)
    refused = api.post(
        "/stats/analyze",
        json={
            "metric_kind": "conversion",
            "variants": [
                {"name": "A", "visitors": 10, "conversions": 20},
                {"name": "B", "visitors": 10, "conversions": 1},
            ],
        },
    )
    assert refused.status_code == 422


def test_stats_sample_size(api):
    response = api.post(
        "/stats/sample-size",
        "viewer",
        json={
            "metric_kind": "conversion",
            "baseline": 0.031,
            "mde": 0.1,
            "variants": 3,
            "daily_visitors": 2000,
        },
    )
    assert response.status_code == 200, response.json
    n = stats.sample_size_conversions(baseline=0.031, mde=0.1)
    assert response.json == {
        "per_variant": n,
        "total": 3 * n,
        "duration_days": math.ceil(3 * n / 2000),
    }
    no_traffic = api.post(
        "/stats/sample-size",
        json={
            "metric_kind": "continuous",
            "baseline": 10,
            "baseline_sd": 4,
            "mde": 0.5,
            "mde_relative": False,
        },
    )
    assert no_traffic.json["per_variant"] == stats.sample_size_means(sd=4, mde=0.5)
    assert no_traffic.json["duration_days"] is None
    bad = api.post(
        "/stats/sample-size", json={"metric_kind": "conversion", "baseline": 0.5, "mde": 2}
    )
    assert bad.status_code == 422 and "mde" in bad.json["error"]["fields"]


def test_a_plan_too_large_to_store_is_refused_not_500(api, approved):
    """A tiny effect needs trillions of visitors: stored on SQLite, refused on PostgreSQL."""
    design = {**DESIGN, "baseline": 0.5, "mde": 1e-6, "daily_visitors": 1}
    response = api.put(f"/hypotheses/{approved.id}/design", "marketer", json=design)
    assert response.status_code in (200, 422), response.json
    if response.status_code == 422:
        assert response.json["error"]["code"] == "out_of_range"


def test_aggregated_csv_body(api, approved):
    running(api, approved)
    body = b"Variant;Visitors;Conversions\r\nControl;5000;250\r\nB;5000;300\r\n"
    response = api.post(
        f"/hypotheses/{approved.id}/results?kind=aggregated&final=true&reason=Campaign+ended",
        data=body,
        content_type="text/csv",
    )
    assert response.status_code == 201, response.json
    assert response.json["method"] == "z-test" and response.json["final"] is True
    assert (
        api.post(
            f"/hypotheses/{approved.id}/results?kind=other", data=body, content_type="text/csv"
        ).status_code
        == 422
    )
