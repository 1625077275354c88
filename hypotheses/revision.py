"""The database's revision: a number every committed write raises (table app_state).

Each engine made by ``db.make_engine`` is watched: a statement that changed rows (or may
have: DDL) marks its connection, and the commit of a marked connection raises the revision in
the same transaction, so the new number and the data it describes become visible together. A
page rendered for one revision can then be served again, unchanged, while the revision stays
(``backlog/page_cache.py``); the request reads the revision with the signed-in user
(``web.load_user``) before any other data.
"""

from __future__ import annotations

import re

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from hypotheses.models import AppState

EXEMPT = "hypotheses_revision_exempt"  # execution option: migrations (app_state may not exist)
_WROTE = "hypotheses_wrote"
# Statements that never write; anything else (INSERT, UPDATE, DELETE, DDL, WITH ...) counts.
_READS = ("SELECT", "PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "SHOW")
# The same statement on SQLite and PostgreSQL; creates the row if a schema lacks it.
_RAISE = (
    "INSERT INTO app_state (id, revision) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET revision = app_state.revision + 1"
)


# Bookkeeping no page shows: sign-in throttling and an API token's time of last use, written
# by requests that change no data (an integration polling the API would otherwise make every
# kept page stale).
_QUIET = re.compile(
    r"\s*(?:(?:INSERT INTO|UPDATE|DELETE FROM) loginthrottle\b"
    r"|UPDATE apitoken SET last_used_at=[^,]* WHERE )",  # ? or a typed parameter, alone
    re.IGNORECASE,
)


def _note_write(conn, cursor, statement: str, _params, _context, _many) -> None:
    if statement.lstrip()[:9].upper().startswith(_READS):
        return
    # A write that changed no row changes nothing a page shows (-1: not known). With
    # RETURNING, SQLite counts the rows only once they are fetched: 0 then tells nothing.
    if cursor.rowcount == 0 and "RETURNING" not in statement.upper():
        return
    if not _QUIET.match(statement):
        conn.info[_WROTE] = True


def _raise_on_commit(conn) -> None:
    if not conn.info.pop(_WROTE, False) or conn.get_execution_options().get(EXEMPT):
        return
    postgres = conn.dialect.name == "postgresql"  # an error there fails the transaction
    cursor = conn.connection.driver_connection.cursor()  # no events; same transaction
    try:
        if postgres:
            cursor.execute("SAVEPOINT app_revision")
        try:
            cursor.execute(_RAISE)
        except conn.dialect.loaded_dbapi.Error as error:
            if "app_state" not in str(error):
                raise
            # A schema without the table (before its migration): nothing to raise.
            if postgres:
                cursor.execute("ROLLBACK TO SAVEPOINT app_revision")
        if postgres:
            cursor.execute("RELEASE SAVEPOINT app_revision")
    finally:
        cursor.close()


def _forget(conn) -> None:
    conn.info.pop(_WROTE, None)


def watch(engine: Engine) -> None:
    """Raise the revision at the commit of every transaction of *engine* that wrote."""
    event.listen(engine, "after_cursor_execute", _note_write)
    event.listen(engine, "commit", _raise_on_commit)
    event.listen(engine, "rollback", _forget)


def revision_column():
    """The revision as a column to read with another statement (0 before the first write)."""
    current = select(AppState.revision).where(AppState.id == 1).scalar_subquery()
    return func.coalesce(current, 0).label("revision")
