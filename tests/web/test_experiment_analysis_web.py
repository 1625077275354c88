"""The analysis page speaks the engine 2.0.0 conventions: the team's early-look method with its
recorded looks, group-sequential bounds and promises, intervals that cannot be bounded or are
left out, and re-running a stored analysis made by an older engine."""

from __future__ import annotations

import experiment_factories as ef
import pytest
from helpers import experiment_of, text, visible_text
from sqlmodel import select

import stats
from hypotheses.domain.experiments import reruns
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.models import Analysis, AuditEntry, Team


def _looks(db, team, users, fractions, **design):
    """A running conversion test with results entered at *fractions* of its plan (domain)."""
    hypothesis = ef.running(db, team=team, lead=users["lead"], **design)
    planned = experiment_of(db, hypothesis).per_variant
    for fraction in fractions:
        n = round(planned * fraction)
        experiment_results.record_results(
            db,
            team=team,
            actor=users["marketer"],
            hypothesis_id=hypothesis.id,
            variants=ef.conversion_results((n, round(n * 0.031)), (n, round(n * 0.036))),
            final=False,
        )
    return hypothesis, planned


def _analyses(db, hypothesis) -> list[Analysis]:
    experiment = experiment_of(db, hypothesis)
    rows = list(
        db.exec(
            select(Analysis).where(Analysis.experiment_id == experiment.id).order_by(Analysis.id)
        ).all()
    )
    db.commit()
    return rows


def test_early_look_shows_the_group_sequential_bound_and_the_promise(client, auth, db, team, users):
    hypothesis, planned = _looks(db, team, users, [0.2, 0.4])
    exp = experiment_of(db, hypothesis)
    n = round(planned * 0.6)
    auth.login("marketer")
    response = client.post(
        f"/experiments/{exp.id}/results",
        data={
            "visitors_0": str(n),
            "conversions_0": str(round(n * 0.031)),
            "visitors_1": str(n),
            "conversions_1": str(round(n * 0.036)),
        },
    )
    assert response.status_code == 302
    page = visible_text(client.get(f"/experiments/{exp.id}"))
    # look 3 at 60% of the plan: the O'Brien-Fleming-type bound for 0.2, 0.4, 0.6 is 2.68
    bounds = stats.group_sequential_bounds(information_fractions=[0.2, 0.4, 0.6])
    assert f"{bounds.z_bounds[-1]:.2f}" == "2.68"
    assert "Look 3 of the group-sequential plan: 60% of the planned sample, bound |z| ≥ 2.68" in (
        page
    )
    assert f"α spent up to this look {100 * bounds.cumulative_alpha_spent[-1]:.2f}% of 5%" in page
    assert "Group-sequential, O'Brien-Fleming type (recommended):" in page
    assert "record every look" in page and "Repeated CI and sequential p" in page
    assert "repeated 95% CI" in page and "sequential p" in page  # the engine's verdict
    latest = _analyses(db, hypothesis)[-1]
    assert latest.inputs["early_look_method"] == "obrien-fleming"
    assert latest.inputs["looks"] == [round(planned * 0.2), round(planned * 0.4)]
    seq = latest.output["comparisons"][0]["sequential"]
    assert seq["look"] == 3 and seq["method"] == "group-sequential-obrien-fleming"
    # re-running the stored inputs reproduces the analysis exactly
    check = reruns.reproduce_analysis(db, team=team, analysis_id=latest.id)
    assert check["same"]


@pytest.mark.parametrize(
    ("method", "sequential_method", "header", "promise"),
    [
        ("pocock", "group-sequential-pocock", "Repeated CI and sequential p", "same bar"),
        ("always-valid", "confidence-sequence", "Always-valid CI and p", "without recording"),
    ],
)
def test_a_team_gets_the_early_look_method_it_chose(
    client, auth, db, team, users, method, sequential_method, header, promise
):
    stored = db.get(Team, team.id)
    stored.early_look_method = method
    db.add(stored)
    db.commit()
    hypothesis, _planned = _looks(db, team, users, [0.1, 0.3])
    analysis = _analyses(db, hypothesis)[-1]
    assert analysis.inputs["early_look_method"] == method
    seq = analysis.output["comparisons"][0]["sequential"]
    assert seq["method"] == sequential_method
    auth.login("viewer")
    page = visible_text(client.get(f"/experiments/{experiment_of(db, hypothesis).id}"))
    assert header in page and promise in page
    assert ("group-sequential plan" in page) == (method == "pocock")


