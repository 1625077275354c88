"""The schedule the worker runs each minute: reminders and digests, each made exactly once.

Every reminder has a key (what, which record, which day); the key is stored in ScheduleMark in
the same transaction as the reminder's outbox rows. Two workers may race: the second one's
commit fails on the key and rolls back, so nobody is told twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hypotheses.domain.core.weeks import iso_week_of
from hypotheses.domain.experiments.common import latest_analysis, smallest_arms
from hypotheses.domain.notifications import outbox
from hypotheses.domain.notifications.events import notify
from hypotheses.domain.notifications.messages import Message
from hypotheses.domain.notifications.render import absolute, language_of, render_message
from hypotheses.enums import ExperimentStatus, ItemStatus, NotificationEvent, ReviewStatus, Role
from hypotheses.models import (
    DigestItem,
    Experiment,
    Hypothesis,
    Membership,
    Review,
    ReviewDecision,
    ScheduleMark,
    Team,
    User,
)

E = NotificationEvent


def _once(engine: Engine, key: str, make: Callable[[Session], Any]) -> bool:
    """Run *make* and store *key* in one transaction, unless *key* is already stored."""
    with Session(engine, expire_on_commit=False) as session:
        if session.get(ScheduleMark, key) is not None:
            return False
        try:
            session.add(ScheduleMark(key=key[:200]))
            make(session)
            session.commit()
        except IntegrityError:  # another worker made it first
            session.rollback()
            return False
    return True


def _leads(session: Session, team_id: int) -> list[int]:
    return list(
        session.exec(
            select(Membership.user_id).where(
                Membership.team_id == team_id,
                col(Membership.role).in_([Role.LEAD.value]),
            )
        ).all()
    )


def decision_reminders(engine: Engine, today: date) -> int:
    """Open review decisions due tomorrow, or overdue: tell the owner once per due date."""
    made = 0
    with Session(engine) as session:
        rows = session.exec(
            select(ReviewDecision, Review.iso_week)
            .join(Review, col(Review.id) == col(ReviewDecision.review_id))
            .where(
                ReviewDecision.status == ItemStatus.OPEN.value,
                col(ReviewDecision.owner_id).is_not(None),
                col(ReviewDecision.due).is_not(None),
                col(ReviewDecision.due) <= today + timedelta(days=1),
            )
        ).all()
    for decision, week in rows:
        if decision.due == today + timedelta(days=1):
            event, key = E.REVIEW_DECISION_DUE, f"due:{decision.id}:{decision.due}"
        elif decision.due < today:
            event, key = E.REVIEW_DECISION_OVERDUE, f"overdue:{decision.id}:{decision.due}"
        else:
            continue
        context = {"text": decision.text, "due": decision.due, "path": f"/reviews/{week}"}
        made += _once(
            engine,
            key,
            lambda s, d=decision, e=event, c=context: notify(
                s, e, team_id=d.team_id, recipients=[d.owner_id], context=c
            ),
        )
    return made


def draft_reminders(engine: Engine, today: date) -> int:
    """On a team's review day, the week's review not yet published: tell the leads once."""
    week = iso_week_of(today)
    made = 0
    with Session(engine) as session:
        teams = session.exec(select(Team).where(Team.review_day == today.weekday())).all()
        published = set(
            session.exec(
                select(Review.team_id).where(
                    Review.iso_week == week, Review.status == ReviewStatus.PUBLISHED.value
                )
            ).all()
        )
    for team in teams:
        if team.id in published:
            continue
        context = {"week": week, "path": f"/reviews/{week}"}
        made += _once(
            engine,
            f"draft:{team.id}:{week}",
            lambda s, t=team, c=context: notify(
                s, E.REVIEW_DRAFT_REMINDER, team_id=t.id, recipients=_leads(s, t.id), context=c
            ),
        )
    return made


def test_reminders(engine: Engine) -> int:
    """Running tests that reached their planned sample, or whose latest analysis shows a sample
    ratio mismatch: tell the owner and the leads once (per analysis, for a mismatch)."""
    made = 0
    with Session(engine) as session:
        running = session.exec(
            select(Experiment, Hypothesis)
            .join(Hypothesis, col(Hypothesis.id) == col(Experiment.hypothesis_id))
            .where(Experiment.status == ExperimentStatus.RUNNING.value)
        ).all()
        sizes = smallest_arms(session, [e.id for e, _h in running])
        found = []
        for experiment, hypothesis in running:
            analysis = latest_analysis(session, experiment=experiment)
            srm = (analysis.output or {}).get("srm") if analysis is not None else None
            found.append((experiment, hypothesis, analysis, srm))
    for experiment, hypothesis, analysis, srm in found:
        context = {"title": hypothesis.title, "path": f"/experiments/{experiment.id}"}

        def tell(s: Session, event: str, e=experiment, h=hypothesis, c=context) -> None:
            people = [h.owner_id, *_leads(s, e.team_id)]
            notify(s, event, team_id=e.team_id, recipients=people, context=c)

        reached = sizes.get(experiment.id)
        if experiment.per_variant and reached is not None and reached >= experiment.per_variant:
            made += _once(
                engine, f"sample:{experiment.id}", lambda s, t=tell: t(s, E.TEST_REACHED_SAMPLE)
            )
        if isinstance(srm, dict) and srm.get("mismatch"):
            made += _once(
                engine,
                f"srm:{experiment.id}:{analysis.id}",
                lambda s, t=tell: t(s, E.SRM_DETECTED),
            )
    return made


def _digest_hour() -> int:
    return int(current_app.config.get("NOTIFY_DIGEST_HOUR", 7))


def daily_digests(engine: Engine, now: datetime) -> int:
    """From the digest hour (UTC) on, each person with kept items gets one e-mail a day."""
    if now.hour < _digest_hour():
        return 0
    with Session(engine) as session:
        user_ids = set(
            session.exec(select(DigestItem.user_id).where(col(DigestItem.message_id).is_(None)))
        )
    made = 0
    for user_id in sorted(user_ids):
        made += _once(
            engine, f"daily:{user_id}:{now.date()}", lambda s, u=user_id: _daily(s, u, now)
        )
    return made


def _daily(session: Session, user_id: int, now: datetime) -> None:
    user = session.get(User, user_id)
    items = session.exec(
        select(DigestItem)
        .where(DigestItem.user_id == user_id, col(DigestItem.message_id).is_(None))
        .order_by(DigestItem.id)
    ).all()
    if user is None or not items:
        return
    if not user.is_active:
        for item in items:
            session.delete(item)
        return
    language = language_of(user.language)
    with force_locale(language):
        lines = [item.subject + (f" — {item.link}" if item.link else "") for item in items]
        message = Message(
            ngettext(
                "Your daily digest: %(num)d update",
                "Your daily digest: %(num)d updates",
                len(items),
            ),
            [_("What happened since your last digest:")],
            items=lines,
        )
        rendered = render_message(message, link=absolute("/"), language=language)
    sent = outbox.email_to(session, user, rendered, event=E.DAILY_DIGEST.value, team_id=None)
    session.flush()
    for item in items:
        item.message_id = sent.id


def weekly_digests(engine: Engine, now: datetime) -> int:
    """On each team's digest day, from the digest hour on: the team's week, once."""
    if now.hour < _digest_hour():
        return 0
    week = iso_week_of(now.date())
    with Session(engine) as session:
        teams = session.exec(select(Team).where(Team.digest_day == now.weekday())).all()
    made = 0
    for team in teams:
        made += _once(
            engine, f"weekly:{team.id}:{week}", lambda s, t=team: _weekly(s, t, now, week)
        )
    return made


def weekly_context(session: Session, team: Team, now: datetime) -> dict[str, Any]:
    """What the team tested, decided and learned in the last 7 days, and what is due."""
    since = now - timedelta(days=7)
    rows = session.exec(
        select(Experiment, Hypothesis)
        .join(Hypothesis, col(Hypothesis.id) == col(Experiment.hypothesis_id))
        .where(Experiment.team_id == team.id)
    ).all()

    def recent(moment: datetime | None) -> bool:
        if moment is None:
            return False
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment >= since

    started = [h.title for e, h in rows if recent(e.started_at)]
    running = [h.title for e, h in rows if e.status == ExperimentStatus.RUNNING.value]
    decided = [
        {"title": h.title, "decision": e.decision, "outcome": e.outcome, "learning": e.learning}
        for e, h in rows
        if e.decision and recent(e.decided_at)
    ]
    due = session.exec(
        select(ReviewDecision, User.name)
        .outerjoin(User, col(User.id) == col(ReviewDecision.owner_id))
        .where(
            ReviewDecision.team_id == team.id,
            ReviewDecision.status == ItemStatus.OPEN.value,
            col(ReviewDecision.due).is_not(None),
            col(ReviewDecision.due) <= now.date() + timedelta(days=7),
        )
        .order_by(ReviewDecision.due)
    ).all()
    return {
        "team": team.name,
        "started": started,
        "running": running,
        "tests": decided,
        "decisions": [{"text": d.text, "owner": name, "due": d.due} for d, name in due],
        "path": "/",
    }


def _weekly(session: Session, team: Team, now: datetime, week: str) -> None:
    members = session.exec(select(Membership.user_id).where(Membership.team_id == team.id)).all()
    context = weekly_context(session, team, now)
    context["week"] = week
    notify(session, E.WEEKLY_DIGEST, team_id=team.id, recipients=list(members), context=context)


def run_schedule(engine: Engine, now: datetime | None = None) -> int:
    """Make every reminder and digest due at *now*; return how many were made."""
    now = now or datetime.now(UTC)
    today = now.date()
    return (
        decision_reminders(engine, today)
        + draft_reminders(engine, today)
        + test_reminders(engine)
        + daily_digests(engine, now)
        + weekly_digests(engine, now)
    )
