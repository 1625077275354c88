"""Speed of the statistics engine: analyze() for a 3-arm test (Bayesian view included) and
`import stats` in a fresh process.

    .venv/bin/python bench/stats_speed_bench.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import stats  # noqa: E402

CASES = {
    "conversion, 3 arms, 10k each": (
        "conversion",
        [("A", (10_000, 500)), ("B", (10_000, 540)), ("C", (10_000, 560))],
    ),
    "conversion, 3 arms, 1M each": (
        "conversion",
        [("A", (1_000_000, 31_000)), ("B", (1_000_000, 31_400)), ("C", (1_000_000, 30_900))],
    ),
    "continuous, 3 arms": (
        "continuous",
        [("A", (5000, 20.0, 9.0)), ("B", (5000, 20.4, 9.2)), ("C", (5000, 19.9, 8.8))],
    ),
}


def median_ms(call, repeat: int = 400) -> float:  # type: ignore[no-untyped-def]
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


# the inputs that cost the Bayesian view most (quadrature with huge shapes; goal: < 50 ms)
HUGE = [
    ((10**12, 5 * 10**11), (10**12, 5 * 10**11 + 1)),
    ((10**12, 10**11), (10**12, 10**11 + 10**6)),
    ((10**10, 10**9), (10**9, 10**8)),
    ((82_624_853_879, 55_586_418), (148_798_832_652, 99_835_497)),
    ((10**12, 10**12 - 5), (10**12, 10**12 - 9)),
    ((10**12, 1), (10**12, 3)),
    ((10**9, 10**8), (10**9, 10**8 + 50_000)),
]


def worst_bayes_ms() -> float:
    """Return the slowest median time over the HUGE inputs."""
    return max(
        median_ms(
            lambda c=c, v=v: stats.probability_to_beat_control(
                control=stats.ConversionCounts(*c), variant=stats.ConversionCounts(*v)
            ),
            repeat=15,
        )
        for c, v in HUGE
    )


def import_seconds(runs: int = 7) -> tuple[float, float]:
    """Return (median, best) wall time of `import stats` in fresh interpreters."""
    code = "import time; t = time.perf_counter(); import stats; print(time.perf_counter() - t)"
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(times), min(times)


def main() -> None:
    for label, (kind, variants) in CASES.items():
        ms = median_ms(
            lambda kind=kind, variants=variants: stats.analyze(metric_kind=kind, variants=variants)
        )
        print(f"analyze, {label}: {ms:.3f} ms median")
    looks = median_ms(
        lambda: stats.analyze(
            metric_kind="conversion",
            variants=CASES["conversion, 3 arms, 10k each"][1],
            planned_per_variant=25_000,
            looks=[2_000, 4_000, 6_000, 8_000],
            early_look_method="obrien-fleming",
        ),
        repeat=100,
    )
    print(f"analyze, conversion 3 arms at look 5 (O'Brien-Fleming): {looks:.3f} ms median")
    worst = worst_bayes_ms()
    print(f"probability_to_beat_control, slowest of {len(HUGE)} inputs up to 10^12: {worst:.2f} ms")
    median, best = import_seconds()
    print(f"import stats: {median:.3f} s median, {best:.3f} s best (fresh processes)")


if __name__ == "__main__":
    main()
