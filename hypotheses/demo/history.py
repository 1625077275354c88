"""The demo's audit trail, dated in the past: the story happened over the last weeks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from hypotheses.domain.core import audit
from hypotheses.models import AuditEntry, User


def logged(
    session: Session,
    when: datetime,
    entity: str,
    row: Any,
    action: str,
    actor: User | None,
    **details: Any,
) -> AuditEntry:
    """Audit *action* on *row* at its first version, as ``audit.log`` does, dated *when*."""
    entry = audit.log(session, entity, row, action, actor, version=1, **details)
    entry.created_at = when
    return entry
