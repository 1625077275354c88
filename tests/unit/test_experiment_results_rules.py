"""Domain rules of results, analysis, finishing and the decision (every transition and refusal)."""

from __future__ import annotations

import experiment_factories as ef
import factories
import pytest
from sqlmodel import select

import stats
from hypotheses.domain.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import ending as experiment_end
from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.domain.experiments import reruns
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.models import Analysis, AuditEntry, Experiment, Hypothesis, ResultSet


def _actions(db, entity: str, entity_id: int) -> list[str]:
    return list(
        db.exec(
            select(AuditEntry.action)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.id)
        ).all()
    )


def _exp(db, hypothesis) -> Experiment:
    db.expire_all()
    return db.exec(select(Experiment).where(Experiment.hypothesis_id == hypothesis.id)).one()


def _count(db, model) -> int:
    return len(db.exec(select(model)).all())


# ---------------------------------------------------------------- results and analysis


@pytest.mark.parametrize(
    "rows, field",
    [
        (ef.conversion_results(variant=(100, 101)), "conversions_1"),
        (ef.conversion_results(control=(0, 0)), "visitors_0"),
        (ef.conversion_results(control=(-5, 0)), "visitors_0"),
        (ef.conversion_results(control=(10.5, 0)), "visitors_0"),
        (ef.conversion_results(control=(True, 0)), "visitors_0"),
        (ef.conversion_results(names=("Control", "Z")), "variants"),
        (ef.conversion_results()[:1], "variants"),
        (ef.conversion_results() + ef.conversion_results()[:1], "variants"),
        ("not a list", "variants"),
    ],
)
def test_results_refusals_save_nothing(db, team, users, rows, field):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    with pytest.raises(ValidationFailed) as info:
        experiment_results.record_results(
            db,
            team=team,
            actor=users["marketer"],
            hypothesis_id=hypothesis.id,
            variants=rows,
            final=False,
        )
    assert field in info.value.fields
    assert _count(db, ResultSet) == 0 and _count(db, Analysis) == 0


@pytest.mark.parametrize(
    "row, field",
    [
        ({"n": 1, "mean": 5, "sd": 1}, "n_1"),
        ({"n": 50, "mean": float("nan"), "sd": 1}, "mean_1"),
        ({"n": 50, "mean": 5, "sd": -1}, "sd_1"),
        ({"n": 50, "mean": "1_0", "sd": 1}, "mean_1"),
    ],
)
def test_continuous_results_refusals(db, team, users, row, field):
    hypothesis = ef.running(db, team=team, lead=users["lead"], kind="continuous")
    rows = [{"name": "Control", "n": 50, "mean": 80, "sd": 40}, {"name": "B", **row}]
    with pytest.raises(ValidationFailed) as info:
        experiment_results.record_results(
            db,
            team=team,
            actor=users["marketer"],
            hypothesis_id=hypothesis.id,
            variants=rows,
            final=False,
        )
    assert field in info.value.fields


