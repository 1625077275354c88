"""Each person's choice per event: e-mail now, in the daily digest, or never."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, select

from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.notifications.events import CHOOSABLE, choices_of
from hypotheses.enums import NotificationChoice, NotificationEvent
from hypotheses.models import NotificationPreference, User


def current_choices(session: Session, *, user: User) -> dict[str, str]:
    """Return {event: choice} for every event a person may choose for."""
    return {
        event.value: choices_of(session, [user.id], event.value)[user.id] for event in CHOOSABLE
    }


def set_choices(session: Session, *, user: User, choices: dict[str, Any]) -> dict[str, str]:
    """Store *choices* ({event: "now" | "digest" | "never"}) for *user* and commit.

    Unknown events or choices are refused as a whole (nothing is saved).
    """
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for event, choice in choices.items():
        member = NotificationEvent.find(event)
        if member is None or member not in CHOOSABLE:
            errors[str(event)[:40]] = [_("Unknown event.")]
        elif NotificationChoice.find(choice) is None:
            errors[event] = [_("Choose e-mail now, daily digest or never.")]
        else:
            clean[event] = str(choice)
    if errors:
        raise ValidationFailed(errors)
    rows = {
        row.event: row
        for row in session.exec(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        ).all()
    }
    for event, choice in clean.items():
        if event in rows:
            rows[event].choice = choice
        else:
            session.add(NotificationPreference(user_id=user.id, event=event, choice=choice))
    session.commit()
    return clean
