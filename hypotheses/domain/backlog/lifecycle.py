"""The backlog's use cases: create, edit, score, approve, reject, archive, promote, restore.

Every use case that changes state validates first, writes one audit entry and commits once at
the end (``backlog.versions``: the commit, the version check, the audited write). On any
refusal it rolls the session back (nothing half-saved) and raises a DomainError.
Reading (list, health) lives in ``backlog.queries``, its SQL in ``backlog.statements`` and
pure rules in ``backlog.rules``.

Lifecycle decisions made here (DESIGN.md §3):
* The backlog (what the bounds count) is ``backlog`` + ``approved``; ``idea`` is the inbox.
* A lead approves from ``backlog``, or straight from ``idea`` when the backlog has room.
* Editing the substance of an approved hypothesis sends it back to ``backlog`` (RELIABILITY C4).
* Restoring a rejected or archived hypothesis is possible only while it has no test; a
  tested one gets a follow-up hypothesis instead.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, select

from hypotheses.domain.backlog import rules as backlog_rules
from hypotheses.domain.backlog.queries import (
    backlog_size,
    check_owner,
    full_message,
    get_hypothesis,
    has_room,
)
from hypotheses.domain.backlog.rules import (
    ALLOWED_FROM,
    REFUSALS,
    SUBSTANTIVE,
    clean_fields,
    clean_reason,
    clean_scores,
)
from hypotheses.domain.backlog.versions import (
    check_version,
    move,
    record,
    use_case,
)
from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    LimitReached,
)
from hypotheses.domain.core.roles import role_of
from hypotheses.domain.notifications import tell
from hypotheses.enums import NotificationEvent, Status
from hypotheses.models import Experiment, Hypothesis, Team, User, utcnow


def allowed_actions(hypothesis: Hypothesis) -> set[str]:
    """Return the buttons the hypothesis's status allows (permissions are the caller's part)."""
    return backlog_rules.allowed_actions(hypothesis.status)


def author_blocked(hypothesis: Hypothesis, *, team: Team, actor: User | None) -> bool:
    """Tell whether *actor* wrote *hypothesis* in a team that does not allow self-approval."""
    return (
        actor is not None and hypothesis.created_by_id == actor.id and not team.allow_self_approval
    )


def actions_for(hypothesis: Hypothesis, *, team: Team, actor: User | None, role: str | None):
    """Return the actions *actor* (holding *role* in *team*) may take on *hypothesis* now.

    The same rules the use cases enforce: status, role, restoring a rejected hypothesis (a
    lead), approving one's own (only when the team allows it).
    """
    blocked = author_blocked(hypothesis, team=team, actor=actor)
    return backlog_rules.permitted_actions(hypothesis.status, role, author_blocked=blocked)


def _require_permission(
    session: Session, hypothesis: Hypothesis, action: str, *, team: Team, actor: User | None
) -> None:
    """Refuse (Forbidden) what *actor*'s role or authorship does not allow on *hypothesis*."""
    refusal = backlog_rules.may_take(
        action,
        hypothesis.status,
        role_of(session, team=team, user=actor),
        author_blocked=author_blocked(hypothesis, team=team, actor=actor),
    )
    if refusal is not None:
        raise Forbidden(refusal)


def _require(hypothesis: Hypothesis, action: str) -> None:
    """Refuse *action* (Conflict, saying why) when the hypothesis's status does not allow it."""
    if hypothesis.status not in ALLOWED_FROM[action]:
        status = str(Status.label_of(hypothesis.status)).lower()
        raise Conflict(str(REFUSALS[action]) % {"status": status}, field="status")


def _open(
    session: Session,
    team: Team,
    hypothesis_id: int,
    version: int | None,
    action: str,
    actor: User | None,
) -> Hypothesis:
    """Return the hypothesis *action* is taken on; refuse a stale *version*, a status that does
    not allow the action and an *actor* who may not take it."""
    hypothesis = get_hypothesis(session, team=team, hypothesis_id=hypothesis_id)
    check_version(session, team, hypothesis, version)
    _require(hypothesis, action)
    _require_permission(session, hypothesis, action, team=team, actor=actor)
    return hypothesis


