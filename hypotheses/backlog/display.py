"""How the backlog shows its audit trail and refused saves: readable fields and values (the
actions' names are in hypotheses.audit_notes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from hypotheses.audit_notes import audit_label
from hypotheses.domain.backlog.fields import FIELD_LABELS
from hypotheses.domain.core.errors import StaleVersion
from hypotheses.models import AuditEntry, User


def audit_changes(entry: AuditEntry) -> dict[str, list]:
    """Return an audit entry's {field: [old, new]}."""
    return entry.changes or {}


def user_names(session: Session, ids: Iterable[Any]) -> dict[int, str]:
    """Return {user id: name} for the ids given (others are skipped)."""
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    if not wanted:
        return {}
    return dict(session.exec(select(User.id, User.name).where(col(User.id).in_(wanted))).all())


def _short(value: Any, limit: int = 60) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_stale(error: StaleVersion) -> str:
    """Say in one short flash line who changed what since the user's page was loaded."""
    parts = []
    for change in error.changes[-3:]:
        fields = ", ".join(
            f"{FIELD_LABELS[k]}: {_short(v[0])} → {_short(v[1])}"
            for k, v in change["changes"].items()
            if k in FIELD_LABELS
        )
        parts.append(f"{change['who']} ({fields})" if fields else change["who"])
    return _(
        "Not saved: this hypothesis changed after you opened the page (%(who)s). The page "
        "now shows the current values; check them and try again.",
        who="; ".join(parts),
    )


def changes_for_screen(changes: list[dict]) -> list[dict]:
    """Make StaleVersion.changes readable for the shared stale_changes macro."""
    return [
        {
            **c,
            "action": audit_label(c["action"]),
            "changes": {
                str(FIELD_LABELS.get(k, k)): [_short(v[0], 200), _short(v[1], 200)]
                for k, v in c["changes"].items()
            },
        }
        for c in changes
    ]
