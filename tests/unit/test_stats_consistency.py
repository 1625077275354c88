"""100,000 seeded random inputs: an interval and its significance call never disagree, no
result holds NaN or infinity, and no exception but StatsInputError escapes.

Inputs are drawn (seeded NumPy) to crowd the decision boundary (p near α) as well as the
extremes: zero and all-converted arms, counts up to 10¹², means from 1e-300 to 1e300 and
zero standard deviations.
"""

from __future__ import annotations

import json
import math

import numpy as np

from stats import StatsInputError, analyze, compare_conversions, compare_means

ALPHAS = np.array([0.01, 0.05, 0.1, 0.2])
CONVERSION_INPUTS = 20_000
MEAN_INPUTS = 80_000
ANALYZE_INPUTS = 600


def _excludes_zero(interval: tuple[float, float] | None) -> bool:
    return interval is not None and (interval[0] > 0 or interval[1] < 0)


def _finite(payload: object) -> None:
    json.dumps(payload, allow_nan=False)  # raises on NaN or ±inf


def _conversion_inputs(rng: np.random.Generator, size: int) -> np.ndarray:
    visitors = np.floor(10 ** rng.uniform(0, 7, size=(size, 2))).astype(np.int64)
    big = rng.random(size) < 0.02
    visitors[big] = np.floor(10 ** rng.uniform(9, 12, size=(int(big.sum()), 2))).astype(np.int64)
    rate = 10 ** rng.uniform(-4, 0, size=size)
    # the variant's rate near the control's so that many p-values land near alpha
    lift = 1 + rng.normal(0, 1, size=size) * 3 / np.sqrt(np.maximum(visitors[:, 0] * rate, 1))
    rates = np.stack([rate, np.clip(rate * lift, 0, 1)], axis=1)
    conversions = np.minimum(
        rng.binomial(np.minimum(visitors, 2**62), np.clip(rates, 0, 1)), visitors
    )
    edge = rng.random(size)
    conversions[edge < 0.03, 0] = 0
    conversions[(edge > 0.97), 1] = visitors[edge > 0.97, 1]
    alpha = rng.choice(ALPHAS, size=size)
    return np.column_stack(
        [visitors[:, 0], conversions[:, 0], visitors[:, 1], conversions[:, 1], alpha]
    )


def test_conversion_intervals_agree_with_significance() -> None:
    rng = np.random.default_rng(20260601)
    checked = refused = 0
    for v0, x0, v1, x1, alpha in _conversion_inputs(rng, CONVERSION_INPUTS).tolist():
        try:
            result = compare_conversions(
                control=(int(v0), int(x0)), variant=(int(v1), int(x1)), alpha=alpha
            )
        except StatsInputError:
            refused += 1
            continue
        checked += 1
        _finite(result.to_dict())
        assert 0 <= result.p_value <= 1
        if result.method == "z-test":
            assert _excludes_zero(result.abs_ci) == result.significant, result
            if result.rel_ci is not None:
                assert _excludes_zero(result.rel_ci) == result.significant, result
        else:
            agrees = _excludes_zero(result.abs_ci) == result.significant and (
                result.rel_ci is None or _excludes_zero(result.rel_ci) == result.significant
            )
            assert result.interval_agrees == agrees
    assert checked > 0.99 * CONVERSION_INPUTS and refused < 0.01 * CONVERSION_INPUTS


def test_mean_intervals_agree_with_significance() -> None:
    rng = np.random.default_rng(20260602)
    size = MEAN_INPUTS
    n = np.floor(10 ** rng.uniform(np.log10(2), 7, size=(size, 2))).astype(np.int64)
    scale = 10 ** rng.uniform(-300, 300, size=size)
    ordinary = rng.random(size) < 0.7
    scale[ordinary] = 10 ** rng.uniform(-3, 6, size=int(ordinary.sum()))
    sd = scale[:, None] * rng.uniform(0, 3, size=(size, 2))
    sd[rng.random(size) < 0.05, 0] = 0.0
    mean_a = scale * rng.normal(0, 2, size=size)
    se = np.hypot(sd[:, 0] / np.sqrt(n[:, 0]), sd[:, 1] / np.sqrt(n[:, 1]))
    mean_b = mean_a + se * rng.normal(0, 2.5, size=size)
    alpha = rng.choice(ALPHAS, size=size)
    checked = 0
    for row in zip(n[:, 0], mean_a, sd[:, 0], n[:, 1], mean_b, sd[:, 1], alpha, strict=True):
        na, ma, sa, nb, mb, sb, a = (float(x) for x in row)
        try:
            result = compare_means(control=(int(na), ma, sa), variant=(int(nb), mb, sb), alpha=a)
        except StatsInputError:
            continue
        checked += 1
        _finite(result.to_dict())
        assert _excludes_zero(result.abs_ci) == result.significant, result
        if result.rel_ci is not None:
            assert _excludes_zero(result.rel_ci) == result.significant, result
            assert result.rel_ci[0] <= result.rel_lift <= result.rel_ci[1]  # type: ignore[operator]
    assert checked > 0.95 * size


def test_analyze_verdicts_state_agreeing_intervals() -> None:
    rng = np.random.default_rng(20260603)
    rows = _conversion_inputs(rng, ANALYZE_INPUTS)
    for i, (v0, x0, v1, x1, alpha) in enumerate(rows.tolist()):
        looks = None if i % 3 else [max(1, int(min(v0, v1)) // 2)]
        method = ("always-valid", "obrien-fleming", "pocock")[i % 3]
        try:
            result = analyze(
                metric_kind="conversion",
                variants=[("A", (int(v0), int(x0))), ("B", (int(v1), int(x1)))],
                alpha=alpha,
                planned_per_variant=int(max(v0, v1)) + (i % 2) * 1000,
                looks=looks,
                early_look_method=method,
            )
        except StatsInputError:
            continue
        _finite(result.to_dict())
        comparison = result.comparisons[0]
        data = comparison.verdict_data
        assert data is not None
        significant = comparison.verdict_code.endswith(("_up", "_down"))
        if data["ci"] is not None:
            assert _excludes_zero(tuple(data["ci"])) == significant, comparison  # type: ignore[arg-type]
        assert (data["p_value"] < result.alpha) == significant
        assert math.isfinite(data["p_value"])