_NO_APPROVAL = {"approved_by_id": None, "approved_at": None, "approved_version": None}


# ---------------------------------------------------------------- changing


@use_case
def create_hypothesis(
    session: Session, *, team: Team, actor: User | None, data: dict[str, Any]
) -> tuple[Hypothesis, bool]:
    """Add a hypothesis; it enters the backlog when there is room, else it waits as an idea.

    Returns the hypothesis and whether it entered the backlog. *data* may hold ``parent_id``
    (a follow-up of another hypothesis of the team); the owner defaults to the author.
    """
    values = clean_fields(data, rice=team.rice_enabled, partial=False)
    if "owner_id" not in data and actor is not None:
        values["owner_id"] = actor.id
    check_owner(session, team, values.get("owner_id"))
    parent_id = data.get("parent_id")
    if parent_id is not None:
        if isinstance(parent_id, bool) or not isinstance(parent_id, int):
            raise DomainError(_("Not a valid hypothesis."), field="parent_id")
        get_hypothesis(session, team=team, hypothesis_id=parent_id)
    room = has_room(session, team)
    hypothesis = Hypothesis(
        team_id=team.id,
        **values,
        parent_id=parent_id,
        status=Status.BACKLOG.value if room else Status.IDEA.value,
        created_by_id=actor.id if actor else None,
    )
    session.add(hypothesis)
    changes = {k: [None, v] for k, v in values.items() if v not in (None, "")}
    changes["status"] = [None, hypothesis.status]
    record(session, hypothesis, actor=actor, action="hypothesis.create", changes=changes)
    if room:
        tell.hypothesis(session, NotificationEvent.APPROVAL_REQUESTED, hypothesis, actor=actor)
    return hypothesis, room


@use_case
def update_hypothesis(
    session: Session,
    *,
    hypothesis_id: int,
    team: Team,
    actor: User | None,
    data: dict[str, Any],
    version: int,
) -> tuple[Hypothesis, bool]:
    """Save an edit made on *version*; refuse a stale one. Returns (hypothesis, approval_reset).

    Only the keys present in *data* change. Editing the substance of an approved hypothesis
    sends it back to the backlog and clears the approval.
    """
    hypothesis = get_hypothesis(session, team=team, hypothesis_id=hypothesis_id)
    check_version(session, team, hypothesis, version, required=True)
    _require(hypothesis, "edit")
    values = clean_fields(data, rice=team.rice_enabled, partial=True)
    check_owner(session, team, values.get("owner_id"))
    changes = audit.diff({k: getattr(hypothesis, k) for k in values}, values)
    if not changes:
        return hypothesis, False
    reset = hypothesis.status == Status.APPROVED and bool(SUBSTANTIVE & changes.keys())
    for name, value in values.items():
        setattr(hypothesis, name, value)
    if reset:
        for name, value in _NO_APPROVAL.items():
            changes[name] = [getattr(hypothesis, name), value]
            setattr(hypothesis, name, value)
        changes["status"] = [hypothesis.status, Status.BACKLOG.value]
        hypothesis.status = Status.BACKLOG.value
    record(session, hypothesis, actor=actor, action="hypothesis.edit", changes=changes)
    return hypothesis, reset


@use_case
def set_scores(
    session: Session,
    *,
    hypothesis_id: int,
    team: Team,
    actor: User | None,
    impact: Any,
    confidence: Any,
    ease: Any,
    version: int,
) -> Hypothesis:
    """Save new ICE scores (each 1–10) made on *version*; refuse a stale one."""
    hypothesis = get_hypothesis(session, team=team, hypothesis_id=hypothesis_id)
    check_version(session, team, hypothesis, version, required=True)
    _require(hypothesis, "edit")
    values = clean_scores({"impact": impact, "confidence": confidence, "ease": ease})
    changes = audit.diff({k: getattr(hypothesis, k) for k in values}, values)
    if changes:
        for name, value in values.items():
            setattr(hypothesis, name, value)
        record(session, hypothesis, actor=actor, action="hypothesis.score", changes=changes)
    return hypothesis


