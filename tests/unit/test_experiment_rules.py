"""Domain rules of the test lifecycle: every transition and every refusal."""

from __future__ import annotations

import json

import experiment_factories as ef
import factories
import pytest
import stats
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from hypotheses.domain import experiments
from hypotheses.domain.errors import (
    Conflict,
    DomainError,
    LimitReached,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from hypotheses.models import Analysis, AuditEntry, Experiment, Hypothesis, ResultSet, Variant


def _actions(db, entity: str, entity_id: int) -> list[str]:
    return list(db.exec(select(AuditEntry.action).where(AuditEntry.entity == entity,
                                                        AuditEntry.entity_id == entity_id)
                        .order_by(AuditEntry.id)).all())


def _exp(db, hypothesis) -> Experiment:
    db.expire_all()
    return db.exec(select(Experiment).where(Experiment.hypothesis_id == hypothesis.id)).one()


def _count(db, model) -> int:
    return len(db.exec(select(model)).all())


# ---------------------------------------------------------------- design


def test_validate_design_computes_plan_from_the_engine():
    values = experiments.validate_design(ef.design_data())
    expected = stats.sample_size_conversions(baseline=0.031, mde=0.10, relative=True, alpha=0.05, power=0.8)
    assert values["per_variant"] == expected
    assert values["duration_days"] == stats.test_duration_days(per_variant=expected, variants=2,
                                                               daily_visitors=2000)
    assert [v["split"] for v in values["variants"]] == [0.5, 0.5]


def test_continuous_relative_effect_uses_the_mean():
    values = experiments.validate_design(ef.design_data("continuous"))
    assert values["per_variant"] == stats.sample_size_means(sd=40.0, mde=4.0, alpha=0.05, power=0.8)


def test_absolute_effect_and_fraction_splits():
    values = experiments.validate_design(ef.design_data(
        mde=0.005, mde_relative=False,
        variants=[{"name": "A", "split": 0.2}, {"name": "B", "split": 0.4}, {"name": "C", "split": 0.4}]))
    assert values["per_variant"] == stats.sample_size_conversions(baseline=0.031, mde=0.005, relative=False)
    assert [v["split"] for v in values["variants"]] == [0.2, 0.4, 0.4]


def test_empty_splits_mean_an_equal_split_and_empty_rows_are_ignored():
    values = experiments.validate_design(ef.design_data(variants=[
        {"name": "Control", "split": None}, {"name": "", "split": ""}, {"name": "B", "split": ""},
        {"name": "C", "split": None}]))
    assert [v["name"] for v in values["variants"]] == ["Control", "B", "C"]
    assert all(abs(v["split"] - 1 / 3) < 1e-12 for v in values["variants"])


@pytest.mark.parametrize("overrides, field", [
    ({"alpha": 0}, "alpha"), ({"alpha": 0.6}, "alpha"), ({"alpha": float("nan")}, "alpha"),
    ({"power": 1}, "power"), ({"power": 0}, "power"),
    ({"baseline": 0}, "baseline"), ({"baseline": 1}, "baseline"), ({"baseline": "3,1"}, "baseline"),
    ({"baseline": float("inf")}, "baseline"), ({"baseline": True}, "baseline"),
    ({"mde": 0}, "mde"), ({"mde": -0.1}, "mde"), ({"mde": 40.0}, "mde"),
    ({"mde": 0.98, "mde_relative": False}, "mde"),
    ({"daily_visitors": 0}, "daily_visitors"), ({"daily_visitors": 1.5}, "daily_visitors"),
    ({"daily_visitors": "1_000"}, "daily_visitors"),
    ({"metric_name": ""}, "metric_name"), ({"metric_name": "x" * 121}, "metric_name"),
    ({"metric_kind": "ratio"}, "metric_kind"), ({"mde_relative": "maybe"}, "mde_relative"),
    ({"variants": [{"name": "Control", "split": 100}]}, "variants"),
    ({"variants": [{"name": f"V{i}", "split": None} for i in range(7)]}, "variants"),
    ({"variants": [{"name": "A", "split": 50}, {"name": "a", "split": 50}]}, "variant_name_1"),
    ({"variants": [{"name": "A", "split": 50}, {"name": "", "split": 50}]}, "variant_name_1"),
    ({"variants": [{"name": "A", "split": 50}, {"name": "B", "split": 49}]}, "variants"),
    ({"variants": [{"name": "A", "split": 50}, {"name": "B", "split": -50}]}, "variant_split_1"),
    ({"variants": [{"name": "A", "split": 100}, {"name": "B", "split": None}]}, "variant_split_1"),
    ({"variants": [{"name": "A\x00", "split": 50}, {"name": "B", "split": 50}]}, "variant_name_0"),
    ({"variants": "A,B"}, "variants"),
])
def test_design_refusals_name_the_field(overrides, field):
    with pytest.raises(ValidationFailed) as info:
        experiments.validate_design(ef.design_data(**overrides))
    assert field in info.value.fields


def test_continuous_design_needs_sd_and_a_nonzero_mean_for_relative_effects():
    with pytest.raises(ValidationFailed) as info:
        experiments.validate_design(ef.design_data("continuous", baseline_sd=None))
    assert "baseline_sd" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        experiments.validate_design(ef.design_data("continuous", baseline=0.0))
    assert "mde" in info.value.fields
    assert experiments.validate_design(ef.design_data("continuous", baseline=0.0, mde=2.0,
                                                      mde_relative=False))["per_variant"] > 0


def test_save_design_only_for_approved_hypotheses(db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, status="backlog")
    with pytest.raises(Conflict):
        experiments.save_design(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                                data=ef.design_data())
    assert _count(db, Experiment) == 0 and _count(db, Variant) == 0


def test_save_design_creates_then_updates_with_audit(db, team, users):
    hypothesis = ef.approved(db, team=team)
    exp = experiments.save_design(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                                  data=ef.design_data())
    assert exp.status == "design" and exp.per_variant > 0
    experiments.save_design(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                            data=ef.design_data(variants=[{"name": "Control", "split": ""},
                                                          {"name": "B", "split": ""},
                                                          {"name": "C", "split": ""}]),
                            version=exp.version)
    exp = _exp(db, hypothesis)
    names = [v.name for v in experiments.variants_of(db, experiment=exp)]
    assert names == ["Control", "B", "C"]
    assert _actions(db, "experiment", exp.id) == ["experiment.design", "experiment.design"]
    entry = db.exec(select(AuditEntry).where(AuditEntry.entity == "experiment")
                    .order_by(AuditEntry.id.desc())).first()
    assert "variants" in json.loads(entry.changes)


def test_stale_design_form_is_refused_with_the_changes(db, team, users):
    hypothesis = ef.designed(db, team=team, actor=users["marketer"])
    exp = _exp(db, hypothesis)
    old = exp.version
    experiments.save_design(db, team=team, actor=users["lead"], hypothesis_id=hypothesis.id,
                            data=ef.design_data(daily_visitors=3000), version=old)
    with pytest.raises(StaleVersion) as info:
        experiments.save_design(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                                data=ef.design_data(daily_visitors=4000), version=old)
    assert info.value.changes and info.value.changes[0]["changes"]["daily_visitors"] == [2000, 3000]
    assert _exp(db, hypothesis).daily_visitors == 3000


def test_other_teams_tests_are_not_found(db, team, users):
    hypothesis = ef.designed(db, team=team, actor=users["marketer"])
    other = factories.make_team(db, "Other team")
    with pytest.raises(NotFound):
        experiments.get_experiment(db, team=other, hypothesis_id=hypothesis.id)
    with pytest.raises(NotFound):
        experiments.start(db, team=other, actor=users["lead"], hypothesis_id=hypothesis.id)


# ---------------------------------------------------------------- start, limit, lock, stop


def test_start_locks_design_and_mirrors_the_hypothesis(db, team, users):
    hypothesis = ef.designed(db, team=team, actor=users["marketer"])
    exp = experiments.start(db, team=team, actor=users["lead"], hypothesis_id=hypothesis.id)
    assert (exp.status, exp.slot) == ("running", 1) and exp.started_at is not None
    assert db.get(Hypothesis, hypothesis.id).status == "running"
    assert "experiment.start" in _actions(db, "experiment", exp.id)
    assert "hypothesis.start" in _actions(db, "hypothesis", hypothesis.id)


def test_start_refusals(db, team, users):
    lead = users["lead"]
    bare = ef.approved(db, team=team)
    with pytest.raises(Conflict, match="Design the test first"):
        experiments.start(db, team=team, actor=lead, hypothesis_id=bare.id)
    hypothesis = ef.designed(db, team=team, actor=lead)
    hyp = db.get(Hypothesis, hypothesis.id)
    hyp.status = "backlog"  # e.g. edited after approval
    db.commit()
    with pytest.raises(Conflict, match="approved"):
        experiments.start(db, team=team, actor=lead, hypothesis_id=hypothesis.id)
    hyp.status = "approved"
    db.commit()
    experiments.start(db, team=team, actor=lead, hypothesis_id=hypothesis.id)
    with pytest.raises(Conflict, match="already running"):
        experiments.start(db, team=team, actor=lead, hypothesis_id=hypothesis.id)


def test_limit_refuses_with_the_running_tests_names_and_stop_frees_the_slot(db, team, users):
    team.active_test_limit = 2
    db.commit()
    lead = users["lead"]
    first = ef.running(db, team=team, lead=lead, title="Shorter form")
    second = ef.running(db, team=team, lead=lead, title="Free shipping banner")
    third = ef.designed(db, team=team, actor=lead, title="Green button")
    with pytest.raises(LimitReached) as info:
        experiments.start(db, team=team, actor=lead, hypothesis_id=third.id)
    message = info.value.message
    assert "2 tests (the limit)" in message and "“Shorter form”" in message
    assert "“Free shipping banner”" in message and "team settings" in message
    assert _exp(db, third).status == "design" and db.get(Hypothesis, third.id).status == "approved"
    with pytest.raises(DomainError) as info:
        experiments.stop(db, team=team, actor=lead, hypothesis_id=first.id, reason="  ")
    assert info.value.field == "reason"
    experiments.stop(db, team=team, actor=lead, hypothesis_id=first.id, reason="Tracking broke")
    stopped = _exp(db, first)
    assert (stopped.status, stopped.slot, stopped.stop_reason) == ("stopped", None, "Tracking broke")
    assert db.get(Hypothesis, first.id).status == "stopped"
    exp = experiments.start(db, team=team, actor=lead, hypothesis_id=third.id)
    assert exp.slot == 1  # the lowest free slot
    assert _exp(db, second).slot == 2
    with pytest.raises(Conflict):
        experiments.stop(db, team=team, actor=lead, hypothesis_id=first.id, reason="again")


def test_limit_message_for_one_test_at_the_maximum(db, team, users):
    team.active_test_limit = 3
    db.commit()
    for i in range(3):
        ef.running(db, team=team, lead=users["lead"], title=f"T{i}")
    fourth = ef.designed(db, team=team, actor=users["lead"])
    with pytest.raises(LimitReached, match=r"runs 3 tests \(the limit\): “T0”, “T1”, “T2”. Stop or finish"):
        experiments.start(db, team=team, actor=users["lead"], hypothesis_id=fourth.id)
    assert experiments.limit_message(1, ["A"]).startswith("The team already runs 1 test (the limit): “A”.")


def test_slot_index_is_the_last_line_of_defence(db, team, users):
    one = ef.running(db, team=team, lead=users["lead"])
    other = ef.designed(db, team=team, actor=users["lead"])
    exp = _exp(db, other)
    exp.status, exp.slot = "running", _exp(db, one).slot
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_running_design_is_locked_except_the_traffic(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    before = _exp(db, hypothesis)
    for change, field in [({"mde": 0.2}, "mde"), ({"alpha": 0.1}, "alpha"),
                          ({"metric_name": "Sales"}, "metric_name"), ({"power": 0.9}, "power"),
                          ({"variants": [{"name": "Control", "split": 50}, {"name": "C", "split": 50}]},
                           "variants")]:
        with pytest.raises(Conflict) as info:
            experiments.save_design(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                                    data=ef.design_data(**change))
        assert info.value.field == field
        assert "Locked since " + before.started_at.date().isoformat() in info.value.message
    experiments.save_design(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                            data=ef.design_data(daily_visitors=4000))
    after = _exp(db, hypothesis)
    assert after.per_variant == before.per_variant and after.daily_visitors == 4000
    assert after.duration_days == stats.test_duration_days(per_variant=before.per_variant, variants=2,
                                                           daily_visitors=4000)


# ---------------------------------------------------------------- results and analysis


@pytest.mark.parametrize("rows, field", [
    (ef.conversion_results(variant=(100, 101)), "conversions_1"),
    (ef.conversion_results(control=(0, 0)), "visitors_0"),
    (ef.conversion_results(control=(-5, 0)), "visitors_0"),
    (ef.conversion_results(control=(10.5, 0)), "visitors_0"),
    (ef.conversion_results(control=(True, 0)), "visitors_0"),
    (ef.conversion_results(names=("Control", "Z")), "variants"),
    (ef.conversion_results()[:1], "variants"),
    (ef.conversion_results() + ef.conversion_results()[:1], "variants"),
    ("not a list", "variants"),
])
def test_results_refusals_save_nothing(db, team, users, rows, field):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    with pytest.raises(ValidationFailed) as info:
        experiments.record_results(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                                   variants=rows, final=False)
    assert field in info.value.fields
    assert _count(db, ResultSet) == 0 and _count(db, Analysis) == 0


@pytest.mark.parametrize("row, field", [
    ({"n": 1, "mean": 5, "sd": 1}, "n_1"), ({"n": 50, "mean": float("nan"), "sd": 1}, "mean_1"),
    ({"n": 50, "mean": 5, "sd": -1}, "sd_1"), ({"n": 50, "mean": "1_0", "sd": 1}, "mean_1"),
])
def test_continuous_results_refusals(db, team, users, row, field):
    hypothesis = ef.running(db, team=team, lead=users["lead"], kind="continuous")
    rows = [{"name": "Control", "n": 50, "mean": 80, "sd": 40}, {"name": "B", **row}]
    with pytest.raises(ValidationFailed) as info:
        experiments.record_results(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                                   variants=rows, final=False)
    assert field in info.value.fields


def test_early_look_then_final_results(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    planned = _exp(db, hypothesis).per_variant
    early = experiments.record_results(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                                       variants=ef.conversion_results((1000, 31), (1000, 39)), final=False)
    out = json.loads(early.output)
    assert out["early_look"] is True and out["comparisons"][0]["sequential"] is not None
    assert early.engine_version == stats.ENGINE_VERSION and early.verdict.startswith("Early look")
    assert [w["code"] for w in out["warnings"]] == ["early_look"]
    assert json.loads(early.inputs)["planned_per_variant"] == planned
    assert _exp(db, hypothesis).status == "running"
    final = experiments.record_results(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                                       variants=ef.conversion_results((planned, 310), (planned, 420)),
                                       final=True)
    assert json.loads(final.output)["final"] is True and "significant at α = 0.05" in final.verdict
    exp = _exp(db, hypothesis)
    assert (exp.status, exp.slot) == ("finished", None) and exp.ended_at is not None
    assert db.get(Hypothesis, hypothesis.id).status == "finished"
    assert "experiment.finish" in _actions(db, "experiment", exp.id)
    assert "hypothesis.finish" in _actions(db, "hypothesis", hypothesis.id)
    assert len(experiments.result_sets(db, experiment=exp)) == 2
    # a correction on a finished test is final too
    fixed = experiments.record_results(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                                       variants=ef.conversion_results((planned, 311), (planned, 420)),
                                       final=False)
    assert json.loads(fixed.output)["final"] is True


def test_analysis_is_reproducible_from_its_stored_inputs(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"], variants=[
        {"name": "Control", "split": ""}, {"name": "B", "split": ""}, {"name": "C", "split": ""}])
    rows = ef.conversion_results() + [{"name": "C", "visitors": 10000, "conversions": 300}]
    analysis = experiments.record_results(db, team=team, actor=users["marketer"],
                                          hypothesis_id=hypothesis.id, variants=rows, final=True)
    check = experiments.reproduce_analysis(db, team=team, analysis_id=analysis.id)
    assert check["same"] is True
    assert "multiple_variants" in [w["code"] for w in check["stored"]["warnings"]]
    other = factories.make_team(db, "Other team")
    with pytest.raises(NotFound):
        experiments.reproduce_analysis(db, team=other, analysis_id=analysis.id)


def test_finished_tests_do_not_count_toward_the_limit(db, team, users):
    team.active_test_limit = 1
    db.commit()
    first = ef.running(db, team=team, lead=users["lead"])
    experiments.record_results(db, team=team, actor=users["marketer"], hypothesis_id=first.id,
                               variants=ef.conversion_results(), final=True)
    second = ef.designed(db, team=team, actor=users["lead"])
    assert experiments.start(db, team=team, actor=users["lead"], hypothesis_id=second.id).slot == 1


def test_results_only_while_running_or_finished(db, team, users):
    hypothesis = ef.designed(db, team=team, actor=users["lead"])
    with pytest.raises(Conflict):
        experiments.record_results(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                                   variants=ef.conversion_results(), final=False)


def test_finish_uses_the_latest_results_as_final(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    with pytest.raises(Conflict, match="results first"):
        experiments.finish(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id)
    experiments.record_results(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                               variants=ef.conversion_results((1000, 31), (1000, 45)), final=False)
    analysis = experiments.finish(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id)
    out = json.loads(analysis.output)
    assert out["final"] is True and out["early_look"] is False
    assert "underpowered" in [w["code"] for w in out["warnings"]]
    assert _exp(db, hypothesis).status == "finished"
    with pytest.raises(Conflict):
        experiments.finish(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id)


def test_engine_refusal_becomes_a_domain_error(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"], kind="continuous")
    rows = [{"name": "Control", "n": 50, "mean": 80, "sd": 0}, {"name": "B", "n": 50, "mean": 80, "sd": 0}]
    with pytest.raises(DomainError) as info:
        experiments.record_results(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                                   variants=rows, final=False)
    assert "cannot analyse" in info.value.message
    assert _count(db, ResultSet) == 0


# ---------------------------------------------------------------- decision


def _finished(db, team, users, **kw):
    hypothesis = ef.running(db, team=team, lead=users["lead"], **kw)
    experiments.record_results(db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id,
                               variants=ef.conversion_results(), final=True)
    return hypothesis


@pytest.mark.parametrize("kwargs, field", [
    ({"decision": "launch"}, "decision"), ({"outcome": "great"}, "outcome"),
    ({"learning": ""}, "learning"), ({"learning": "x" * 201}, "learning"),
    ({"learning": "two\nlines"}, "learning"), ({"follow_up_title": "y" * 201}, "follow_up_title"),
])
def test_decision_refusals(db, team, users, kwargs, field):
    hypothesis = _finished(db, team, users)
    args = {"decision": "ship", "outcome": "won", "learning": "Short forms win.", **kwargs}
    with pytest.raises(DomainError) as info:
        experiments.decide(db, team=team, actor=users["lead"], hypothesis_id=hypothesis.id, **args)
    assert info.value.field == field
    assert _exp(db, hypothesis).status == "finished"


def test_decide_needs_a_finished_or_stopped_test(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    with pytest.raises(Conflict):
        experiments.decide(db, team=team, actor=users["lead"], hypothesis_id=hypothesis.id,
                           decision="kill", outcome="lost", learning="No.")
    experiments.stop(db, team=team, actor=users["lead"], hypothesis_id=hypothesis.id, reason="Broken")
    exp, child = experiments.decide(db, team=team, actor=users["lead"], hypothesis_id=hypothesis.id,
                                    decision="kill", outcome="inconclusive", learning="Fix tracking first.")
    assert exp.status == "decided" and child is None


def test_decision_with_follow_up(db, team, users):
    hypothesis = _finished(db, team, users)
    exp, child = experiments.decide(db, team=team, actor=users["lead"], hypothesis_id=hypothesis.id,
                                    decision="iterate", outcome="won", learning="Shorter forms win.",
                                    follow_up_title="Even shorter form")
    exp = _exp(db, hypothesis)
    assert (exp.status, exp.decision, exp.outcome, exp.learning) == ("decided", "iterate", "won",
                                                                      "Shorter forms win.")
    assert exp.decided_by_id == users["lead"].id and exp.decided_at is not None
    assert db.get(Hypothesis, hypothesis.id).status == "decided"
    child = db.get(Hypothesis, child.id)
    assert child.parent_id == hypothesis.id and child.title == "Even shorter form"
    assert child.status in ("backlog", "idea")
    assert "experiment.decide" in _actions(db, "experiment", exp.id)
    assert "hypothesis.decide" in _actions(db, "hypothesis", hypothesis.id)
    assert "hypothesis.create" in _actions(db, "hypothesis", child.id)
    with pytest.raises(Conflict):
        experiments.decide(db, team=team, actor=users["lead"], hypothesis_id=hypothesis.id,
                           decision="ship", outcome="won", learning="Again.")


def test_lists_and_progress(db, team, users):
    running = ef.running(db, team=team, lead=users["lead"], title="Running one")
    ef.designed(db, team=team, actor=users["lead"], title="Designed one")
    waiting = ef.approved(db, team=team, title="Approved one")
    experiments.record_results(db, team=team, actor=users["marketer"], hypothesis_id=running.id,
                               variants=ef.conversion_results((1000, 31), (900, 40)), final=False)
    rows = experiments.running_tests(db, team=team)
    assert [r.hypothesis.title for r in rows] == ["Running one"]
    assert rows[0].collected == 900 and rows[0].progress == 900 / rows[0].planned
    assert rows[0].days_left == rows[0].experiment.duration_days
    assert [r.hypothesis.title for r in experiments.list_experiments(db, team=team, status="design")] == [
        "Designed one"]
    assert [h.id for h in experiments.approved_without_design(db, team=team)] == [waiting.id]
    assert experiments.latest_analysis(db, experiment=rows[0].experiment) is not None
