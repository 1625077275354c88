"""The experiment lifecycle: design → start → (results, see ``results``) → finish/stop → decide.

Every use case that changes state validates first, keeps Experiment.status and
Hypothesis.status in step, writes audit entries on both and commits once at the end. On any
refusal it rolls the session back (nothing half-saved) and raises a DomainError.

Statuses: experiment design → running → finished → decided, or running → stopped (→ decided);
hypothesis approved → running → finished → decided, or → stopped.

The active-test limit is enforced in one locked transaction (RELIABILITY.md finding 3, J4):
on PostgreSQL the team row is locked FOR UPDATE first, so concurrent starts of one team queue;
on SQLite every transaction already begins with BEGIN IMMEDIATE (hypotheses.db). The running
test then takes the lowest free slot 1..limit, and the partial unique index
``uq_experiment_running_slot (team_id, slot)`` refuses a double booking even if the lock were
ever bypassed.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import Conflict, DomainError, LimitReached, StaleVersion
from hypotheses.domain.experiments.common import (
    ENTITY,
    find_experiment,
    get_hypothesis,
    lock_team,
    move_hypothesis,
    record_experiment,
    require_role,
    require_status,
    status_text,
    use_case,
    variants_of,
)
from hypotheses.domain.experiments.design import (
    DESIGN_FIELDS,
    describe_variants,
    design_values,
    locked_changes,
    validate_design,
)
from hypotheses.domain.experiments.metrics import apply_extras
from hypotheses.domain.notifications import tell
from hypotheses.enums import ExperimentStatus, NotificationEvent, Status
from hypotheses.models import Experiment, Hypothesis, Team, User, Variant, utcnow


def preview_design(*, data: dict[str, Any]) -> dict[str, Any]:
    """Validate *data* and return the plan (per_variant, duration_days) without saving."""
    return validate_design(data)


def _check_version(session: Session, experiment: Experiment, version: Any) -> None:
    if version is None:
        return
    if isinstance(version, bool) or not isinstance(version, int):
        raise DomainError(
            _("The form lost track of which version you edited. Reload the page."), field="version"
        )
    if version != experiment.version:
        raise StaleVersion(
            _(
                "Someone else changed this test design after you opened it. Nothing was saved; "
                "check their changes and try again."
            ),
            changes=audit.changes_since(
                session, entity=ENTITY, entity_id=experiment.id, version=version
            ),
            current_version=experiment.version,
        )


def _locked_message(experiment: Experiment, fields: list[str]) -> str:
    when = experiment.started_at.date().isoformat() if experiment.started_at else "?"
    return _(
        "Locked since %(date)s: the test started with this design (pre-registration), so "
        "%(fields)s can no longer change. Only the expected daily traffic may be updated.",
        date=when,
        fields=", ".join(f.replace("_", " ") for f in fields),
    )


def _replace_variants(
    session: Session, experiment: Experiment, variants: list[dict[str, Any]]
) -> None:
    for old in variants_of(session, experiment=experiment):
        session.delete(old)
    session.flush()
    for position, row in enumerate(variants):
        session.add(
            Variant(
                experiment_id=experiment.id, position=position, name=row["name"], split=row["split"]
            )
        )


@use_case
def save_design(
    session: Session,
    *,
    team: Team,
    actor: User | None,
    hypothesis_id: int,
    data: dict[str, Any],
    version: int | None = None,
) -> Experiment:
    """Create or update the test design of an approved hypothesis and compute its plan.

    *data* holds metric_name, metric_kind, baseline, baseline_sd (continuous), mde,
    mde_relative, alpha, power, daily_visitors and variants ([{name, split}], control first).
    Once the test has started, only daily_visitors may change (Conflict "locked since …").
    :raises ValidationFailed: a value is wrong (errors by field, variant rows as
        ``variant_name_<i>``/``variant_split_<i>``).
    """
    hypothesis = get_hypothesis(session, team=team, hypothesis_id=hypothesis_id)
    experiment = find_experiment(session, team=team, hypothesis_id=hypothesis_id)
    if experiment is None or experiment.status == ExperimentStatus.DESIGN:
        if hypothesis.status != Status.APPROVED:
            raise Conflict(
                _(
                    "Only an approved hypothesis can get a test design; this one is %(status)s. "
                    "A lead approves it first.",
                    status=status_text(hypothesis.status),
                ),
                field="status",
            )
    elif experiment.status not in (ExperimentStatus.RUNNING, ExperimentStatus.FINISHED):
        raise Conflict(
            _(
                "This test is %(status)s; its design is part of the record and cannot change.",
                status=status_text(experiment.status),
            ),
            field="status",
        )
    require_role(session, "design", team=team, actor=actor)
    values = validate_design(data)
    if experiment is None:
        experiment = Experiment(
            team_id=team.id, hypothesis_id=hypothesis.id, **{k: values[k] for k in DESIGN_FIELDS}
        )
        session.add(experiment)
        session.flush()
        _replace_variants(session, experiment, values["variants"])
        changes = {k: [None, values[k]] for k in DESIGN_FIELDS}
        changes["variants"] = [None, describe_variants(values["variants"])]
        changes |= apply_extras(session, experiment, values)
        record_experiment(
            session, experiment, actor=actor, action="experiment.design", changes=changes
        )
        return experiment
    _check_version(session, experiment, version)
    old = design_values(experiment, variants_of(session, experiment=experiment))
    if experiment.status != ExperimentStatus.DESIGN:
        changed = locked_changes(old, values)
        if changed:
            raise Conflict(_locked_message(experiment, changed), field=changed[0])
        values["per_variant"] = experiment.per_variant  # the pre-registered plan stays
        from stats import test_duration_days

        values["duration_days"] = test_duration_days(
            per_variant=experiment.per_variant,
            variants=len(old["variants"]),
            daily_visitors=values["daily_visitors"],
        )
    changes = audit.diff({k: old[k] for k in DESIGN_FIELDS}, {k: values[k] for k in DESIGN_FIELDS})
    if "variants" in locked_changes(old, values):  # only possible before the start
        changes["variants"] = [
            describe_variants(old["variants"]),
            describe_variants(values["variants"]),
        ]
        _replace_variants(session, experiment, values["variants"])
    changes |= apply_extras(session, experiment, values)
    if not changes:
        return experiment
    for name in DESIGN_FIELDS:
        setattr(experiment, name, values[name])
    record_experiment(session, experiment, actor=actor, action="experiment.design", changes=changes)
    return experiment


def limit_message(limit: int, titles: list[str]) -> str:
    """Explain that the team runs as many tests as its limit allows, naming them."""
    names = ", ".join(f"“{t}”" for t in titles)
    text = ngettext(
        "The team already runs %(num)d test (the limit): %(names)s.",
        "The team already runs %(num)d tests (the limit): %(names)s.",
        len(titles),
        names=names,
    )
    if limit < 3:
        return text + " " + _("Stop or finish one, or raise the limit in team settings.")
    return text + " " + _("Stop or finish one first.")


@use_case
def start(session: Session, *, team: Team, actor: User | None, hypothesis_id: int) -> Experiment:
    """Start the test of an approved hypothesis with a complete design; lock its design.

    :raises LimitReached: the team already runs as many tests as its limit (1–3); the message
        names the running tests. Holds under concurrent requests (see the module docstring).
    """
    locked_team = lock_team(session, team)
    hypothesis = get_hypothesis(session, team=team, hypothesis_id=hypothesis_id)
    experiment = find_experiment(session, team=team, hypothesis_id=hypothesis_id)
    if experiment is None:
        raise Conflict(
            _("Design the test first: metric, baseline, effect, variants and traffic."),
            field="status",
        )
    if experiment.status == ExperimentStatus.RUNNING:
        raise Conflict(_("This test is already running."), field="status")
    require_status(experiment, "start")
    if hypothesis.status != Status.APPROVED:
        raise Conflict(
            _(
                "Only an approved hypothesis can start; this one is %(status)s.",
                status=status_text(hypothesis.status),
            ),
            field="status",
        )
    require_role(session, "start", team=team, actor=actor)
    variants = variants_of(session, experiment=experiment)
    if experiment.per_variant is None or experiment.duration_days is None or len(variants) < 2:
        raise Conflict(
            _("The design is incomplete; save it with all fields first."), field="status"
        )
    limit = locked_team.active_test_limit
    running = session.exec(
        select(Experiment.slot, Hypothesis.title)
        .join(Hypothesis, col(Hypothesis.id) == col(Experiment.hypothesis_id))
        .where(Experiment.team_id == team.id, Experiment.status == ExperimentStatus.RUNNING)
        .order_by(col(Experiment.slot), col(Experiment.id))
    ).all()
    free = sorted(set(range(1, limit + 1)) - {slot for slot, _t in running})
    if len(running) >= limit or not free:
        raise LimitReached(limit_message(limit, [title for _s, title in running]))
    experiment.slot = free[0]
    experiment.status = ExperimentStatus.RUNNING
    experiment.started_at = utcnow()
    try:
        record_experiment(
            session,
            experiment,
            actor=actor,
            action="experiment.start",
            changes={
                "status": [ExperimentStatus.DESIGN, ExperimentStatus.RUNNING],
                "slot": [None, free[0]],
                "started_at": [None, experiment.started_at],
            },
            note="design locked (pre-registered)",
        )
    except IntegrityError:
        # The slot index caught a double booking the lock should have prevented.
        session.rollback()
        raise LimitReached(limit_message(limit, [title for _s, title in running])) from None
    move_hypothesis(
        session, hypothesis, Status.RUNNING.value, actor=actor, action="hypothesis.start"
    )
    tell.experiment(session, NotificationEvent.TEST_STARTED, experiment, actor=actor)
    return experiment


# Ending a test, results and CSV uploads (imported last: they build on the helpers above).
