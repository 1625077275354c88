"""Data-source bench (issue 16): a test's refresh pushed down to the engine against pulling the
rows out and reducing them in Python, for 10 M exposures in DuckDB and in PostgreSQL.

    .venv/bin/python bench/sources_bench.py                       # DuckDB; PostgreSQL if a URL
    .venv/bin/python bench/sources_bench.py --exposures 1000000
    .venv/bin/python bench/sources_bench.py --pg-url postgresql+psycopg://postgres@127.0.0.1/x

The data is tests/source_data.py's, generated inside each engine (range / generate_series):
10 M users, 11.4 M exposure rows, ~4.2 M purchase events. PostgreSQL: --pg-url, else
HYPOTHESES_TEST_DATABASE_URL; the schema ``bench16`` there is dropped and rebuilt.

Printed per engine:
  refresh   the product's refresh query (hypotheses.domain.sources: the generated aggregate,
            read-only, timeout and row limit), its time and the bytes that left the engine;
  pull      the two queries' rows fetched whole, then reduced locally (pandas + numpy) to the
            same per-variant statistics, its time and the bytes that left the engine.
Bytes that left the engine: PostgreSQL, the COPY ... TO STDOUT text the server sends for the
same SELECT (the wire payload, without protocol framing); DuckDB (embedded: nothing crosses a
wire), the size of the result as an Arrow table in Python's memory.
Both ways give the same numbers (checked against numpy's reduction of the generated rows).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import source_data  # noqa: E402
from flask import Flask  # noqa: E402
from flask_babel import Babel  # noqa: E402

from hypotheses.domain.sources import engines, sqlgen  # noqa: E402

SCHEMA = "bench16"
WINDOW = {"window_start": datetime(2026, 1, 1), "window_end": datetime(2026, 1, 9)}


def _sql() -> str:
    return sqlgen.aggregate_sql(
        "duckdb",
        source_data.ASSIGNMENT_SQL.format(schema=SCHEMA),
        source_data.METRIC_SQL.format(schema=SCHEMA),
        source_data.DAYS,
    )


def reduce_locally(assignments: pd.DataFrame, purchases: pd.DataFrame) -> dict[str, dict]:
    """The generated query's rule in pandas/numpy: first exposure in the window, users seen in
    two variants left out, events within DAYS days after the first exposure summed per user."""
    start, end = (pd.Timestamp(WINDOW[k]) for k in ("window_start", "window_end"))
    a = assignments[(assignments.exposed_at >= start) & (assignments.exposed_at < end)]
    users = a.groupby("user_id").agg(
        arm=("variant", "min"), other=("variant", "max"), first=("exposed_at", "min")
    )
    users = users[users.arm == users.other]
    events = purchases.merge(users[["first"]], left_on="user_id", right_index=True)
    days = pd.Timedelta(days=source_data.DAYS)
    events = events[
        (events.event_at >= events["first"]) & (events.event_at < events["first"] + days)
    ]
    per_user = events.groupby("user_id")["value"].sum()
    value = per_user.reindex(users.index, fill_value=0.0).to_numpy(dtype=np.float64)
    out = {}
    for arm in sorted(users.arm.unique()):
        v = value[(users.arm == arm).to_numpy()]
        out[arm] = {
            "variant": arm,
            "n": len(v),
            "sum": float(v.sum()),
            "sum_sq": float((v * v).sum()),
            "conversions": int((v > 0).sum()),
        }
    return out


def _same(a: dict, b: dict) -> bool:
    return all(
        a[k]["n"] == b[k]["n"]
        and a[k]["conversions"] == b[k]["conversions"]
        and abs(a[k]["sum_sq"] - b[k]["sum_sq"]) <= 1e-9 * max(1.0, b[k]["sum_sq"])
        for k in b
    )


def _row(name: str, seconds: float, nbytes: int, rows: int) -> None:
    print(f"  {name:<8} {seconds:8.2f} s  {nbytes:>14,} bytes  {rows:>12,} rows out of the engine")


def bench_duckdb(n: int, expected: dict) -> None:
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "events.duckdb")
        conn = duckdb.connect(path)
        started = time.perf_counter()
        source_data.duckdb_load(conn, SCHEMA, n)
        conn.close()
        print(f"DuckDB ({n:,} exposures, loaded in {time.perf_counter() - started:.1f} s)")
        started = time.perf_counter()
        result = engines.run_query("duckdb", path, _sql(), WINDOW, timeout=600, max_rows=10)
        seconds = time.perf_counter() - started
        got = {s["variant"]: s for s in map(sqlgen.variant_stats, result.rows)}
        conn = duckdb.connect(path, read_only=True)
        pushed = conn.execute(
            _sql().replace(":window_start", "$window_start").replace(":window_end", "$window_end"),
            WINDOW,
        ).to_arrow_table()
        _row("refresh", seconds, pushed.nbytes, len(result.rows))
        started = time.perf_counter()
        a = conn.execute(source_data.ASSIGNMENT_SQL.format(schema=SCHEMA)).to_arrow_table()
        p = conn.execute(source_data.METRIC_SQL.format(schema=SCHEMA)).to_arrow_table()
        local = reduce_locally(a.to_pandas(), p.to_pandas())
        pull_seconds = time.perf_counter() - started
        conn.close()
        _row("pull", pull_seconds, a.nbytes + p.nbytes, a.num_rows + p.num_rows)
        print(f"  same statistics: {_same(got, expected) and _same(local, expected)}")


def _copy(conn, sql: str) -> bytes:
    buffer = io.BytesIO()
    with conn.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
        for chunk in copy:
            buffer.write(chunk)
    return buffer.getvalue()


def bench_postgresql(url: str, n: int, expected: dict) -> None:
    import psycopg
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        source_data.postgresql_load(conn, SCHEMA, n)
    engine.dispose()
    print(f"PostgreSQL ({n:,} exposures, loaded in {time.perf_counter() - started:.1f} s)")
    sql = sqlgen.aggregate_sql(
        "postgresql",
        source_data.ASSIGNMENT_SQL.format(schema=SCHEMA),
        source_data.METRIC_SQL.format(schema=SCHEMA),
        source_data.DAYS,
    )
    started = time.perf_counter()
    result = engines.run_query("postgresql", url, sql, WINDOW, timeout=600, max_rows=10)
    seconds = time.perf_counter() - started
    got = {s["variant"]: s for s in map(sqlgen.variant_stats, result.rows)}
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    literal = sql.replace(":window_start", f"TIMESTAMP '{WINDOW['window_start']}'").replace(
        ":window_end", f"TIMESTAMP '{WINDOW['window_end']}'"
    )
    with psycopg.connect(dsn) as conn:
        pushed = _copy(conn, literal)
        _row("refresh", seconds, len(pushed), len(result.rows))
        started = time.perf_counter()
        a_bytes = _copy(conn, source_data.ASSIGNMENT_SQL.format(schema=SCHEMA))
        p_bytes = _copy(conn, source_data.METRIC_SQL.format(schema=SCHEMA))
        names = {"sep": "\t", "header": None}
        a = pd.read_csv(io.BytesIO(a_bytes), names=["user_id", "variant", "exposed_at"], **names)
        p = pd.read_csv(io.BytesIO(p_bytes), names=["user_id", "event_at", "value"], **names)
        a["exposed_at"] = pd.to_datetime(a.exposed_at)
        p["event_at"] = pd.to_datetime(p.event_at)
        local = reduce_locally(a, p)
        pull_seconds = time.perf_counter() - started
    _row("pull", pull_seconds, len(a_bytes) + len(p_bytes), len(a) + len(p))
    print(f"  same statistics: {_same(got, expected) and _same(local, expected)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exposures", type=int, default=10_000_000)
    parser.add_argument("--pg-url", default=os.environ.get("HYPOTHESES_TEST_DATABASE_URL"))
    parser.add_argument("--skip-duckdb", action="store_true")
    args = parser.parse_args()
    app = Flask(__name__)
    Babel(app)
    expected = source_data.expected_stats(args.exposures)
    with app.app_context():
        if not args.skip_duckdb:
            bench_duckdb(args.exposures, expected)
        if args.pg_url:
            bench_postgresql(args.pg_url, args.exposures, expected)
        else:
            print("PostgreSQL: skipped (give --pg-url or HYPOTHESES_TEST_DATABASE_URL)")


if __name__ == "__main__":
    main()