def test_early_look_then_final_results(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    planned = _exp(db, hypothesis).per_variant
    early = experiment_results.record_results(
        db,
        team=team,
        actor=users["marketer"],
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results((1000, 31), (1000, 39)),
        final=False,
    )
    out = early.output
    assert out["early_look"] is True and out["comparisons"][0]["sequential"] is not None
    assert early.engine_version == stats.ENGINE_VERSION and early.verdict.startswith("Early look")
    assert [w["code"] for w in out["warnings"]] == ["early_look"]
    assert early.inputs["planned_per_variant"] == planned
    assert _exp(db, hypothesis).status == "running"
    final = experiment_results.record_results(
        db,
        team=team,
        actor=users["lead"],  # final numbers finish the test: a lead's action
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results((planned, 310), (planned, 420)),
        final=True,
    )
    assert final.output["final"] is True and "significant at α = 0.05" in final.verdict
    exp = _exp(db, hypothesis)
    assert (exp.status, exp.slot) == ("finished", None) and exp.ended_at is not None
    assert db.get(Hypothesis, hypothesis.id).status == "finished"
    assert "experiment.finish" in _actions(db, "experiment", exp.id)
    assert "hypothesis.finish" in _actions(db, "hypothesis", hypothesis.id)
    assert len(experiment_common.result_sets(db, experiment=exp)) == 2
    # a correction on a finished test is final too
    fixed = experiment_results.record_results(
        db,
        team=team,
        actor=users["marketer"],
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results((planned, 311), (planned, 420)),
        final=False,
    )
    assert fixed.output["final"] is True


def test_analysis_is_reproducible_from_its_stored_inputs(db, team, users):
    hypothesis = ef.running(
        db,
        team=team,
        lead=users["lead"],
        variants=[
            {"name": "Control", "split": ""},
            {"name": "B", "split": ""},
            {"name": "C", "split": ""},
        ],
    )
    rows = ef.conversion_results() + [{"name": "C", "visitors": 10000, "conversions": 300}]
    analysis = experiment_results.record_results(
        db,
        team=team,
        actor=users["lead"],
        hypothesis_id=hypothesis.id,
        variants=rows,
        final=True,
        finish_reason="Enough to compare the three.",
    )
    check = reruns.reproduce_analysis(db, team=team, analysis_id=analysis.id)
    assert check["same"] is True
    assert "multiple_variants" in [w["code"] for w in check["stored"]["warnings"]]
    other = factories.make_team(db, "Other team")
    with pytest.raises(NotFound):
        reruns.reproduce_analysis(db, team=other, analysis_id=analysis.id)


def test_finished_tests_do_not_count_toward_the_limit(db, team, users):
    team.active_test_limit = 1
    db.commit()
    first = ef.running(db, team=team, lead=users["lead"])
    experiment_results.record_results(
        db,
        team=team,
        actor=users["lead"],
        hypothesis_id=first.id,
        variants=ef.conversion_results(),
        final=True,
        finish_reason="Budget moved to the next test.",
    )
    second = ef.designed(db, team=team, actor=users["lead"])
    assert experiments.start(db, team=team, actor=users["lead"], hypothesis_id=second.id).slot == 1


def test_results_only_while_running_or_finished(db, team, users):
    hypothesis = ef.designed(db, team=team, actor=users["lead"])
    with pytest.raises(Conflict):
        experiment_results.record_results(
            db,
            team=team,
            actor=users["marketer"],
            hypothesis_id=hypothesis.id,
            variants=ef.conversion_results(),
            final=False,
        )


def test_finish_uses_the_latest_results_as_final(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    with pytest.raises(Conflict, match="results first"):
        experiment_results.finish(db, team=team, actor=users["lead"], hypothesis_id=hypothesis.id)
    experiment_results.record_results(
        db,
        team=team,
        actor=users["marketer"],
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results((1000, 31), (1000, 45)),
        final=False,
    )
    analysis = experiment_results.finish(
        db,
        team=team,
        actor=users["lead"],
        hypothesis_id=hypothesis.id,
        reason="Tracking broke.",
        confirmed=True,
    )
    out = analysis.output
    assert out["final"] is True and out["early_look"] is False
    assert "underpowered" in [w["code"] for w in out["warnings"]]
    assert _exp(db, hypothesis).status == "finished"
    with pytest.raises(Conflict):
        experiment_results.finish(db, team=team, actor=users["lead"], hypothesis_id=hypothesis.id)


def test_engine_refusal_becomes_a_domain_error(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"], kind="continuous")
    rows = [
        {"name": "Control", "n": 50, "mean": 80, "sd": 0},
        {"name": "B", "n": 50, "mean": 80, "sd": 0},
    ]
    with pytest.raises(DomainError) as info:
        experiment_results.record_results(
            db,
            team=team,
            actor=users["marketer"],
            hypothesis_id=hypothesis.id,
            variants=rows,
            final=False,
        )
    assert "cannot analyse" in info.value.message
    assert _count(db, ResultSet) == 0


# ---------------------------------------------------------------- decision


def _finished(db, team, users, **kw):
    """A test a lead finished past its planned sample (a 30% effect planned: 6,239 a variant)."""
    hypothesis = ef.running(db, team=team, lead=users["lead"], **{"mde": 0.3, **kw})
    experiment_results.record_results(
        db,
        team=team,
        actor=users["lead"],
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results(),
        final=True,
    )
    return hypothesis


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"decision": "launch"}, "decision"),
        ({"outcome": "great"}, "outcome"),
        ({"learning": ""}, "learning"),
        ({"learning": "x" * 201}, "learning"),
        ({"learning": "two\nlines"}, "learning"),
        ({"follow_up_title": "y" * 201}, "follow_up_title"),
    ],
)
def test_decision_refusals(db, team, users, kwargs, field):
    hypothesis = _finished(db, team, users)
    args = {"decision": "ship", "outcome": "won", "learning": "Short forms win.", **kwargs}
    with pytest.raises(DomainError) as info:
        experiment_end.decide(
            db, team=team, actor=users["lead"], hypothesis_id=hypothesis.id, **args
        )
    assert info.value.field == field
    assert _exp(db, hypothesis).status == "finished"


