"""Shared pieces of the fuzz tests: row counts of every table, hostile values, seeded mutation.

Used by tests/web/test_form_fuzz.py (curated values into each main form, field by field) and
tests/web/test_fuzz_malformed.py (≥ 10,000 malformed requests on every route and API operation).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import SQLModel

from hypotheses.models import AuditEntry

# Tables a refused request may still write to, and why:
#  - loginthrottle: the sign-in throttle counts failed sign-ins; that write IS the defence.
#  (No other table is excluded: refused token use writes no audit entry.)
EXCLUDED_TABLES = frozenset({"loginthrottle"})
# Columns a refused request may still change: a valid API token's last use is noted on every
# call that presents it, before the request body is even read (that is not a write of data).
VOLATILE = {"apitoken": ("last_used_at",)}


def row_counts(db, excluded: frozenset[str] = EXCLUDED_TABLES) -> dict[str, int]:
    """Return {table: rows} for every table of the schema through a short-lived connection.

    The test's own Session stays out of it: an open transaction there would hold SQLite's
    write lock and block the app.
    """

    out = {}
    with db.get_bind().connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in excluded:
                out[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
        conn.rollback()
    return out


def snapshot(db, tables: tuple[type, ...]) -> dict[str, list[tuple]]:
    """Return every row of *tables* (and the audit trail) through a short-lived connection.

    The test's own Session stays out of it: an open transaction there would hold SQLite's
    write lock (BEGIN IMMEDIATE) and block the app.
    """
    out = {}
    with db.get_bind().connect() as conn:
        for model in (*tables, AuditEntry):
            table = model.__table__
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(row) for row in rows]
        conn.rollback()
    return out


def short(value: str) -> str:
    return repr(value if len(value) <= 24 else f"{value[:12]}…({len(value)} chars)")


def count_statement(db, excluded: frozenset[str] = EXCLUDED_TABLES):
    """One SELECT returning the row count of every table (one round trip per check)."""
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in excluded]
    return select(*[select(func.count()).select_from(t).scalar_subquery() for t in tables])


def table_contents(db, excluded: frozenset[str] = EXCLUDED_TABLES) -> dict[str, list[tuple]]:
    """Every row of every table (but *excluded*), for comparing before and after a run."""

    out = {}
    with db.get_bind().connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in excluded:
                columns = [c for c in table.columns if c.name not in VOLATILE.get(table.name, ())]
                query = select(*columns).order_by(*table.primary_key.columns)
                out[table.name] = [tuple(row) for row in conn.execute(query)]
        conn.rollback()
    return out


# --- hostile values ---------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
# Into number fields: everything WTForms or float() might wrongly accept, plus junk.
CURATED = [
    "nan", "inf", "-inf", "1e400", "snan", "", " ", "1_000", "１２", "१२", "0x10",
    "9" * 10_000,  # a 10,000-digit number
    "x" * 100_000,  # a 100 kB string
    "a\x00b", "\u202eevil", "🚀🔥 ok", SCRIPT, "' OR 1=1--",  # NUL, right-to-left override, emoji
]  # fmt: skip
# Into text fields, the number-shaped values are just more text: the ones that differ.
FORM_TEXT = [
    "", " ", "9" * 10_000, "x" * 100_000, "a\x00b", "\u202eevil", "🚀🔥 ok", SCRIPT, "' OR 1=1--",
]  # fmt: skip
# Into selects, radios and dates: values no option or calendar has.
CHOICE = ["", "nan", "१२", "0x10", "9" * 10_000, "a\x00b", SCRIPT, "' OR 1=1--"]
DATE = [*CHOICE, "2026-02-30", "0000-01-01", "9999-12-31", "1e400"]
PAYLOADS = {"number": CURATED, "text": FORM_TEXT, "choice": CHOICE, "date": DATE, "hidden": CHOICE}


BIG_DIGITS = "9" * 5000  # past Python's 4,300-digit int() limit
CONTROL = ["\x00", "a\x00b", "\x01", "x\x07y", "\x1b[31m", "\x7f", "\x08", "\x0b", "\x1f"]
# Values that are not acceptable in any form field: each holds a control character.
POISON_TEXT = [f"{head}{c}{tail}" for c in CONTROL for head, tail in (("", ""), ("ok ", " ok"))]
NUMBERS = [
    "99999999999999999999", "2147483648", "-2147483649", "-1", "0", "-99999999999999999999",
    BIG_DIGITS, "-" + BIG_DIGITS, "1e400", "-1e400", "NaN", "nan", "Infinity", "-Infinity",
    "inf", "1_000", "0x10", "１２", "١٢", "1.5", "1,5", "", " ", "true", "[]", "{}", "None",
]  # fmt: skip
TEXT = [
    "x" * 70_000, "\u202eevil", "🚀", "<script>alert(1)</script>", "' OR 1=1--", "\ud7ff",
    "%00", "../../etc/passwd", "\r\n\r\nX-Injected: 1", "a" * 300,
]  # fmt: skip
BROKEN_UTF8 = [b"\xff\xfe", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]


def hostile(rng) -> str:
    """Any hostile form value: a number-shaped one, odd text, or a control character."""
    pool = rng.choice((CURATED, NUMBERS, TEXT, POISON_TEXT))
    return rng.choice(pool)
