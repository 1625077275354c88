"""Backlog CSV import: a preview with per-row errors, all-or-nothing import.

The file is read by csv_read (encodings, delimiters, header). Its columns feed our fields as
the mapping says (``csv_mapping``: it recognises English and Russian column names and words,
so a Russian Excel sheet and our own export import as they are). Each row is checked with the
backlog's own rules (``backlog_rules.clean_fields``) and created with the backlog's own use
case, all in one transaction: a file with one bad row imports nothing. The file's SHA-256 is
remembered per team, so importing it again is refused. The leads hear of the rows that entered
the backlog once per file, not once per row.

Writing (exports) lives in csv_export.

``import_backlog`` commits once (or rolls back and raises); everything else only reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from hypotheses.domain.backlog import lifecycle as backlog
from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.backlog.csv_mapping import FIELDS, check_mapping, choice, choice_words
from hypotheses.domain.backlog.rules import CHOICES, clean_fields
from hypotheses.domain.core import audit
from hypotheses.domain.core.csvfiles import Table, read_table
from hypotheses.domain.core.errors import Conflict, ValidationFailed
from hypotheses.domain.core.transaction import write_lock
from hypotheses.domain.notifications import tell
from hypotheses.domain.notifications.events import muted
from hypotheses.domain.overview.csv_cells import TRIGGERS
from hypotheses.domain.overview.csv_columns import in_english
from hypotheses.models import ImportBatch, Membership, Team, User

MAX_REPORTED = 100

# ---------------------------------------------------------------- checking rows


@dataclass
class Row:
    """One data row: its spreadsheet number, cleaned values (when valid), problems, raw cells."""

    number: int
    values: dict[str, Any]
    errors: list[str]
    cells: dict[str, str] = field(default_factory=dict)  # our field -> the cell as in the file


def _members_by_email(session: Session, team: Team) -> dict[str, int]:
    rows = session.exec(
        select(User.email, User.id)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(Membership.team_id == team.id, col(User.is_active).is_(True))
    ).all()
    return {email.lower(): user_id for email, user_id in rows}


def _row_data(
    cells: dict[str, str],
    members: dict[str, int],
    errors: list[str],
    mapping: dict[str, str],
    words: dict[str, dict[str, str]],
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    english = in_english()
    for name, raw in cells.items():
        text = raw.strip()
        where = mapping[name]
        if name in CHOICES:
            value = choice(name, text, words) if text else None
            if value is None:
                # what our export writes: the values in English, the labels in Russian
                allowed = ", ".join(v.value if english else str(v.label) for v in CHOICES[name])
                errors.append(
                    _(
                        "“%(col)s”: “%(value)s” is not one of: %(allowed)s.",
                        col=where,
                        value=text[:40],
                        allowed=allowed,
                    )
                )
            data[name] = value
        elif name == "owner_email":
            if text:
                owner = members.get(text.lower())
                if owner is None:
                    errors.append(
                        _(
                            "“%(col)s”: %(email)s is not an active member of this team.",
                            col=where,
                            email=text[:80],
                        )
                    )
                data["owner_id"] = owner
        elif name in ("impact", "confidence", "ease", "reach", "effort"):
            if text:
                data[name] = text
        elif name == "links":
            data[name] = text.split()
        else:
            # Undo our own export's formula guard (csv_cells: an apostrophe before a TRIGGER):
            # '=x stored as =x (the app is no spreadsheet).
            data[name] = (
                raw[1:] if raw.startswith("'") and raw[1:2] in TRIGGERS and raw[1:2] else raw
            )
    return data


def check_rows(session: Session, *, team: Team, table: Table, mapping: dict[str, str]) -> list[Row]:
    """Check every row with the backlog's rules; return rows with cleaned values or errors."""
    mapping = check_mapping(mapping, table.headers)
    index = {h: i for i, h in enumerate(table.headers)}
    members = _members_by_email(session, team)
    words = choice_words()
    rows: list[Row] = []
    for number, cells in table.rows:
        errors = list(table.problems.get(number, []))
        picked = {name: cells[index[header]] for name, header in mapping.items()}
        data = _row_data(picked, members, errors, mapping, words)
        values: dict[str, Any] = {}
        try:
            values = clean_fields(data, rice=team.rice_enabled, partial=False)
        except ValidationFailed as failed:
            for name, messages in failed.errors.items():
                name = "owner_email" if name == "owner_id" else name
                where = mapping.get(name, str(FIELDS.get(name, name)))
                if name in CHOICES and data.get(name) is None:
                    continue  # already explained with the accepted values
                errors.extend(f"“{where}”: {m}" for m in messages)
        rows.append(Row(number=number, values=values, errors=errors, cells=picked))
    return rows


