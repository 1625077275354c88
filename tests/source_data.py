"""The same generated exposure and event data in PostgreSQL, DuckDB and ClickHouse (chDB), made
inside each engine (generate_series, range, numbers()), and the same rows reduced in numpy.

Users 0..n-1: even ids in variant A, odd in B, first exposed at 2026-01-01 plus (id mod 7 days)
seconds; every 7th user is exposed again an hour later (same variant); every 1000th (id mod
1000 = 1) also appears in the other variant, so it is left out. A user converts when
(id * 7919) mod 101 is below 30 (A) or 40 (B), with a purchase worth (id * 31) mod 100 + 1
made (id mod 11) days after exposure: counted within 7 days only. Every 13th user has an event an
hour before exposure, never counted.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

DAYS = 7
WEEK_S = 7 * 86400
ASSIGNMENT_SQL = "SELECT user_id, variant, exposed_at FROM {schema}.assignments"
METRIC_SQL = "SELECT user_id, event_at, value FROM {schema}.purchases"
WINDOW = ("2026-01-01 00:00:00", "2026-01-09 00:00:00")


def postgresql_load(conn, schema: str, n: int) -> None:
    """Create *schema* with both tables on a SQLAlchemy connection (in its transaction)."""
    t0 = "TIMESTAMP '2026-01-01 00:00:00'"
    exposed = f"{t0} + (i % {WEEK_S}) * INTERVAL '1 second'"
    variant = "CASE WHEN i % 2 = 0 THEN 'A' ELSE 'B' END"
    other = "CASE WHEN i % 2 = 0 THEN 'B' ELSE 'A' END"
    for sql in (
        f"DROP SCHEMA IF EXISTS {schema} CASCADE",
        f"CREATE SCHEMA {schema}",
        f"CREATE TABLE {schema}.assignments (user_id bigint, variant text, exposed_at timestamp)",
        f"CREATE TABLE {schema}.purchases (user_id bigint, event_at timestamp, value double "
        "precision)",
        f"INSERT INTO {schema}.assignments SELECT i, {variant}, {exposed} "
        f"FROM generate_series(0::bigint, {n - 1}) AS i",
        f"INSERT INTO {schema}.assignments SELECT i, {variant}, {exposed} + INTERVAL '1 hour' "
        f"FROM generate_series(0::bigint, {n - 1}, 7) AS i",
        f"INSERT INTO {schema}.assignments SELECT i, {other}, {exposed} "
        f"FROM generate_series(1::bigint, {n - 1}, 1000) AS i",
        f"INSERT INTO {schema}.purchases SELECT i, {exposed} + (i % 11) * INTERVAL '1 day', "
        f"(i * 31) % 100 + 1 FROM generate_series(0::bigint, {n - 1}) AS i "
        f"WHERE (i * 7919) % 101 < CASE WHEN i % 2 = 0 THEN 30 ELSE 40 END",
        f"INSERT INTO {schema}.purchases SELECT i, {exposed} - INTERVAL '1 hour', 50 "
        f"FROM generate_series(0::bigint, {n - 1}, 13) AS i",
        f"ANALYZE {schema}.assignments",
        f"ANALYZE {schema}.purchases",
    ):
        conn.execute(text(sql))


def duckdb_load(conn, schema: str, n: int) -> None:
    """Create *schema* with both tables in a DuckDB connection."""
    t0 = "TIMESTAMP '2026-01-01 00:00:00'"
    exposed = f"{t0} + to_seconds(i % {WEEK_S})"
    variant = "CASE WHEN i % 2 = 0 THEN 'A' ELSE 'B' END"
    other = "CASE WHEN i % 2 = 0 THEN 'B' ELSE 'A' END"
    for sql in (
        f"CREATE SCHEMA IF NOT EXISTS {schema}",
        f"CREATE OR REPLACE TABLE {schema}.assignments AS "
        f"SELECT i AS user_id, {variant} AS variant, {exposed} AS exposed_at "
        f"FROM range({n}) t(i) "
        f"UNION ALL SELECT i, {variant}, {exposed} + INTERVAL 1 HOUR FROM range(0, {n}, 7) t(i) "
        f"UNION ALL SELECT i, {other}, {exposed} FROM range(1, {n}, 1000) t(i)",
        f"CREATE OR REPLACE TABLE {schema}.purchases AS "
        f"SELECT i AS user_id, {exposed} + to_days(CAST(i % 11 AS INTEGER)) AS event_at, "
        f"CAST((i * 31) % 100 + 1 AS DOUBLE) AS value FROM range({n}) t(i) "
        f"WHERE (i * 7919) % 101 < CASE WHEN i % 2 = 0 THEN 30 ELSE 40 END "
        f"UNION ALL SELECT i, {exposed} - INTERVAL 1 HOUR, 50.0 FROM range(0, {n}, 13) t(i)",
    ):
        conn.execute(sql)


def chdb_load(session, schema: str, n: int) -> None:
    """Create database *schema* with both tables in a chDB session."""
    t0 = "toDateTime('2026-01-01 00:00:00')"
    exposed = f"{t0} + (number % {WEEK_S})"
    variant = "if(number % 2 = 0, 'A', 'B')"
    other = "if(number % 2 = 0, 'B', 'A')"
    for sql in (
        f"DROP DATABASE IF EXISTS {schema}",
        f"CREATE DATABASE {schema}",
        f"CREATE TABLE {schema}.assignments (user_id UInt64, variant String, "
        "exposed_at DateTime) ENGINE = MergeTree ORDER BY user_id",
        f"CREATE TABLE {schema}.purchases (user_id UInt64, event_at DateTime, value Float64) "
        "ENGINE = MergeTree ORDER BY user_id",
        f"INSERT INTO {schema}.assignments SELECT number, {variant}, {exposed} FROM numbers({n})",
        f"INSERT INTO {schema}.assignments SELECT number, {variant}, {exposed} + 3600 "
        f"FROM numbers({n}) WHERE number % 7 = 0",
        f"INSERT INTO {schema}.assignments SELECT number, {other}, {exposed} "
        f"FROM numbers({n}) WHERE number % 1000 = 1",
        f"INSERT INTO {schema}.purchases SELECT number, {exposed} + (number % 11) * 86400, "
        f"(number * 31) % 100 + 1 FROM numbers({n}) "
        f"WHERE (number * 7919) % 101 < if(number % 2 = 0, 30, 40)",
        f"INSERT INTO {schema}.purchases SELECT number, {exposed} - 3600, 50 "
        f"FROM numbers({n}) WHERE number % 13 = 0",
    ):
        session.query(sql)


def expected_stats(n: int) -> dict[str, dict[str, float]]:
    """The per-variant sufficient statistics of the same rows, reduced in numpy."""
    i = np.arange(n, dtype=np.int64)
    in_a = i % 2 == 0
    kept = i % 1000 != 1
    converts = (i * 7919) % 101 < np.where(in_a, 30, 40)
    counted = converts & (i % 11 < DAYS)
    value = np.where(counted, (i * 31) % 100 + 1, 0).astype(np.float64)
    out = {}
    for name, mask in (("A", in_a & kept), ("B", ~in_a & kept)):
        v = value[mask]
        out[name] = {
            "variant": name,
            "n": int(mask.sum()),
            "sum": float(v.sum()),
            "sum_sq": float((v * v).sum()),
            "conversions": int((v > 0).sum()),
        }
    return out
