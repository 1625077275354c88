"""Metrics per test (issue 13): a design with secondary metrics and a guardrail, results for
every metric by form and CSV, the analysis page's tables, and the money a result is worth."""

from __future__ import annotations

import experiment_factories as ef
from helpers import DESIGN_FORM, experiment_of, text
from sqlmodel import select

from hypotheses.domain.experiments.metric_results import guardrail_blocks_ship
from hypotheses.domain.experiments.metrics import metrics_of
from hypotheses.models import Analysis, ResultSet

METRICS_FORM = {
    **DESIGN_FORM,
    "secondary_name_0": "Sales",
    "secondary_kind_0": "conversion",
    "secondary_baseline_0": "0.5",
    "secondary_name_1": "Order value",
    "secondary_kind_1": "continuous",
    "secondary_baseline_1": "3000",
    "secondary_baseline_sd_1": "2500",
    "guardrail_name_0": "Revenue per visitor",
    "guardrail_kind_0": "continuous",
    "guardrail_direction_0": "increase",
    "guardrail_tolerance_0": "2",
    "value_per_conversion": "2300",
    "monthly_traffic": "20000",
}

METRIC_DESIGN = {
    "secondary": [
        {"name": "Sales", "kind": "conversion", "baseline": 0.005},
        {"name": "Order value", "kind": "continuous", "baseline": 3000, "baseline_sd": 2500},
    ],
    "guardrails": [
        {
            "name": "Revenue per visitor",
            "kind": "continuous",
            "direction": "increase",
            "tolerance": 0.02,
        }
    ],
    "value_per_conversion": 2300,
    "monthly_traffic": 20000,
}


def test_design_with_two_secondary_metrics_and_a_guardrail(client, auth, db, team, users):
    hypothesis = ef.approved(db, team=team)
    auth.login("marketer")
    calc = client.post(
        f"/experiments/design/{hypothesis.id}", data={**METRICS_FORM, "calculate": "1"}
    )
    page = text(calc)
    assert calc.status_code == 200 and 'id="plan-underpowered"' in page
    assert "Sales" in page.split('id="plan-underpowered"')[1].split("</p>")[0]
    saved = client.post(f"/experiments/design/{hypothesis.id}", data={**METRICS_FORM, "save": "1"})
    assert saved.status_code == 302
    experiment = experiment_of(db, hypothesis)
    metrics = metrics_of(db, experiment)
    assert [(m.role, m.name, m.kind) for m in metrics] == [
        ("secondary", "Sales", "conversion"),
        ("secondary", "Order value", "continuous"),
        ("guardrail", "Revenue per visitor", "continuous"),
    ]
    assert metrics[0].baseline == 0.005 and metrics[2].tolerance == 0.02
    assert (experiment.value_per_conversion, experiment.monthly_traffic) == (2300, 20000)
    edit = text(client.get(f"/experiments/design/{hypothesis.id}"))
    assert 'value="Revenue per visitor"' in edit and 'name="guardrail_tolerance_0"' in edit


def test_design_refuses_bad_metrics_next_to_the_field(client, auth, db, team, users):
    hypothesis = ef.approved(db, team=team)
    auth.login("marketer")
    bad = client.post(
        f"/experiments/design/{hypothesis.id}",
        data={
            **METRICS_FORM,
            "secondary_name_1": "Sales",
            "guardrail_tolerance_0": "150",
            "save": "1",
        },
    )
    page = text(bad)
    assert bad.status_code == 422
    assert "needs a different name" in page and "tolerated loss" in page
    assert experiment_of(db, hypothesis) is None


