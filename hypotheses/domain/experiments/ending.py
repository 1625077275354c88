"""Ending a test: stop (abort, with a reason) and the lead's decision (ship, iterate, kill).

Same conventions as ``experiments``: validate first, keep Experiment.status and
Hypothesis.status in step with audit entries on both, commit once; any refusal rolls back.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session

from hypotheses.domain.core.errors import DomainError, ValidationFailed
from hypotheses.domain.experiments import deciding
from hypotheses.domain.experiments.common import (
    get_experiment,
    get_hypothesis,
    latest_analysis,
    lock_team,
    move_hypothesis,
    record_experiment,
    require_role,
    require_status,
    use_case,
)
from hypotheses.domain.experiments.finishing import clean_text
from hypotheses.domain.notifications import tell
from hypotheses.enums import Decision, ExperimentStatus, NotificationEvent, Outcome, Status
from hypotheses.models import Experiment, Hypothesis, Team, User, utcnow

MAX_REASON, MAX_LEARNING, MAX_TITLE = 1000, 200, 200


@use_case
def stop(
    session: Session, *, team: Team, actor: User | None, hypothesis_id: int, reason: Any
) -> Experiment:
    """Abort a running test with a reason; its slot is freed and the hypothesis is stopped."""
    text = clean_text(
        reason, field="reason", limit=MAX_REASON, required_message=_("Say why the test is stopped.")
    )
    lock_team(session, team)
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    require_status(experiment, "stop")
    require_role(session, "stop", team=team, actor=actor)
    stopped = ExperimentStatus.STOPPED
    changes = {
        "status": [ExperimentStatus.RUNNING, stopped],
        "slot": [experiment.slot, None],
        "stop_reason": [None, text],
    }
    experiment.status, experiment.slot, experiment.stop_reason = stopped, None, text
    experiment.ended_at = utcnow()
    record_experiment(
        session, experiment, actor=actor, action="experiment.stop", changes=changes, note=text
    )
    hypothesis = get_hypothesis(session, team=team, hypothesis_id=hypothesis_id)
    move_hypothesis(
        session, hypothesis, Status.STOPPED.value, actor=actor, action="hypothesis.stop", note=text
    )
    return experiment


def _choice(raw: Any, allowed: type, field: str, message: str) -> str:
    if raw not in {e.value for e in allowed}:
        raise DomainError(message, field=field)
    return str(raw)


def _clean_decision(decision: Any, outcome: Any) -> tuple[str, str]:
    """Return the *decision* and *outcome* checked (DomainError on its field otherwise)."""
    return (
        _choice(decision, Decision, "decision", _("Choose ship, iterate or kill.")),
        _choice(outcome, Outcome, "outcome", _("Choose won, lost or inconclusive.")),
    )


@use_case
def decide(
    session: Session,
    *,
    team: Team,
    actor: User | None,
    hypothesis_id: int,
    decision: Any,
    outcome: Any,
    learning: Any,
    follow_up_title: Any = None,
    reason: Any = None,
) -> tuple[Experiment, Hypothesis | None]:
    """Record the lead's decision on a finished (or stopped) test; return it and any follow-up.

    *decision* is ship, iterate or kill; *outcome* won, lost or inconclusive; *learning* one line
    (≤ 200 characters). A *follow_up_title* creates a new hypothesis linked to this one (it
    enters the backlog when there is room, else the inbox). A decision that goes against the
    analysis (deciding.contradictions) needs a written *reason*, stored and shown with it.
    """
    decision, outcome = _clean_decision(decision, outcome)
    learning = clean_text(
        learning,
        field="learning",
        limit=MAX_LEARNING,
        one_line=True,
        required_message=_("Write the one-line learning."),
    )
    follow = None
    if isinstance(follow_up_title, str) and follow_up_title.strip():
        follow = clean_text(
            follow_up_title,
            field="follow_up_title",
            limit=MAX_TITLE,
            one_line=True,
            required_message="",
        )
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    require_status(experiment, "decide")
    require_role(session, "decide", team=team, actor=actor)
    why = _against_analysis(session, experiment, decision, outcome, reason)
    hypothesis = get_hypothesis(session, team=team, hypothesis_id=hypothesis_id)
    now = utcnow()
    decided = ExperimentStatus.DECIDED
    changes = {
        "status": [experiment.status, decided],
        "decision": [None, decision],
        "outcome": [None, outcome],
        "learning": [None, learning],
    }
    if why:
        changes["decision_reason"] = [None, why]
    experiment.decision_reason = why
    experiment.status, experiment.decision, experiment.outcome = decided, decision, outcome
    experiment.learning, experiment.decided_at = learning, now
    experiment.decided_by_id = actor.id if actor else None
    record_experiment(
        session, experiment, actor=actor, action="experiment.decide", changes=changes, note=why
    )
    move_hypothesis(
        session,
        hypothesis,
        Status.DECIDED.value,
        actor=actor,
        action="hypothesis.decide",
        note=f"{decision} ({outcome}): {learning}",
    )
    tell.experiment(session, NotificationEvent.DECISION_RECORDED, experiment, actor=actor)
    child = (
        _follow_up(
            session, team=team, actor=actor, parent=hypothesis, title=follow, learning=learning
        )
        if follow
        else None
    )
    return experiment, child


def _against_analysis(
    session: Session, experiment: Experiment, decision: str, outcome: str, reason: Any
) -> str | None:
    """The written reason for a decision against the latest analysis (None when it agrees);
    refused (field "reason") when it contradicts the analysis and no reason is written."""
    analysis = latest_analysis(session, experiment=experiment)
    found = deciding.contradictions(analysis.output if analysis else None, decision, outcome)
    if not found:
        return None
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise DomainError(deciding.reason_needed_message(found), field="reason")
    return clean_text(
        text, field="reason", limit=MAX_REASON, required_message=_("Write the reason.")
    )


@use_case
def correct_decision(
    session: Session,
    *,
    team: Team,
    actor: User | None,
    hypothesis_id: int,
    reason: Any,
    decision: Any,
    outcome: Any,
    learning: Any = None,
) -> Experiment:
    """A lead corrects a recorded decision: the new decision and outcome (and learning, when
    given) replace the old ones with a written *reason*, audited; win rates and calibration
    follow the correction. The reason also stands for a corrected decision that goes against
    the analysis."""
    decision, outcome = _clean_decision(decision, outcome)
    text = clean_text(
        reason,
        field="reason",
        limit=MAX_REASON,
        required_message=_("Say why the decision is corrected."),
    )
    new_learning = None
    if isinstance(learning, str) and learning.strip():
        new_learning = clean_text(
            learning, field="learning", limit=MAX_LEARNING, one_line=True, required_message=""
        )
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    require_status(experiment, "correct")
    require_role(session, "decide", team=team, actor=actor)
    analysis = latest_analysis(session, experiment=experiment)
    against = deciding.contradictions(analysis.output if analysis else None, decision, outcome)
    new = {
        "decision": decision,
        "outcome": outcome,
        "learning": new_learning or experiment.learning,
        "decision_reason": text if against else None,
        "correction_reason": text,
    }
    changes = {
        key: [getattr(experiment, key), value]
        for key, value in new.items()
        if getattr(experiment, key) != value
    }
    if set(changes) <= {"correction_reason", "decision_reason"}:
        raise DomainError(
            _("Change the decision, the outcome or the learning to correct it."),
            field="decision",
        )
    for key, value in new.items():
        setattr(experiment, key, value)
    experiment.corrected_at = utcnow()
    record_experiment(
        session, experiment, actor=actor, action="experiment.correct", changes=changes, note=text
    )
    return experiment


def _follow_up(
    session: Session,
    *,
    team: Team,
    actor: User | None,
    parent: Hypothesis,
    title: str,
    learning: str,
) -> Hypothesis:
    """Create the follow-up hypothesis through the backlog's own use case (same rules, audit)."""
    from hypotheses.domain.backlog import lifecycle as backlog

    data = {
        "title": title,
        "change": "",
        "audience": parent.audience,
        "rationale": _(
            "Follow-up of “%(title)s”: %(learning)s", title=parent.title, learning=learning
        ),
        "stage": parent.stage,
        "lever": parent.lever,
        "subject": parent.subject,
        "channel": parent.channel,
        "tags": parent.tags,
        "parent_id": parent.id,
    }
    try:
        child, _room = backlog.create_hypothesis(session, team=team, actor=actor, data=data)
    except ValidationFailed as error:
        messages = [m for msgs in error.fields.values() for m in msgs]
        raise DomainError(" ".join(messages) or error.message, field="follow_up_title") from None
    return child
