"""Shared pieces of the experiment use cases: statuses, the transaction wrapper, reading.

Reading functions never change state. The use cases live in ``lifecycle`` (design, start),
``ending`` (stop, decide), ``results`` (results, finish), ``results_upload`` (CSV) and
``reruns`` (re-running a stored analysis); ``analyses`` runs and stores the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, func, select

from hypotheses.domain.core import audit, transaction
from hypotheses.domain.core.errors import Conflict, NotFound
from hypotheses.domain.core.roles import require_permission
from hypotheses.domain.experiments import progress
from hypotheses.enums import ExperimentStatus, Status
from hypotheses.models import (
    Analysis,
    Experiment,
    Hypothesis,
    ResultSet,
    Team,
    User,
    Variant,
    utcnow,
)
from hypotheses.permissions import role_can

# Experiment statuses are hypotheses.enums.ExperimentStatus; Hypothesis.status mirrors them
# (approved → running → finished → decided, or → stopped).
ENTITY = "experiment"

_DESIGN, _RUNNING = ExperimentStatus.DESIGN, ExperimentStatus.RUNNING
_FINISHED, _STOPPED = ExperimentStatus.FINISHED, ExperimentStatus.STOPPED
_DECIDED = ExperimentStatus.DECIDED
# action -> (the statuses of the test it may start from, the permission it needs). "design" is
# the first design of an approved hypothesis (no test yet); "finish" and "rerun_analysis"
# (a stored analysis re-run with the current engine) also need results.
ALLOWED_FROM: dict[str, tuple[frozenset[str], str]] = {
    "design": (frozenset(), "experiment.design"),
    "edit_design": (frozenset({_DESIGN}), "experiment.design"),
    "update_traffic": (frozenset({_RUNNING}), "experiment.design"),
    "start": (frozenset({_DESIGN}), "experiment.start"),
    "enter_results": (frozenset({_RUNNING, _FINISHED}), "experiment.results"),
    "finish": (frozenset({_RUNNING}), "experiment.finish"),
    "stop": (frozenset({_RUNNING}), "experiment.stop"),
    "decide": (frozenset({_FINISHED, _STOPPED}), "experiment.decide"),
    "correct": (frozenset({_DECIDED}), "experiment.decide"),  # a lead corrects a decision
    "rerun_analysis": (
        frozenset({_RUNNING, _FINISHED, _STOPPED, _DECIDED}),
        "experiment.results",
    ),
}


def allowed_actions(
    experiment: Experiment | None,
    role: str | None = None,
    *,
    hypothesis: Hypothesis | None = None,
    has_results: bool = False,
) -> set[str]:
    """Return the actions a user with *role* may take on *experiment* in its current status.

    With no *role*, only the status decides (as ``backlog.lifecycle.allowed_actions``). With no
    experiment yet, the approved *hypothesis* allows its first "design" (and a design is edited
    only while its *hypothesis*, when given, is approved). "finish" needs
    *has_results* (the latest results become the final ones). The use cases enforce the same
    statuses, and the permissions (``require_role``) as the routes do first.
    """
    if experiment is None:
        ready = hypothesis is not None and hypothesis.status == Status.APPROVED
        actions = {"design"} if ready else set()
    else:
        actions = {
            action
            for action, (statuses, _permission) in ALLOWED_FROM.items()
            if experiment.status in statuses
        }
        if not has_results:
            actions.discard("finish")
            actions.discard("rerun_analysis")
        if hypothesis is not None and hypothesis.status != Status.APPROVED:
            actions.discard("edit_design")  # the design is saved only for an approved one
    if role is not None:
        actions = {a for a in actions if role_can(role, ALLOWED_FROM[a][1])}
    return actions


# action -> the refusal when the test's status does not allow it (%(status)s: status_text).
REFUSALS = {
    "start": _l("This test is %(status)s and cannot start again."),
    "enter_results": _l(
        "Results can be entered only while the test runs (or to correct a finished "
        "test); this one is %(status)s."
    ),
    "finish": _l("Only a running test can be finished; this one is %(status)s."),
    "stop": _l("Only a running test can be stopped; this one is %(status)s."),
    "decide": _l("Only a finished or stopped test can be decided; this one is %(status)s."),
    "correct": _l("Only a decided test can have its decision corrected; this one is %(status)s."),
}


def require_status(experiment: Experiment, action: str) -> None:
    """Refuse (Conflict on "status", REFUSALS[action]) *action* unless the experiment's status
    allows it (ALLOWED_FROM)."""
    if experiment.status not in ALLOWED_FROM[action][0]:
        status = status_text(experiment.status)
        raise Conflict(str(REFUSALS[action]) % {"status": status}, field="status")


def require_role(session: Session, action: str, *, team: Team, actor: User | None) -> None:
    """Refuse (Forbidden) *action* unless *actor*'s role in *team* holds its permission
    (ALLOWED_FROM: only a lead starts, stops and decides); no actor (None) holds none."""
    require_permission(session, ALLOWED_FROM[action][1], team=team, actor=actor)


def status_text(status: str) -> str:
    """Return a status as words for messages ("designed", "running", "decided")."""
    if status == ExperimentStatus.DESIGN:
        return _("designed (not started)")
    return str(Status.label_of(status)).lower()


def _lost_race(_session: Session, _kwargs: dict[str, Any]) -> Conflict:
    return Conflict(
        _(
            "Someone else changed this test at the same moment. Nothing was "
            "saved; reload the page and try again."
        )
    )


# Commit once on success; roll back on any refusal; a lost race becomes a Conflict.
use_case = transaction.use_case(_lost_race)


def fresh(query):
    """Make an ORM select re-read rows already in the session (state may have changed)."""
    return query.execution_options(populate_existing=True)


def get_experiment(
    session: Session,
    *,
    team: Team,
    experiment_id: int | None = None,
    hypothesis_id: int | None = None,
) -> Experiment:
    """Return the team's experiment by its id or its hypothesis; NotFound otherwise."""
    query = select(Experiment).where(Experiment.team_id == team.id)
    if experiment_id is not None:
        query = query.where(Experiment.id == experiment_id)
    elif hypothesis_id is not None:
        query = query.where(Experiment.hypothesis_id == hypothesis_id)
    else:
        raise NotFound(_("There is no such test in this team."))
    experiment = session.exec(fresh(query)).first()
    if experiment is None:
        raise NotFound(_("There is no such test in this team."))
    return experiment