def test_relative_change_of_means_that_cannot_be_bounded_says_so(client, auth, db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"], kind="continuous")
    experiment_results.record_results(
        db,
        team=team,
        actor=users["lead"],  # final results finish the test: a lead
        hypothesis_id=hypothesis.id,
        variants=[
            {"name": "Control", "n": 20, "mean": 1.0, "sd": 10.0},
            {"name": "B", "n": 20, "mean": 5.0, "sd": 10.0},
        ],
        final=True,
        finish_reason="Enough data for this check.",
    )
    assert _analyses(db, hypothesis)[-1].output["comparisons"][0]["rel_ci"] is None
    auth.login("viewer")
    page = visible_text(client.get(f"/experiments/{experiment_of(db, hypothesis).id}"))
    assert "+400.0% cannot be bounded" in page
    assert "The relative change cannot be bounded" in page  # the verdict says it too


def test_fisher_region_leaves_out_an_interval_that_disagrees(client, auth, db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    experiment_results.record_results(
        db,
        team=team,
        actor=users["lead"],  # final results finish the test: a lead
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results((20, 1), (20, 6)),
        final=True,
        finish_reason="Enough data for this check.",
    )
    comparison = _analyses(db, hypothesis)[-1].output["comparisons"][0]
    assert comparison["method"] == "fisher" and comparison["interval_agrees"] is False
    auth.login("viewer")
    page = text(client.get(f"/experiments/{experiment_of(db, hypothesis).id}"))
    assert 'id="interval-omitted-note"' in page and "Fisher" in page
    table = page[page.index('id="analysis-table"') : page.index("</table>")]
    start = page.index('id="verdict"')
    verdict = page[start : page.index("</div>", start)]
    assert "interval left out" in table and "CI" not in verdict and "Fisher" in verdict
    assert "+8.4%" not in table  # the score interval's lower end is not stated


def _old_analysis(db, team, users):
    """A finished test whose stored analysis was made by engine 1.0.0 (inputs without the
    early-look keys, as engines before 2.0.0 stored them)."""
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    analysis = experiment_results.record_results(
        db,
        team=team,
        actor=users["lead"],  # final results finish the test: a lead
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results(),
        final=True,
        finish_reason="Enough data for this check.",
    )
    inputs = {k: v for k, v in analysis.inputs.items() if k not in ("early_look_method", "looks")}
    analysis.inputs, analysis.engine_version = inputs, "1.0.0"
    db.add(analysis)
    db.commit()
    return hypothesis, analysis.id


def test_rerun_an_analysis_made_by_an_older_engine(client, auth, db, team, users):
    hypothesis, old_id = _old_analysis(db, team, users)
    exp = experiment_of(db, hypothesis)
    auth.login("viewer")
    page = visible_text(client.get(f"/experiments/{exp.id}"))
    assert "engine 1.0.0" in page and "Made with engine 1.0.0" in page
    assert f"Re-run with engine {stats.ENGINE_VERSION}" not in page  # a viewer may not
    url = f"/experiments/{exp.id}/analyses/{old_id}/rerun"
    assert client.post(url).status_code == 403
    auth.login("marketer")
    assert f"Re-run with engine {stats.ENGINE_VERSION}" in visible_text(
        client.get(f"/experiments/{exp.id}")
    )
    response = client.post(url)
    assert response.status_code == 302 and response.headers["Location"].endswith("#analysis")
    old, new = _analyses(db, hypothesis)
    assert (old.id, old.engine_version) == (old_id, "1.0.0")  # kept as it was
    assert new.engine_version == stats.ENGINE_VERSION and new.inputs == old.inputs
    assert new.result_set_id == old.result_set_id
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "experiment.rerun")).one()
    assert entry.actor_id == users["marketer"].id
    db.commit()
    page = visible_text(client.get(f"/experiments/{exp.id}"))
    assert f"engine {stats.ENGINE_VERSION}" in page and "Other analyses of these results" in page
    assert "re-ran an analysis with the current engine" in page  # the history
    # the old one is still there to read, and says a newer analysis exists
    page = visible_text(client.get(f"/experiments/{exp.id}?analysis={old_id}"))
    assert "Made with engine 1.0.0" in page and "These results have a newer analysis" in page
    assert "Re-run with engine" not in page
    # once re-run, it is not re-run again; the current engine's analysis is not re-run at all
    assert client.post(url).status_code == 409
    assert client.post(f"/experiments/{exp.id}/analyses/{new.id}/rerun").status_code == 409
    assert len(_analyses(db, hypothesis)) == 2
    assert client.post(f"/experiments/{exp.id}/analyses/99999/rerun").status_code == 404
