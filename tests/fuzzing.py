"""Shared pieces of the fuzz tests: row counts of every table, hostile values, seeded mutation.

Used by tests/web/test_form_fuzz.py (curated values into each main form, field by field) and
tests/web/test_fuzz_malformed.py (≥ 10,000 malformed requests on every route and API operation).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import SQLModel

# Tables a refused request may still write to, and why:
#  - loginthrottle: the sign-in throttle counts failed sign-ins; that write IS the defence.
#  (No other table is excluded: refused token use writes no audit entry.)
EXCLUDED_TABLES = frozenset({"loginthrottle"})


def row_counts(db, excluded: frozenset[str] = EXCLUDED_TABLES) -> dict[str, int]:
    """Return {table: rows} for every table of the schema through a short-lived connection.

    The test's own Session stays out of it: an open transaction there would hold SQLite's
    write lock and block the app.
    """
    import hypotheses.models  # noqa: F401  (every table registered)

    out = {}
    with db.get_bind().connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in excluded:
                out[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
        conn.rollback()
    return out
