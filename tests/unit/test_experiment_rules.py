"""Domain rules of the test design, start (active-test limit), design lock and stop."""

from __future__ import annotations

import experiment_factories as ef
import factories
import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

import stats
from hypotheses.domain.core.errors import (
    Conflict,
    DomainError,
    LimitReached,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import design as experiment_design
from hypotheses.domain.experiments import ending as experiment_end
from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.models import AuditEntry, Experiment, Hypothesis, Variant


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


# ---------------------------------------------------------------- design


def test_validate_design_computes_plan_from_the_engine():
    values = experiment_design.validate_design(ef.design_data())
    expected = stats.sample_size_conversions(
        baseline=0.031, mde=0.10, relative=True, alpha=0.05, power=0.8
    )
    assert values["per_variant"] == expected
    assert values["duration_days"] == stats.test_duration_days(
        per_variant=expected, variants=2, daily_visitors=2000
    )
    assert [v["split"] for v in values["variants"]] == [0.5, 0.5]


def test_continuous_relative_effect_uses_the_mean():
    values = experiment_design.validate_design(ef.design_data("continuous"))
    assert values["per_variant"] == stats.sample_size_means(sd=40.0, mde=4.0, alpha=0.05, power=0.8)


def test_absolute_effect_and_fraction_splits():
    values = experiment_design.validate_design(
        ef.design_data(
            mde=0.005,
            mde_relative=False,
            variants=[
                {"name": "A", "split": 0.2},
                {"name": "B", "split": 0.4},
                {"name": "C", "split": 0.4},
            ],
        )
    )
    assert values["per_variant"] == stats.sample_size_conversions(
        baseline=0.031, mde=0.005, relative=False
    )
    assert [v["split"] for v in values["variants"]] == [0.2, 0.4, 0.4]


def test_empty_splits_mean_an_equal_split_and_empty_rows_are_ignored():
    values = experiment_design.validate_design(
        ef.design_data(
            variants=[
                {"name": "Control", "split": None},
                {"name": "", "split": ""},
                {"name": "B", "split": ""},
                {"name": "C", "split": None},
            ]
        )
    )
    assert [v["name"] for v in values["variants"]] == ["Control", "B", "C"]
    assert all(abs(v["split"] - 1 / 3) < 1e-12 for v in values["variants"])


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"alpha": 0}, "alpha"),
        ({"alpha": 0.6}, "alpha"),
        ({"alpha": float("nan")}, "alpha"),
        ({"power": 1}, "power"),
        ({"power": 0}, "power"),
        ({"baseline": 0}, "baseline"),
        ({"baseline": 1}, "baseline"),
        ({"baseline": "3,1"}, "baseline"),
        ({"baseline": float("inf")}, "baseline"),
        ({"baseline": True}, "baseline"),
        ({"mde": 0}, "mde"),
        ({"mde": -0.1}, "mde"),
        ({"mde": 40.0}, "mde"),
        ({"mde": 0.98, "mde_relative": False}, "mde"),
        ({"daily_visitors": 0}, "daily_visitors"),
        ({"daily_visitors": 1.5}, "daily_visitors"),
        ({"daily_visitors": "1_000"}, "daily_visitors"),
        ({"metric_name": ""}, "metric_name"),
        ({"metric_name": "x" * 121}, "metric_name"),
        ({"metric_kind": "ratio"}, "metric_kind"),
        ({"mde_relative": "maybe"}, "mde_relative"),
        ({"variants": [{"name": "Control", "split": 100}]}, "variants"),
        ({"variants": [{"name": f"V{i}", "split": None} for i in range(7)]}, "variants"),
        ({"variants": [{"name": "A", "split": 50}, {"name": "a", "split": 50}]}, "variant_name_1"),
        ({"variants": [{"name": "A", "split": 50}, {"name": "", "split": 50}]}, "variant_name_1"),
        ({"variants": [{"name": "A", "split": 50}, {"name": "B", "split": 49}]}, "variants"),
        (
            {"variants": [{"name": "A", "split": 50}, {"name": "B", "split": -50}]},
            "variant_split_1",
        ),
        (
            {"variants": [{"name": "A", "split": 100}, {"name": "B", "split": None}]},
            "variant_split_1",
        ),
        (
            {"variants": [{"name": "A\x00", "split": 50}, {"name": "B", "split": 50}]},
            "variant_name_0",
        ),
        ({"variants": "A,B"}, "variants"),
    ],
)
def test_design_refusals_name_the_field(overrides, field):
    with pytest.raises(ValidationFailed) as info:
        experiment_design.validate_design(ef.design_data(**overrides))
    assert field in info.value.fields


def test_continuous_design_needs_sd_and_a_nonzero_mean_for_relative_effects():
    with pytest.raises(ValidationFailed) as info:
        experiment_design.validate_design(ef.design_data("continuous", baseline_sd=None))
    assert "baseline_sd" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        experiment_design.validate_design(ef.design_data("continuous", baseline=0.0))
    assert "mde" in info.value.fields
    assert (
        experiment_design.validate_design(
            ef.design_data("continuous", baseline=0.0, mde=2.0, mde_relative=False)
        )["per_variant"]
        > 0
    )