def find_experiment(session: Session, *, team: Team, hypothesis_id: int) -> Experiment | None:
    """Return the hypothesis's experiment, or None when no test was designed yet."""
    return session.exec(
        fresh(
            select(Experiment).where(
                Experiment.team_id == team.id, Experiment.hypothesis_id == hypothesis_id
            )
        )
    ).first()


def get_hypothesis(session: Session, *, team: Team, hypothesis_id: int) -> Hypothesis:
    """Return the team's hypothesis (re-read); NotFound for a missing id or another team's."""
    hypothesis = session.exec(
        fresh(
            select(Hypothesis).where(Hypothesis.id == hypothesis_id, Hypothesis.team_id == team.id)
        )
    ).first()
    if hypothesis is None:
        raise NotFound(_("There is no such hypothesis in this team."))
    return hypothesis


def variants_of(session: Session, *, experiment: Experiment) -> list[Variant]:
    """Return the experiment's variants, control first."""
    return list(
        session.exec(
            select(Variant)
            .where(Variant.experiment_id == experiment.id)
            .order_by(col(Variant.position))
        ).all()
    )


# Result sets newest first (the latest results first).
NEWEST_RESULTS = (col(ResultSet.created_at).desc(), col(ResultSet.id).desc())


def result_sets(
    session: Session, *, experiment: Experiment
) -> list[tuple[ResultSet, Analysis | None]]:
    """Return every entered result set with its analysis, newest first (the looks)."""
    rows = session.exec(
        select(ResultSet, Analysis)
        .join(Analysis, col(Analysis.result_set_id) == col(ResultSet.id), isouter=True)
        .where(ResultSet.experiment_id == experiment.id)
        .order_by(*NEWEST_RESULTS, col(Analysis.id).desc())
    ).all()
    seen: set[int] = set()
    out = []
    for result_set, analysis in rows:  # keep the newest analysis of each result set
        if result_set.id not in seen:
            seen.add(result_set.id)
            out.append((result_set, analysis))
    return out


def latest_analysis(session: Session, *, experiment: Experiment) -> Analysis | None:
    """Return the newest analysis of the experiment's latest results, or None before any
    results (an older look re-run with a newer engine does not become the latest)."""
    return session.exec(
        select(Analysis)
        .join(ResultSet, col(ResultSet.id) == col(Analysis.result_set_id))
        .where(Analysis.experiment_id == experiment.id)
        .order_by(*NEWEST_RESULTS, col(Analysis.id).desc())
    ).first()


def analysis_output(analysis: Analysis | None) -> dict[str, Any] | None:
    """Return the stored engine output of *analysis* as a dict (None when there is none)."""
    return analysis.output if analysis is not None else None


