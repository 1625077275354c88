"""Benchmark: reduce a per-user file with stats.reduce_per_user_csv against pandas, polars
and DuckDB on the same generated file (CSV and Parquet), side by side in one run.

    python bench/stats_bench.py                  # 10,000,000 rows, 3 runs per route
    python bench/stats_bench.py --rows 1000000   # smaller
    python bench/stats_bench.py --flat           # also: peak memory on a ~1 GB CSV

Every route runs in its own subprocess, one route after the other in turn (the machine's
load falls on all routes alike), and reports its wall time (imports excluded, engine
start-up such as opening a DuckDB connection included, as it is inside ours), its CPU
time and its peak resident memory (VmHWM: interpreter and imports included). The load
average is printed with each table: on a shared machine compare only figures of one run.
The goal printed at the end: ours ≤ 1.0 × the faster of polars and DuckDB, peak memory
≤ 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NAMES = ("control", "variant_b", "variant_c")
COLUMNS = {"variant_column": "variant", "conversion_column": "converted", "value_column": "revenue"}
ROUTES = ("ours", "polars", "duckdb", "pandas")


def generate(path: Path, rows: int, seed: int = 20260301) -> None:
    """Write rows users (3 variants, converted 0/1, revenue) in 1M-row blocks."""
    import numpy as np

    rng = np.random.default_rng(seed)
    names = np.array(NAMES)
    with path.open("w") as handle:
        handle.write("variant,converted,revenue\n")
        for start in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - start)
            arm = rng.integers(0, 3, n)
            converted = (rng.random(n) < 0.05 + 0.003 * arm).astype(np.int8)
            revenue = np.round(rng.lognormal(3.5, 1.2, n), 2)
            handle.write(
                "".join(
                    f"{a},{c},{r}\n"
                    for a, c, r in zip(
                        names[arm].tolist(), converted.tolist(), revenue.tolist(), strict=True
                    )
                )
            )


def to_parquet(csv_path: Path, parquet_path: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{parquet_path}' "
        "(FORMAT parquet, ROW_GROUP_SIZE 1000000)"
    )
    con.close()


def _peak_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def route(name: str, path: str) -> dict[str, Any]:
    """Run one route in this (child) process; return its time and per-arm numbers."""
    parquet = path.endswith(".parquet")
    if name == "ours":
        import duckdb  # noqa: F401  (imported before the clock, as for the others)

        import stats

        started, cpu_started = time.perf_counter(), _cpu_seconds()
        summary = stats.reduce_per_user_csv(path, **COLUMNS)
        arms = [[v.name, v.n, v.conversions, v.value_mean, v.value_sd] for v in summary.variants]
        engine = f"stats ({summary.engine})"
    elif name == "polars":
        import polars as pl

        started, cpu_started = time.perf_counter(), _cpu_seconds()
        frame = pl.scan_parquet(path) if parquet else pl.scan_csv(path)
        out = (
            frame.group_by("variant")
            .agg(
                pl.len().alias("n"),
                pl.col("converted").sum().alias("c"),
                pl.col("revenue").mean().alias("m"),
                pl.col("revenue").std().alias("s"),
            )
            .collect(engine="streaming")
        )
        arms = [[r["variant"], r["n"], r["c"], r["m"], r["s"]] for r in out.iter_rows(named=True)]
        engine = f"polars {pl.__version__}"
    elif name == "duckdb":
        import duckdb

        started, cpu_started = time.perf_counter(), _cpu_seconds()
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        reader = "read_parquet" if parquet else "read_csv"
        rows = con.sql(
            "SELECT variant, count(*), sum(converted), avg(revenue), stddev_samp(revenue) "
            f"FROM {reader}('{path}') GROUP BY variant"
        ).fetchall()
        arms = [list(r) for r in rows]
        engine = f"duckdb {duckdb.__version__}"
    else:
        import pandas as pd

        started, cpu_started = time.perf_counter(), _cpu_seconds()
        frame = pd.read_parquet(path) if parquet else pd.read_csv(path, engine="c")
        grouped = frame.groupby("variant").agg(
            n=("converted", "size"),
            c=("converted", "sum"),
            m=("revenue", "mean"),
            s=("revenue", "std"),
        )
        arms = [[str(k), int(r.n), int(r.c), float(r.m), float(r.s)] for k, r in grouped.iterrows()]
        engine = f"pandas {pd.__version__}"
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_started
    return {
        "seconds": seconds,
        "cpu": cpu,
        "arms": arms,
        "engine": engine,
        "peak_kib": _peak_kib(),
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_route(name: str, path: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, __file__, "--route", name, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def agree(a: list[list[Any]], b: list[list[Any]]) -> bool:
    """Same n and conversions, mean and sd to 1e-9, per arm."""
    other = {str(row[0]): row for row in b}
    for name, n, conversions, mean, sd in a:
        row = other.get(str(name))
        if row is None or [int(row[1]), int(row[2])] != [n, conversions]:
            return False
        if abs(row[3] - mean) > 1e-9 * abs(mean) or abs(row[4] - sd) > 1e-9 * sd:
            return False
    return len(a) == len(b)


def compare(path: Path, repeat: int, routes: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Run the routes in turn, repeat times; print and return median time and peak memory."""
    load_before = _load()
    runs: dict[str, list[dict[str, Any]]] = {r: [] for r in routes}
    for _ in range(repeat):
        for name in routes:
            runs[name].append(run_route(name, path))
    kind = "Parquet" if path.suffix == ".parquet" else "CSV"
    print(
        f"\n{kind}: {path.stat().st_size / 1e6:.0f} MB, {repeat} run(s) per route in turn; "
        f"load average {load_before} (before) → {_load()} (after)"
    )
    summary = {}
    for name in routes:
        errors = [r["error"] for r in runs[name] if "error" in r]
        if errors:
            print(f"  {name:<8} failed: {errors[0]}")
            continue
        times = [r["seconds"] for r in runs[name]]
        cpu = statistics.median(r["cpu"] for r in runs[name])
        peak = max(r["peak_kib"] for r in runs[name]) / 1024
        summary[name] = {**runs[name][0], "median": statistics.median(times), "peak_mib": peak}
        print(
            f"  {name:<8} {statistics.median(times):6.2f} s median "
            f"({', '.join(f'{t:.2f}' for t in times)})   CPU {cpu:5.2f} s   peak {peak:5.0f} MiB "
            f"({peak * 1.048576:.0f} MB)   {runs[name][0]['engine']}"
        )
    if "ours" in summary:
        rivals = [summary[r]["median"] for r in ("polars", "duckdb") if r in summary]
        if rivals:
            ratio = summary["ours"]["median"] / min(rivals)
            peak_mb = summary["ours"]["peak_mib"] * 1.048576
            print(f"  ratio ours ÷ min(polars, duckdb) = {ratio:.2f}")
            ok = ratio <= 1.0 and peak_mb <= 300
            print(f"  goal (ratio ≤ 1.0, peak ≤ 300 MB): {'met' if ok else 'NOT met'}")
        for name in routes:
            if name != "ours" and name in summary:
                same = agree(summary["ours"]["arms"], summary[name]["arms"])
                print(f"  same numbers as {name}: {same}")
    return summary