def test_save_design_only_for_approved_hypotheses(db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, status="backlog")
    with pytest.raises(Conflict):
        experiments.save_design(
            db,
            team=team,
            actor=users["marketer"],
            hypothesis_id=hypothesis.id,
            data=ef.design_data(),
        )
    assert _count(db, Experiment) == 0 and _count(db, Variant) == 0


def test_save_design_creates_then_updates_with_audit(db, team, users):
    hypothesis = ef.approved(db, team=team)
    exp = experiments.save_design(
        db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id, data=ef.design_data()
    )
    assert exp.status == "design" and exp.per_variant > 0
    experiments.save_design(
        db,
        team=team,
        actor=users["marketer"],
        hypothesis_id=hypothesis.id,
        data=ef.design_data(
            variants=[
                {"name": "Control", "split": ""},
                {"name": "B", "split": ""},
                {"name": "C", "split": ""},
            ]
        ),
        version=exp.version,
    )
    exp = _exp(db, hypothesis)
    names = [v.name for v in experiment_common.variants_of(db, experiment=exp)]
    assert names == ["Control", "B", "C"]
    assert _actions(db, "experiment", exp.id) == ["experiment.design", "experiment.design"]
    entry = db.exec(
        select(AuditEntry).where(AuditEntry.entity == "experiment").order_by(AuditEntry.id.desc())
    ).first()
    assert "variants" in entry.changes


def test_stale_design_form_is_refused_with_the_changes(db, team, users):
    hypothesis = ef.designed(db, team=team, actor=users["marketer"])
    exp = _exp(db, hypothesis)
    old = exp.version
    experiments.save_design(
        db,
        team=team,
        actor=users["lead"],
        hypothesis_id=hypothesis.id,
        data=ef.design_data(daily_visitors=3000),
        version=old,
    )
    with pytest.raises(StaleVersion) as info:
        experiments.save_design(
            db,
            team=team,
            actor=users["marketer"],
            hypothesis_id=hypothesis.id,
            data=ef.design_data(daily_visitors=4000),
            version=old,
        )
    assert info.value.changes and info.value.changes[0]["changes"]["daily_visitors"] == [2000, 3000]
    assert _exp(db, hypothesis).daily_visitors == 3000


def test_other_teams_tests_are_not_found(db, team, users):
    hypothesis = ef.designed(db, team=team, actor=users["marketer"])
    other = factories.make_team(db, "Other team")
    with pytest.raises(NotFound):
        experiment_common.get_experiment(db, team=other, hypothesis_id=hypothesis.id)
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
        experiment_end.stop(db, team=team, actor=lead, hypothesis_id=first.id, reason="  ")
    assert info.value.field == "reason"
    experiment_end.stop(db, team=team, actor=lead, hypothesis_id=first.id, reason="Tracking broke")
    stopped = _exp(db, first)
    assert (stopped.status, stopped.slot, stopped.stop_reason) == (
        "stopped",
        None,
        "Tracking broke",
    )
    assert db.get(Hypothesis, first.id).status == "stopped"
    exp = experiments.start(db, team=team, actor=lead, hypothesis_id=third.id)
    assert exp.slot == 1  # the lowest free slot
    assert _exp(db, second).slot == 2
    with pytest.raises(Conflict):
        experiment_end.stop(db, team=team, actor=lead, hypothesis_id=first.id, reason="again")


def test_limit_message_for_one_test_at_the_maximum(db, team, users):
    team.active_test_limit = 3
    db.commit()
    for i in range(3):
        ef.running(db, team=team, lead=users["lead"], title=f"T{i}")
    fourth = ef.designed(db, team=team, actor=users["lead"])
    with pytest.raises(
        LimitReached, match=r"runs 3 tests \(the limit\): “T0”, “T1”, “T2”. Stop or finish"
    ):
        experiments.start(db, team=team, actor=users["lead"], hypothesis_id=fourth.id)
    assert experiments.limit_message(1, ["A"]).startswith(
        "The team already runs 1 test (the limit): “A”."
    )


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
    for change, field in [
        ({"mde": 0.2}, "mde"),
        ({"alpha": 0.1}, "alpha"),
        ({"metric_name": "Sales"}, "metric_name"),
        ({"power": 0.9}, "power"),
        ({"variants": [{"name": "Control", "split": 50}, {"name": "C", "split": 50}]}, "variants"),
    ]:
        with pytest.raises(Conflict) as info:
            experiments.save_design(
                db,
                team=team,
                actor=users["marketer"],
                hypothesis_id=hypothesis.id,
                data=ef.design_data(**change),
            )
        assert info.value.field == field
        assert "Locked since " + before.started_at.date().isoformat() in info.value.message
    experiments.save_design(
        db,
        team=team,
        actor=users["marketer"],
        hypothesis_id=hypothesis.id,
        data=ef.design_data(daily_visitors=4000),
    )
    after = _exp(db, hypothesis)
    assert after.per_variant == before.per_variant and after.daily_visitors == 4000
    assert after.duration_days == stats.test_duration_days(
        per_variant=before.per_variant, variants=2, daily_visitors=4000
    )