def test_decide_needs_a_finished_or_stopped_test(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    with pytest.raises(Conflict):
        experiment_end.decide(
            db,
            team=team,
            actor=users["lead"],
            hypothesis_id=hypothesis.id,
            decision="kill",
            outcome="lost",
            learning="No.",
        )
    experiment_end.stop(
        db, team=team, actor=users["lead"], hypothesis_id=hypothesis.id, reason="Broken"
    )
    exp, child = experiment_end.decide(
        db,
        team=team,
        actor=users["lead"],
        hypothesis_id=hypothesis.id,
        decision="kill",
        outcome="inconclusive",
        learning="Fix tracking first.",
    )
    assert exp.status == "decided" and child is None


def test_decision_with_follow_up(db, team, users):
    hypothesis = _finished(db, team, users)
    exp, child = experiment_end.decide(
        db,
        team=team,
        actor=users["lead"],
        hypothesis_id=hypothesis.id,
        decision="iterate",
        outcome="won",
        learning="Shorter forms win.",
        follow_up_title="Even shorter form",
    )
    exp = _exp(db, hypothesis)
    assert (exp.status, exp.decision, exp.outcome, exp.learning) == (
        "decided",
        "iterate",
        "won",
        "Shorter forms win.",
    )
    assert exp.decided_by_id == users["lead"].id and exp.decided_at is not None
    assert db.get(Hypothesis, hypothesis.id).status == "decided"
    child = db.get(Hypothesis, child.id)
    assert child.parent_id == hypothesis.id and child.title == "Even shorter form"
    assert child.status in ("backlog", "idea")
    assert "experiment.decide" in _actions(db, "experiment", exp.id)
    assert "hypothesis.decide" in _actions(db, "hypothesis", hypothesis.id)
    assert "hypothesis.create" in _actions(db, "hypothesis", child.id)
    with pytest.raises(Conflict):
        experiment_end.decide(
            db,
            team=team,
            actor=users["lead"],
            hypothesis_id=hypothesis.id,
            decision="ship",
            outcome="won",
            learning="Again.",
        )


def test_lists_and_progress(db, team, users):
    running = ef.running(db, team=team, lead=users["lead"], title="Running one")
    ef.designed(db, team=team, actor=users["lead"], title="Designed one")
    waiting = ef.approved(db, team=team, title="Approved one")
    experiment_results.record_results(
        db,
        team=team,
        actor=users["marketer"],
        hypothesis_id=running.id,
        variants=ef.conversion_results((1000, 31), (900, 40)),
        final=False,
    )
    rows = experiment_common.running_tests(db, team=team)
    assert [r.hypothesis.title for r in rows] == ["Running one"]
    assert rows[0].collected == 900 and rows[0].progress == 900 / rows[0].planned
    assert rows[0].days_left == rows[0].experiment.duration_days
    assert [
        r.hypothesis.title
        for r in experiment_common.list_experiments(db, team=team, status="design")
    ] == ["Designed one"]
    assert [h.id for h in experiment_common.approved_without_design(db, team=team)] == [waiting.id]
    assert experiment_common.latest_analysis(db, experiment=rows[0].experiment) is not None
