"""The audit trail: every state change and edit, with who, when and what changed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from hypotheses.domain.core.errors import StaleVersion
from hypotheses.models import AuditEntry, User


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Return {field: [old, new]} for every field whose value differs."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in after
        if before.get(key) != after.get(key)
    }


def record(
    session: Session,
    *,
    team_id: int | None,
    entity: str,
    entity_id: int | None,
    action: str,
    actor: User | None,
    changes: dict[str, Any] | None = None,
    version: int | None = None,
    note: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the session (committed with the change it describes)."""
    entry = AuditEntry(
        team_id=team_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_id=actor.id if actor else None,
        changes={k: [_plain(v) for v in pair] for k, pair in (changes or {}).items()},
        version=version,
        note=note,
    )
    session.add(entry)
    return entry


_TEAM_OF_ROW: Any = object()


def log(
    session: Session,
    entity: str,
    row: Any,
    action: str,
    actor: User | None,
    *,
    team_id: int | None = _TEAM_OF_ROW,
    changes: dict[str, Any] | None = None,
    version: int | None = None,
    note: str | None = None,
) -> AuditEntry:
    """Audit *action* on *row*, an *entity* (its id is the entry's entity id). The team is the
    row's team_id (a team's own id when *entity* is "team") unless *team_id* is given."""
    if team_id is _TEAM_OF_ROW:
        team_id = row.id if entity == "team" else row.team_id
    return record(
        session,
        team_id=team_id,
        entity=entity,
        entity_id=row.id,
        action=action,
        actor=actor,
        changes=changes,
        version=version,
        note=note,
    )


def created(values: dict[str, Any]) -> dict[str, list[Any]]:
    """Return the changes of a new record: {field: [None, value]} for each of *values*."""
    return {key: [None, value] for key, value in values.items()}


def record_new(
    session: Session,
    row: Any,
    *,
    team_id: int | None,
    entity: str,
    action: str,
    actor: User | None,
    values: dict[str, Any],
    note: str | None = None,
) -> AuditEntry:
    """Add the new *row*, flush it (for its id) and audit it with *values* as its fields."""
    session.add(row)
    session.flush()
    return log(
        session, entity, row, action, actor, team_id=team_id, changes=created(values), note=note
    )


def apply_changes(
    session: Session,
    row: Any,
    values: dict[str, Any],
    *,
    team_id: int | None,
    entity: str,
    action: str,
    actor: User | None,
    note: str | None = None,
) -> dict[str, list[Any]]:
    """Set *values* on *row* and audit the fields that differ; return them ({field: [old,
    new]}). When nothing differs, nothing is set or recorded and the result is empty."""
    changes = diff({key: getattr(row, key) for key in values}, values)
    if changes:
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
        log(session, entity, row, action, actor, team_id=team_id, changes=changes, note=note)
    return changes


def history(
    session: Session, *, entity: str, entity_id: int
) -> list[tuple[AuditEntry, User | None]]:
    """Return the entity's audit entries, newest first, with their actors."""
    rows = session.exec(
        select(AuditEntry, User)
        .join(User, col(AuditEntry.actor_id) == col(User.id), isouter=True)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(col(AuditEntry.created_at).desc(), col(AuditEntry.id).desc())
    ).all()
    return [(entry, user) for entry, user in rows]


def changes_since(
    session: Session, *, entity: str, entity_id: int, version: int
) -> list[dict[str, Any]]:
    """List the changes recorded after *version*: who, when, and each field's old and new value."""
    rows = session.exec(
        select(AuditEntry, User)
        .join(User, col(AuditEntry.actor_id) == col(User.id), isouter=True)
        .where(
            AuditEntry.entity == entity,
            AuditEntry.entity_id == entity_id,
            col(AuditEntry.version) > version,
        )
        .order_by(col(AuditEntry.id))
    ).all()
    return [
        {
            "who": user.name if user else "system",
            "when": entry.created_at,
            "action": entry.action,
            "changes": entry.changes,
        }
        for entry, user in rows
    ]


def stale(session: Session, entity: str, row: Any, message: str, *, since: int) -> StaleVersion:
    """Return the refusal of an edit of *row* (an *entity*) made on version *since*: *message*,
    the changes recorded after that version and the row's current version."""
    return StaleVersion(
        message,
        changes=changes_since(session, entity=entity, entity_id=row.id, version=since),
        current_version=row.version,
    )
