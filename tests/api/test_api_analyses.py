"""API: the engine 2.0.0 conventions: early-look method and recorded looks in the calculator,
the new result fields, every stored analysis, and re-running one made by an older engine."""
# ruff: noqa: F811  (fixtures imported from api_support)

from __future__ import annotations

import factories
import pytest
from api_support import api, tokens  # noqa: F401  (fixtures)
from sqlmodel import select

import stats
from hypotheses.models import Analysis, AuditEntry, Team
from stats._cli_text import verdict

VARIANTS = [
    {"name": "A", "visitors": 3000, "conversions": 93},
    {"name": "B", "visitors": 3000, "conversions": 135},
]


def _analyze(api, **extra):
    return api.post(
        "/stats/analyze",
        "viewer",
        json={"metric_kind": "conversion", "variants": VARIANTS, **extra},
    )


def test_analyze_with_a_group_sequential_method_and_looks(api):
    response = _analyze(
        api, planned_per_variant=5000, early_look_method="obrien-fleming", looks=[1000, 2000]
    )
    assert response.status_code == 200, response.json
    direct = stats.analyze(
        metric_kind="conversion",
        variants=[("A", (3000, 93)), ("B", (3000, 135))],
        planned_per_variant=5000,
        early_look_method="obrien-fleming",
        looks=[1000, 2000],
    )
    body = response.json
    # the app words the engine's codes as the engine's own English text does
    assert body["verdict"] == verdict(direct) and "repeated 95% CI" in body["verdict"]
    assert body["early_look_method"] == "obrien-fleming" and body["looks"] == [1000, 2000]
    assert body["id"] is None  # nothing is stored
    comparison = body["comparisons"][0]
    seq = comparison["sequential"]
    expected = direct.comparisons[0].sequential
    assert seq["method"] == "group-sequential-obrien-fleming" and seq["look"] == 3
    assert seq["information_fraction"] == 0.6
    assert seq["z_bound"] == pytest.approx(expected.z_bound, rel=1e-12)
    assert round(seq["z_bound"], 2) == 2.68
    assert seq["alpha_spent"] == pytest.approx(expected.alpha_spent, rel=1e-12)
    assert comparison["verdict_code"] == "early_significant_up"
    assert comparison["verdict_data"]["p_kind"] == "group-sequential"
    assert comparison["interval_agrees"] is True


def test_analyze_defaults_to_the_teams_method(api, db, team):
    assert _analyze(api, planned_per_variant=5000).json["early_look_method"] == "obrien-fleming"
    stored = db.get(Team, team.id)
    stored.early_look_method = "pocock"
    db.add(stored)
    db.commit()
    body = _analyze(api, planned_per_variant=5000).json
    assert body["early_look_method"] == "pocock"
    assert body["comparisons"][0]["sequential"]["method"] == "group-sequential-pocock"
    body = _analyze(api, planned_per_variant=5000, early_look_method="always-valid").json
    assert body["comparisons"][0]["sequential"]["method"] == "confidence-sequence"
    assert body["comparisons"][0]["sequential"]["z_bound"] is None


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"early_look_method": "bayesian"}, "early_look_method"),
        ({"early_look_method": 1}, "early_look_method"),
        ({"looks": [0]}, "looks"),
        ({"looks": [10**13]}, "looks"),
        ({"looks": "1000"}, "looks"),
        ({"looks": [1000.5]}, "looks"),
        ({"looks": list(range(1, 101))}, "looks"),  # at most 99 earlier looks
        ({"planned_per_variant": 5000, "looks": [4000]}, "looks"),  # more than now
        ({"looks": [1000], "early_look_method": "pocock"}, "looks"),  # no plan
    ],
)
def test_analyze_refuses_bad_looks_on_the_field(api, extra, field):
    response = _analyze(api, **extra)
    assert response.status_code == 422, response.json
    fields = response.json["error"]["fields"]
    assert any(name.split(".")[0] == field for name in fields), response.json


