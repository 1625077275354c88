"""Benchmark: reduce a per-user CSV with stats.reduce_per_user_csv + analyze, against pandas
(read_csv + groupby + the same analyze), on the same generated file, in one run.

    python bench/stats_bench.py                 # 10,000,000 rows
    python bench/stats_bench.py --rows 1000000  # smaller
    python bench/stats_bench.py --file users.csv

Each route runs in its own subprocess, so peak memory (VmHWM, i.e. peak resident set
size, interpreter and imports included) is measured per route. Needs numpy, pyarrow and
pandas (pandas only for the comparison route).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
COLUMNS = {"variant_column": "variant", "conversion_column": "converted", "value_column": "revenue"}


def generate(path: Path, rows: int, seed: int = 20260301) -> None:
    """Write rows users (variant A/B, converted 0/1, revenue) in 1M-row chunks."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    names = pa.array(["A", "B"])
    with path.open("wb") as handle:
        handle.write(b"variant,converted,revenue\n")
        for start in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - start)
            arm = rng.integers(0, 2, n).astype(np.int8)
            converted = (rng.random(n) < np.where(arm == 0, 0.050, 0.053)).astype(np.int8)
            revenue = np.where(converted == 1, np.round(rng.lognormal(3.0, 1.0, n), 2), 0.0)
            table = pa.table(
                {
                    "variant": pa.DictionaryArray.from_arrays(pa.array(arm), names),
                    "converted": converted,
                    "revenue": revenue,
                }
            )
            pacsv.write_csv(
                table,
                handle,
                write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"),
            )


def _peak_kib() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def route_stats(path: str, engine: str) -> dict[str, Any]:
    """Time the streaming reducer and analyze; return the per-arm numbers."""
    started = time.perf_counter()
    import stats

    if engine == "pyarrow":
        import stats._arrowcsv  # noqa: F401  (loads pyarrow before the clock starts)
    imported = time.perf_counter()
    summary = stats.reduce_per_user_csv(path, engine=engine, **COLUMNS)
    conversion = stats.analyze(metric_kind="conversion", variants=summary.conversion_inputs())
    value = stats.analyze(metric_kind="continuous", variants=summary.mean_inputs())
    done = time.perf_counter()
    return {
        "import_s": imported - started,
        "seconds": done - imported,
        "arms": [[v.name, v.n, v.conversions, v.value_mean, v.value_sd] for v in summary.variants],
        "verdicts": [conversion.verdict, value.verdict],
        "engine": summary.engine,
    }


def route_pandas(path: str) -> dict[str, Any]:
    """Time pandas read_csv + groupby and the same analyze; return the per-arm numbers."""
    started = time.perf_counter()
    import pandas as pd

    import stats

    imported = time.perf_counter()
    frame = pd.read_csv(path)
    grouped = frame.groupby("variant").agg(
        n=("converted", "size"),
        conversions=("converted", "sum"),
        mean=("revenue", "mean"),
        sd=("revenue", "std"),
    )
    rows = [
        (str(name), int(r["n"]), int(r["conversions"]), float(r["mean"]), float(r["sd"]))
        for name, r in grouped.iterrows()
    ]
    conversion = stats.analyze(
        metric_kind="conversion", variants=[(name, (n, c)) for name, n, c, _, _ in rows]
    )
    value = stats.analyze(
        metric_kind="continuous", variants=[(name, (n, m, s)) for name, n, _, m, s in rows]
    )
    done = time.perf_counter()
    return {
        "import_s": imported - started,
        "seconds": done - imported,
        "arms": [list(r) for r in rows],
        "verdicts": [conversion.verdict, value.verdict],
        "engine": f"pandas {pd.__version__}",
    }


def _run_route(route: str, path: Path, engine: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, __file__, "--route", route, "--engine", engine, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"route {route} failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    times = sorted(r["seconds"] for r in runs)
    middle = len(times) // 2
    median = times[middle] if len(times) % 2 else (times[middle - 1] + times[middle]) / 2
    return {
        **runs[0],
        "median": median,
        "best": times[0],
        "peak_kib": max(r["peak_kib"] for r in runs),
        "import_s": min(r["import_s"] for r in runs),
    }


def _agree(a: list[list[Any]], b: list[list[Any]]) -> bool:
    by_name = {row[0]: row for row in b}
    for name, n, conversions, mean, sd in a:
        other = by_name.get(name)
        if other is None or other[1:3] != [n, conversions]:
            return False
        if abs(other[3] - mean) > 1e-9 * abs(mean) or abs(other[4] - sd) > 1e-9 * sd:
            return False
    return len(a) == len(b)


def main() -> int:
    """Generate the file (unless given), run both routes and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", help="use this per-user CSV instead of generating")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--engine", choices=("pyarrow", "python"), default="pyarrow")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="interleaved runs per route (median and best are shown)",
    )
    parser.add_argument("--route", choices=("stats", "pandas"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.route:  # child process: run one route and print JSON
        result = (
            route_stats(args.file, args.engine)
            if args.route == "stats"
            else route_pandas(args.file)
        )
        result["peak_kib"] = _peak_kib()
        print(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory(prefix="stats-bench-") as tmp:
        path = Path(args.file) if args.file else Path(tmp) / "users.csv"
        if not args.file:
            started = time.perf_counter()
            generate(path, args.rows)
            print(
                f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in "
                f"{time.perf_counter() - started:.1f} s"
            )
        runs: dict[str, list[dict[str, Any]]] = {"stats": [], "pandas": []}
        for _ in range(args.repeat):  # interleaved, so both routes see the same machine load
            for route in runs:
                runs[route].append(_run_route(route, path, args.engine))
        ours, theirs = (_summarise(runs["stats"]), _summarise(runs["pandas"]))
        print(
            f"file: {path.stat().st_size / 1e6:.0f} MB; {args.repeat} interleaved run(s) "
            "per route; median (best) processing time, imports excluded"
        )
        for label, r in (
            ("stats.reduce_per_user_csv + analyze", ours),
            ("pandas read_csv + groupby + analyze", theirs),
        ):
            print(
                f"  {label:<38} {r['median']:6.2f} s ({r['best']:.2f} s)   peak memory "
                f"{r['peak_kib'] / 1024:5.0f} MiB   ({r['engine']}; imports "
                f"{r['import_s']:.2f} s)"
            )
        print(
            f"  ratio: pandas time / stats time = {theirs['median'] / ours['median']:.2f} "
            f"(best {theirs['best'] / ours['best']:.2f}); pandas peak memory / stats peak "
            f"memory = {theirs['peak_kib'] / ours['peak_kib']:.2f}"
        )
        print(f"  same numbers on both routes: {_agree(ours['arms'], theirs['arms'])}")
        print(f"  verdict: {ours['verdicts'][0]}")
        goal = ours["median"] < theirs["median"] and ours["peak_kib"] < 300 * 1024
        print(f"  goal (faster than pandas, peak < 300 MiB): {'met' if goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