def row_errors(rows: list[Row]) -> dict[str, list[str]]:
    """Return {"row N": messages} for the rows with problems (at most MAX_REPORTED rows)."""
    bad = [row for row in rows if row.errors]
    return {_("row %(n)d", n=row.number): row.errors for row in bad[:MAX_REPORTED]}


def previous_import(session: Session, *, team: Team, file_hash: str) -> ImportBatch | None:
    """Return the earlier import of the same file into this team, if any."""
    return session.exec(
        select(ImportBatch).where(
            ImportBatch.team_id == team.id, ImportBatch.file_hash == file_hash
        )
    ).first()


def already_imported(batch: ImportBatch) -> Conflict:
    """The refusal for a file imported before."""
    error = Conflict(
        _(
            "This file was already imported on %(when)s (%(n)d rows). Nothing was imported again.",
            when=batch.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            n=batch.rows,
        ),
        field="file",
    )
    error.code = "already_imported"
    return error


# ---------------------------------------------------------------- importing


@dataclass
class ImportResult:
    batch: ImportBatch
    created: int
    in_backlog: int
    ideas: int


def import_backlog(
    session: Session,
    *,
    team: Team,
    actor: User | None,
    data: bytes,
    mapping: dict[str, str | None],
    file_name: str = "",
) -> ImportResult:
    """Import every row as a hypothesis, or none: one transaction, committed once.

    Refuses a file imported before (Conflict, code ``already_imported``) and a file with any
    bad row (ValidationFailed with ``{"row N": [messages]}``). Rows beyond the backlog's
    maximum enter as ideas, exactly as when they are added one by one.
    """
    create = getattr(backlog.create_hypothesis, "__wrapped__", None)
    if create is None:  # pragma: no cover - guards a change of the backlog module
        raise RuntimeError("backlog.create_hypothesis must expose its uncommitted body")
    try:
        table = read_table(data)
        earlier = previous_import(session, team=team, file_hash=table.file_hash)
        if earlier is not None:
            raise already_imported(earlier)
        rows = check_rows(session, team=team, table=table, mapping=mapping)
        bad = row_errors(rows)
        if bad:
            count = sum(1 for row in rows if row.errors)
            raise ValidationFailed(
                bad,
                _(
                    "%(n)d of %(total)d rows have errors, so nothing was "
                    "imported. Fix them and upload the file again.",
                    n=count,
                    total=len(rows),
                ),
            )
        # The file is read and checked: from here only database work, under the write lock.
        write_lock(session)
        backlog_queries.lock_team(session, team)
        earlier = previous_import(session, team=team, file_hash=table.file_hash)
        if earlier is not None:
            raise already_imported(earlier)
        entered = []
        with muted(session):  # one message for the whole file, below
            for row in rows:
                hypothesis, room = create(session, team=team, actor=actor, data=row.values)
                if room:
                    entered.append(hypothesis)
        tell.imported(session, entered, actor=actor)
        in_backlog = len(entered)
        batch = ImportBatch(
            team_id=team.id,
            file_hash=table.file_hash,
            file_name=(file_name or "")[:255],
            rows=len(rows),
            imported_by_id=actor.id if actor else None,
        )
        audit.record_new(
            session,
            batch,
            team_id=team.id,
            entity="import",
            action="hypothesis.import",
            actor=actor,
            values={"rows": len(rows), "file": batch.file_name},
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return ImportResult(
        batch=batch, created=len(rows), in_backlog=in_backlog, ideas=len(rows) - in_backlog
    )