def test_analyze_states_unbounded_and_omitted_intervals(api):
    means = api.post(
        "/stats/analyze",
        json={
            "metric_kind": "continuous",
            "variants": [
                {"name": "A", "n": 20, "mean": 1.0, "sd": 10.0},
                {"name": "B", "n": 20, "mean": 5.0, "sd": 10.0},
            ],
        },
    ).json["comparisons"][0]
    assert means["rel_lift"] == pytest.approx(4.0) and means["rel_ci"] is None
    assert means["verdict_data"]["relative_unbounded"] is True
    fisher = api.post(
        "/stats/analyze",
        json={
            "metric_kind": "conversion",
            "variants": [
                {"name": "A", "visitors": 20, "conversions": 1},
                {"name": "B", "visitors": 20, "conversions": 6},
            ],
        },
    ).json["comparisons"][0]
    assert fisher["method"] == "fisher" and fisher["interval_agrees"] is False
    assert fisher["verdict_data"]["ci"] is None and "CI" not in fisher["verdict"]


def _finished_with_old_analysis(api, db, team, users):
    hypothesis = factories.make_hypothesis(
        db, team=team, author=users["marketer"], status="approved", title="Old engine"
    )
    design = {
        "metric": "Lead rate",
        "metric_kind": "conversion",
        "baseline": 0.05,
        "mde": 0.2,
        "daily_visitors": 1000,
        "variants": [{"name": "Control"}, {"name": "B"}],
    }
    assert api.put(f"/hypotheses/{hypothesis.id}/design", "marketer", json=design).status_code
    assert api.post(f"/hypotheses/{hypothesis.id}/start", "lead").status_code == 200
    results = {
        "final": True,
        "reason": "The campaign ended.",  # below the planned sample: a lead, with a reason
        "variants": [
            {"name": "Control", "visitors": 5000, "conversions": 250},
            {"name": "B", "visitors": 5000, "conversions": 300},
        ],
    }
    created = api.post(f"/hypotheses/{hypothesis.id}/results", "lead", json=results)
    assert created.status_code == 201 and created.json["id"]
    old = db.get(Analysis, created.json["id"])
    old.inputs = {k: v for k, v in old.inputs.items() if k not in ("early_look_method", "looks")}
    old.engine_version = "1.0.0"
    db.add(old)
    db.commit()
    return hypothesis, old.id


def test_rerun_an_analysis_made_by_an_older_engine(api, db, team, users):
    hypothesis, old_id = _finished_with_old_analysis(api, db, team, users)
    listed = api.get(f"/hypotheses/{hypothesis.id}/analyses", "viewer").json["items"]
    assert [(a["id"], a["engine_version"]) for a in listed] == [(old_id, "1.0.0")]
    assert listed[0]["early_look_method"] is None  # engine 1.x inputs
    url = f"/hypotheses/{hypothesis.id}/analyses/{old_id}/rerun"
    assert api.post(url, "viewer").status_code == 403
    response = api.post(url, "marketer")
    assert response.status_code == 201, response.json
    new = response.json
    assert new["id"] != old_id and new["engine_version"] == stats.ENGINE_VERSION
    assert new["comparisons"][0]["verdict_code"] == "significant_up"
    listed = api.get(f"/hypotheses/{hypothesis.id}/analyses").json["items"]
    assert [(a["id"], a["engine_version"]) for a in listed] == [
        (new["id"], stats.ENGINE_VERSION),
        (old_id, "1.0.0"),
    ]
    assert api.get(f"/hypotheses/{hypothesis.id}/analysis").json["id"] == new["id"]
    assert db.exec(select(AuditEntry).where(AuditEntry.action == "experiment.rerun")).one()
    db.commit()
    again = api.post(url, "marketer")
    assert again.status_code == 409 and again.json["error"]["message"]
    current = api.post(f"/hypotheses/{hypothesis.id}/analyses/{new['id']}/rerun", "marketer")
    assert current.status_code == 409
    assert api.post(f"/hypotheses/{hypothesis.id}/analyses/999999/rerun").status_code == 404
    assert api.get("/hypotheses/999999/analyses").status_code == 404