def _running_with_metrics(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"], **METRIC_DESIGN)
    return hypothesis, experiment_of(db, hypothesis)


def test_results_form_carries_every_metric_and_the_guardrail_fails(client, auth, db, team, users):
    hypothesis, experiment = _running_with_metrics(db, team, users)
    auth.login("lead")
    page = text(client.get(f"/experiments/{experiment.id}"))
    assert 'name="metric0_conversions_0"' in page and 'name="metric2_sd_1"' in page
    form = {
        "visitors_0": "60000",
        "conversions_0": "1860",
        "visitors_1": "60000",
        "conversions_1": "2340",
        "metric0_conversions_0": "300",
        "metric0_conversions_1": "366",
        "metric1_mean_0": "3000",
        "metric1_sd_0": "2500",
        "metric1_mean_1": "2950",
        "metric1_sd_1": "2400",
        "metric2_mean_0": "15.0",
        "metric2_sd_0": "200",
        "metric2_mean_1": "14.2",
        "metric2_sd_1": "190",
        "final": "y",
    }
    response = client.post(f"/experiments/{experiment.id}/results", data=form)
    assert response.status_code == 302
    result_set = db.exec(select(ResultSet).where(ResultSet.experiment_id == experiment.id)).one()
    assert result_set.metric_data["Sales"] == [{"conversions": 300}, {"conversions": 366}]
    analysis = db.exec(select(Analysis).where(Analysis.experiment_id == experiment.id)).one()
    guardrail = analysis.output["guardrails"][0]
    assert guardrail["metric"] == "Revenue per visitor" and guardrail["status"] == "breached"
    assert set(guardrail) >= {"metric", "status", "tolerance", "estimate", "p_value"}
    secondary = analysis.output["secondary"]
    assert [s["metric"] for s in secondary] == ["Sales", "Order value"]
    assert all("adjusted_p_value" in s["comparisons"][0] for s in secondary)
    assert guardrail_blocks_ship(analysis)[0]["status"] == "breached"
    shown = text(client.get(f"/experiments/{experiment.id}"))
    assert 'id="guardrails"' in shown and "Breached" in shown
    assert 'id="secondary-metrics"' in shown and "exploratory" in shown
    assert 'id="impact"' in shown and "a month" in shown


def test_results_form_refuses_bad_metric_numbers(client, auth, db, team, users):
    hypothesis, experiment = _running_with_metrics(db, team, users)
    auth.login("marketer")
    form = {
        "visitors_0": "1000",
        "conversions_0": "31",
        "visitors_1": "1000",
        "conversions_1": "39",
        "metric0_conversions_0": "5000",
        "metric0_conversions_1": "6",
    }
    response = client.post(f"/experiments/{experiment.id}/results", data=form)
    assert response.status_code == 422
    assert "cannot exceed visitors" in text(response)
    assert (
        db.exec(select(ResultSet).where(ResultSet.experiment_id == experiment.id)).first() is None
    )


def test_aggregated_and_per_user_uploads_carry_every_metric(client, auth, db, team, users):
    import io

    hypothesis, experiment = _running_with_metrics(db, team, users)
    auth.login("marketer")
    aggregated = (
        "variant,visitors,conversions,Sales conversions,Order value mean,Order value sd,"
        "Revenue per visitor mean,Revenue per visitor sd\n"
        "Control,5000,155,25,3000,2500,15,200\n"
        "B,5000,190,30,2900,2400,14.5,190\n"
    )
    response = client.post(
        f"/experiments/{experiment.id}/results/csv",
        data={"file": (io.BytesIO(aggregated.encode()), "results.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, text(response)
    rows = ["variant,converted,Sales,Order value,Revenue per visitor"]
    for i in range(300):
        rows.append(f"Control,{int(i % 30 == 0)},{int(i % 60 == 0)},{3000 + i % 50},{i % 17}")
        rows.append(f"B,{int(i % 25 == 0)},{int(i % 50 == 0)},{2990 + i % 50},{i % 19}")
    per_user = client.post(
        f"/experiments/{experiment.id}/results/per-user",
        data={
            "file": (io.BytesIO(("\n".join(rows) + "\n").encode()), "users.csv"),
            "variant_column": "variant",
            "conversion_column": "converted",
        },
        content_type="multipart/form-data",
    )
    assert per_user.status_code == 302, text(per_user)
    sets = db.exec(
        select(ResultSet).where(ResultSet.experiment_id == experiment.id).order_by(ResultSet.id)
    ).all()
    assert sets[0].metric_data["Order value"][0] == {"mean": 3000.0, "sd": 2500.0}
    assert sets[1].metric_data["Sales"] == [{"conversions": 5}, {"conversions": 6}]
    assert set(sets[1].metric_data) == {"Sales", "Order value", "Revenue per visitor"}


def test_shipped_impact_per_quarter_in_learnings_and_review(client, auth, db, team, users):
    from hypotheses.domain.experiments.impact import impact_by_quarter, quarter_of
    from hypotheses.domain.reviews import lifecycle as reviews
    from hypotheses.models import utcnow

    hypothesis, experiment = _running_with_metrics(db, team, users)
    auth.login("lead")
    form = {"visitors_0": "60000", "conversions_0": "1860"}
    form |= {"visitors_1": "60000", "conversions_1": "2340", "final": "y"}
    assert client.post(f"/experiments/{experiment.id}/results", data=form).status_code == 302
    db.refresh(experiment)
    experiment.decision, experiment.outcome, experiment.decided_at = "ship", "won", utcnow()
    db.add(experiment)
    db.commit()
    # (2340 − 1860) / 60000 = 0.008 a visitor × 2 300 per conversion × 20 000 visitors
    [row] = impact_by_quarter(db, team.id)
    assert row["quarter"] == quarter_of(utcnow()) and row["tests"] == 1
    assert abs(row["total"] - 0.008 * 2300 * 20000) < 1e-6
    page = text(client.get("/learnings/"))
    assert 'id="impact-quarters"' in page and "+368,000" in page
    review = reviews.open_review(db, team=team, actor=users["lead"])
    assert "+368,000" in text(client.get(f"/reviews/{review.iso_week}"))