def flat(path: Path, copies: int) -> None:
    """Peak memory of our reducer on the file and on a file `copies` times as long."""
    big = path.with_name("big.csv")
    with path.open("rb") as source, big.open("wb") as out:
        header = source.readline()
        out.write(header)
        for _ in range(copies):
            source.seek(len(header))
            while block := source.read(1 << 24):
                out.write(block)
    small_run, big_run = run_route("ours", path), run_route("ours", big)
    print(
        f"\nflat memory: {path.stat().st_size / 1e6:.0f} MB file {small_run['peak_kib'] / 1024:.0f}"
        f" MiB peak ({small_run['seconds']:.2f} s); {big.stat().st_size / 1e9:.2f} GB file "
        f"{big_run['peak_kib'] / 1024:.0f} MiB peak ({big_run['seconds']:.2f} s)"
    )
    big.unlink()


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", help="use this per-user CSV instead of generating")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas route")
    parser.add_argument("--no-parquet", action="store_true", help="skip the Parquet file")
    parser.add_argument("--flat", action="store_true", help="also check memory on ~1 GB")
    parser.add_argument("--route", choices=ROUTES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.route:  # child process
        print(json.dumps(route(args.route, args.file)))
        return 0
    routes = tuple(r for r in ROUTES if not (args.no_pandas and r == "pandas"))
    with tempfile.TemporaryDirectory(prefix="stats-bench-") as tmp:
        path = Path(args.file) if args.file else Path(tmp) / "users.csv"
        if not args.file:
            started = time.perf_counter()
            generate(path, args.rows)
            print(
                f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in "
                f"{time.perf_counter() - started:.1f} s; {os.cpu_count()} cores"
            )
        compare(path, args.repeat, routes)
        if not args.no_parquet:
            parquet = Path(tmp) / "users.parquet"
            to_parquet(path, parquet)
            compare(parquet, args.repeat, routes)
        if args.flat:
            flat(path, max(1, round(1e9 / path.stat().st_size)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