def sample_total(rows: Any) -> int | None:
    """Sum the units (visitors or n) over a result set's per-variant rows; None when there are
    none or a row is malformed."""
    if isinstance(rows, dict):
        rows = rows.get("variants", [])
    if not isinstance(rows, list) or not rows:
        return None
    total = 0
    for row in rows:
        value = row.get("visitors", row.get("n")) if isinstance(row, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if not math.isfinite(value):
            return None
        total += int(value)
    return total


def result_data(result_set: ResultSet) -> list[dict[str, Any]]:
    """Return the per-variant numbers stored in *result_set*."""
    return result_set.data


@dataclass(frozen=True)
class TestRow:
    """One experiment with its hypothesis and progress, for lists and the dashboard."""

    experiment: Experiment
    hypothesis: Hypothesis
    collected: int | None  # smallest per-variant sample of the latest results
    planned: int | None  # planned sample per variant
    days_left: int | None  # at the planned daily traffic, from the start date

    @property
    def progress(self) -> float | None:
        """Share of the planned sample collected (0–1), from the latest results."""
        fraction = progress.share(self.collected, self.planned)
        return None if fraction is None else min(1.0, fraction)


def smallest_arms(session: Session, experiment_ids: list[int]) -> dict[int, int]:
    """Return {experiment id: smallest per-variant sample of its latest results}, in one
    statement for all the experiments (those without usable results are left out)."""
    if not experiment_ids:
        return {}
    newest_first = func.row_number().over(
        partition_by=col(ResultSet.experiment_id),
        order_by=NEWEST_RESULTS,
    )
    ranked = (
        select(ResultSet.experiment_id, ResultSet.data, newest_first.label("rank"))
        .where(col(ResultSet.experiment_id).in_(experiment_ids))
        .subquery()
    )
    out = {}
    for experiment_id, data in session.exec(
        select(ranked.c.experiment_id, ranked.c.data).where(ranked.c.rank == 1)
    ).all():
        sizes = [row.get("visitors", row.get("n")) for row in data or []]
        sizes = [s for s in sizes if isinstance(s, int)]
        if sizes:
            out[experiment_id] = min(sizes)
    return out


def list_experiments(
    session: Session,
    *,
    team: Team,
    status: str | tuple[str, ...] | None = None,
    limit: int | None = None,
) -> list[TestRow]:
    """Return the team's experiments (optionally of some statuses), newest activity first."""
    query = (
        select(Experiment, Hypothesis)
        .join(Hypothesis, col(Hypothesis.id) == col(Experiment.hypothesis_id))
        .where(Experiment.team_id == team.id)
        .order_by(col(Experiment.updated_at).desc(), col(Experiment.id).desc())
    )
    if isinstance(status, str):
        query = query.where(Experiment.status == status)
    elif status:
        query = query.where(col(Experiment.status).in_(status))
    if limit:
        query = query.limit(limit)
    now = utcnow()
    rows = session.exec(query).all()
    collected = smallest_arms(session, [e.id for e, _h in rows])
    return [
        TestRow(
            experiment=e,
            hypothesis=h,
            collected=collected.get(e.id),
            planned=e.per_variant,
            days_left=progress.days_left(e, now.date()),
        )
        for e, h in rows
    ]


def running_tests(session: Session, *, team: Team) -> list[TestRow]:
    """Return the team's running tests, in slot order (what counts against the limit)."""
    rows = list_experiments(session, team=team, status=ExperimentStatus.RUNNING)
    return sorted(rows, key=lambda r: (r.experiment.slot or 99, r.experiment.id))


def record_experiment(
    session: Session, experiment: Experiment, *, action: str, **entry: Any
) -> None:
    """Flush *experiment* (bumping its version) and audit *action*; *entry* is the rest of the
    audit entry: ``actor``, ``changes`` and an optional ``note``."""
    _save(session, ENTITY, experiment, action, **entry)


def move_hypothesis(
    session: Session,
    hypothesis: Hypothesis,
    status: str,
    *,
    actor: User | None,
    action: str,
    note: str | None = None,
) -> None:
    """Mirror the experiment's state on its hypothesis, in the same transaction, audited."""
    if hypothesis.status == status:
        return
    changes = {"status": [hypothesis.status, status]}
    hypothesis.status = status
    _save(session, "hypothesis", hypothesis, action, actor=actor, changes=changes, note=note)


def _save(session: Session, entity: str, row: Any, action: str, **entry: Any) -> None:
    """Stamp *row* updated, flush it (bumping its version) and audit *action* on it; *entry* is
    the rest of the audit entry (``actor``, ``changes``, ``note``; see ``audit.log``)."""
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    audit.log(session, entity, row, action, version=row.version, **entry)


def approved_without_design(session: Session, *, team: Team) -> list[Hypothesis]:
    """Return the team's approved hypotheses that have no test design yet, oldest approval first."""
    designed = select(Experiment.hypothesis_id).where(Experiment.team_id == team.id)
    approved = select(Hypothesis).filter_by(team_id=team.id, status=Status.APPROVED)
    query = approved.where(col(Hypothesis.id).not_in(designed))
    return list(session.exec(query.order_by(col(Hypothesis.approved_at), col(Hypothesis.id))))


def lock_team(session: Session, team: Team) -> Team:
    """Lock the team row (PostgreSQL) and re-read its settings; SQLite holds BEGIN IMMEDIATE."""
    return session.exec(fresh(select(Team).where(Team.id == team.id).with_for_update())).one()