@use_case
def approve(
    session: Session, *, hypothesis_id: int, team: Team, actor: User, version: int | None = None
) -> Hypothesis:
    """Approve a hypothesis for testing (from backlog, or from idea when the backlog has room).

    The author cannot approve their own unless the team allows it. Approving an approved
    hypothesis again changes nothing (idempotent).
    """
    hypothesis = get_hypothesis(session, team=team, hypothesis_id=hypothesis_id)
    check_version(session, team, hypothesis, version)
    if hypothesis.status == Status.APPROVED:
        return hypothesis
    _require(hypothesis, "approve")
    # A lead, and not the author unless the team allows self-approval.
    _require_permission(session, hypothesis, "approve", team=team, actor=actor)
    if hypothesis.status == Status.IDEA and not has_room(session, team):
        raise LimitReached(full_message(team, backlog_size(session, team=team)))
    # approved_version: the version of the content the lead approved (before this change).
    move(
        session,
        hypothesis,
        Status.APPROVED.value,
        actor=actor,
        action="hypothesis.approve",
        approved_by_id=actor.id,
        approved_at=utcnow(),
        approved_version=hypothesis.version,
    )
    tell.hypothesis(session, NotificationEvent.HYPOTHESIS_APPROVED, hypothesis, actor=actor)
    return hypothesis


@use_case
def reject(
    session: Session,
    *,
    hypothesis_id: int,
    team: Team,
    actor: User,
    reason: Any,
    version: int | None = None,
) -> Hypothesis:
    """Reject an idea, backlog or approved hypothesis; a reason is required."""
    hypothesis = get_hypothesis(session, team=team, hypothesis_id=hypothesis_id)
    check_version(session, team, hypothesis, version)
    text = clean_reason(reason)
    _require(hypothesis, "reject")
    _require_permission(session, hypothesis, "reject", team=team, actor=actor)
    move(
        session,
        hypothesis,
        Status.REJECTED.value,
        actor=actor,
        action="hypothesis.reject",
        reject_reason=text,
        **_NO_APPROVAL,
    )
    tell.hypothesis(session, NotificationEvent.HYPOTHESIS_REJECTED, hypothesis, actor=actor)
    return hypothesis


@use_case
def archive(
    session: Session, *, hypothesis_id: int, team: Team, actor: User, version: int | None = None
) -> Hypothesis:
    """Archive a hypothesis that is not being tested."""
    hypothesis = _open(session, team, hypothesis_id, version, "archive", actor)
    move(session, hypothesis, Status.ARCHIVED.value, actor=actor, action="hypothesis.archive")
    return hypothesis


@use_case
def promote(
    session: Session, *, hypothesis_id: int, team: Team, actor: User, version: int | None = None
) -> Hypothesis:
    """Move an idea into the backlog; LimitReached (with what to do) when the backlog is full."""
    hypothesis = _open(session, team, hypothesis_id, version, "promote", actor)
    if not has_room(session, team):
        raise LimitReached(full_message(team, backlog_size(session, team=team)))
    move(session, hypothesis, Status.BACKLOG.value, actor=actor, action="hypothesis.promote")
    tell.hypothesis(session, NotificationEvent.APPROVAL_REQUESTED, hypothesis, actor=actor)
    return hypothesis


@use_case
def restore(
    session: Session, *, hypothesis_id: int, team: Team, actor: User, version: int | None = None
) -> tuple[Hypothesis, bool]:
    """Bring back a rejected or archived, untested hypothesis: to the backlog, or as an idea."""
    # A marketer may restore an archived one; only a lead may undo a lead's rejection.
    hypothesis = _open(session, team, hypothesis_id, version, "restore", actor)
    tested = session.exec(
        select(Experiment.id).where(Experiment.hypothesis_id == hypothesis.id)
    ).first()
    if tested is not None:
        raise Conflict(
            _("This hypothesis already has a test. Create a follow-up hypothesis instead."),
            field="status",
        )
    room = has_room(session, team)
    move(
        session,
        hypothesis,
        Status.BACKLOG.value if room else Status.IDEA.value,
        actor=actor,
        action="hypothesis.restore",
        reject_reason=None,
        **_NO_APPROVAL,
    )
    return hypothesis, room
