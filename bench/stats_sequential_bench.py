"""Early looks at scale: false-positive rate and power of each early-look method.

    .venv/bin/python bench/stats_sequential_bench.py [--tests 100000]

Conversion tests (10% baseline) with looks equally spaced up to the planned sample. For the
group-sequential methods the decision at each look is |pooled z| ≥ the engine's bound for
the looks so far; for the always-valid method it is the engine's always-valid p < α; the
fixed test is the single z-test at the planned sample. Power is for the designed effect
(+20% relative, 80% power by sample_size_conversions). A sample of tests is also replayed
through analyze() to confirm it takes the same decisions ("the whole product flow").
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stats import analyze, group_sequential_bounds, sample_size_conversions  # noqa: E402

ALPHA = 0.05


def always_valid_reject(z: np.ndarray, sizes: np.ndarray, planned: int) -> np.ndarray:
    log_alpha = math.log(ALPHA)
    rho2 = (-2 * log_alpha + math.log(1 - 2 * log_alpha)) / (2 * planned)
    v = 2 * sizes * rho2
    log_p = 0.5 * np.log1p(v) - z * z * v / (2 * (v + 1))
    return (np.minimum(log_p, 0) < log_alpha).any(axis=1)


def run(tests: int, looks: int, rates: tuple[float, float], planned: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    sizes = np.array([round(planned * (k + 1) / looks) for k in range(looks)])
    steps = np.diff(sizes, prepend=0)
    conv = np.stack([np.cumsum(rng.binomial(steps, r, size=(tests, looks)), axis=1) for r in rates])
    pooled = conv.sum(axis=0) / (2 * sizes)
    se = np.sqrt(pooled * (1 - pooled) * 2 / sizes)
    z = np.divide((conv[1] - conv[0]) / sizes, se, out=np.zeros(se.shape), where=se > 0)
    out = {"fixed": float((np.abs(z[:, -1]) >= 1.959963984540054).mean())}
    for spending in ("obrien-fleming", "pocock"):
        bounds = np.array(
            group_sequential_bounds(
                information_fractions=list(sizes / planned), alpha=ALPHA, spending=spending
            ).z_bounds
        )
        out[spending] = float((np.abs(z) >= bounds).any(axis=1).mean())
    out["always-valid"] = float(always_valid_reject(z, sizes, planned).mean())
    return out


def replay(looks: int, planned: int, seed: int, tests: int = 200) -> tuple[int, int]:
    """Run tests look by look through analyze(); return (rejections, tests)."""
    rng = np.random.default_rng(seed)
    sizes = [round(planned * (k + 1) / looks) for k in range(looks)]
    rejected = 0
    for _ in range(tests):
        a = b = 0
        previous = 0
        for k, n in enumerate(sizes):
            a += int(rng.binomial(n - previous, 0.1))
            b += int(rng.binomial(n - previous, 0.1))
            previous = n
            result = analyze(
                metric_kind="conversion",
                variants=[("A", (n, a)), ("B", (n, b))],
                planned_per_variant=planned,
                looks=sizes[:k],
                early_look_method="obrien-fleming",
            )
            if result.comparisons[0].verdict_code.endswith(("_up", "_down")):
                rejected += 1
                break
    return rejected, tests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tests", type=int, default=100_000)
    args = parser.parse_args()
    planned = sample_size_conversions(baseline=0.1, mde=0.2, alpha=ALPHA, power=0.8)
    print(f"alpha {ALPHA}, planned {planned:,} per arm, {args.tests:,} simulated tests each")
    header = f"{'looks':>5}  {'method':<15} {'false positives':>15} {'power':>7} {'loss':>6}"
    print(header)
    for looks in (5, 20):
        start = time.perf_counter()
        null = run(args.tests, looks, (0.1, 0.1), planned, seed=looks)
        alt = run(args.tests, looks, (0.1, 0.12), planned, seed=1000 + looks)
        for method in ("fixed", "obrien-fleming", "pocock", "always-valid"):
            loss = alt["fixed"] - alt[method]
            print(
                f"{looks:>5}  {method:<15} {null[method]:>15.4f} {alt[method]:>7.3f} "
                f"{100 * loss:>5.1f}p"
            )
        print(f"       ({time.perf_counter() - start:.1f} s)")
    rejected, tests = replay(5, 2000, seed=7)
    print(
        f"through analyze(): {rejected}/{tests} A/A tests rejected over 5 looks (O'Brien-Fleming)"
    )


if __name__ == "__main__":
    main()
