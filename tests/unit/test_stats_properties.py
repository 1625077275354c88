"""Property-based tests of the statistics engine (hypothesis, derandomized)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
import scipy.stats as sps
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stats import (
    StatsInputError,
    adjust_pvalues,
    analyze,
    compare_conversions,
    compare_means,
    probability_to_beat_control,
    sequential_compare_conversions,
    sequential_compare_means,
    srm_check,
    summary_from_sums,
)
from stats._cli_text import verdict, verdict_sentence

STATS_SETTINGS = settings(
    derandomize=True, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
SLOW_SETTINGS = settings(
    derandomize=True, max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def conversion_arm(draw: Any, max_visitors: int = 10**7) -> tuple[int, int]:
    visitors = draw(st.integers(1, max_visitors))
    return visitors, draw(st.integers(0, visitors))


@st.composite
def mean_arm(draw: Any) -> tuple[int, float, float]:
    n = draw(st.integers(2, 10**6))
    mean = draw(st.floats(-1e6, 1e6, allow_nan=False))
    sd = draw(st.floats(0, 1e5, allow_nan=False))
    return n, mean, sd


ALPHAS = st.sampled_from([0.01, 0.05, 0.1, 0.2])
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=3),
    st.floats(),
    st.integers(-(10**12), 10**12),
    st.lists(st.integers(), max_size=3),
)


def _close(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


@STATS_SETTINGS
@given(conversion_arm(), conversion_arm(), ALPHAS)
def test_conversions_p_in_range_symmetric_and_ci_contains_estimate(
    a: Any, b: Any, alpha: float
) -> None:
    result = compare_conversions(control=a, variant=b, alpha=alpha)
    swapped = compare_conversions(control=b, variant=a, alpha=alpha)
    assert 0.0 <= result.p_value <= 1.0
    assert _close(result.p_value, swapped.p_value)
    assert result.method == swapped.method
    low, high = result.abs_ci
    assert low <= result.abs_diff <= high
    if result.rel_ci is not None:
        assert result.rel_lift is not None
        assert result.rel_ci[0] <= result.rel_lift * (1 + 1e-12) + 1e-12
        assert result.rel_lift <= result.rel_ci[1] * (1 + 1e-12) + 1e-12
    assert result.significant == (result.p_value < alpha)
    json.dumps(result.to_dict(), allow_nan=False)


@STATS_SETTINGS
@given(conversion_arm(), conversion_arm())
def test_z_squared_equals_uncorrected_chi_square(a: Any, b: Any) -> None:
    result = compare_conversions(control=a, variant=b)
    assume(result.method == "z-test")
    table = [[a[1], a[0] - a[1]], [b[1], b[0] - b[1]]]
    chi = sps.chi2_contingency(table, correction=False)
    assert result.statistic is not None
    assert _close(result.statistic**2, chi.statistic, rel=1e-8, abs_=1e-10)
    assert _close(result.p_value, chi.pvalue, rel=1e-6, abs_=1e-300)


@STATS_SETTINGS
@given(conversion_arm(max_visitors=10**6), ALPHAS)
def test_identical_conversion_arms_give_p_near_one(arm: Any, alpha: float) -> None:
    result = compare_conversions(control=arm, variant=arm, alpha=alpha)
    assert result.p_value > 0.999
    assert result.abs_diff == 0 and not result.significant


@STATS_SETTINGS
@given(mean_arm(), mean_arm(), ALPHAS)
def test_means_match_scipy_and_are_symmetric(a: Any, b: Any, alpha: float) -> None:
    assume(a[2] > 0 or b[2] > 0)
    try:
        result = compare_means(control=a, variant=b, alpha=alpha)
    except StatsInputError:
        # Inputs so extreme that the statistic overflows are refused, in either order.
        with pytest.raises(StatsInputError):
            compare_means(control=b, variant=a, alpha=alpha)
        return
    swapped = compare_means(control=b, variant=a, alpha=alpha)
    oracle = sps.ttest_ind_from_stats(b[1], b[2], b[0], a[1], a[2], a[0], equal_var=False)
    assert 0.0 <= result.p_value <= 1.0
    underflows = any(sd > 0 and (sd * sd) / n == 0 for n, _, sd in (a, b))
    if math.isfinite(oracle.pvalue) and not underflows:  # SciPy squares the sds: 0/0
        assert _close(result.p_value, oracle.pvalue, rel=1e-7, abs_=1e-12)
    assert _close(result.p_value, swapped.p_value)
    assert result.abs_ci[0] <= result.abs_diff <= result.abs_ci[1]
    if result.rel_ci is not None:
        assert result.rel_ci[0] <= result.rel_lift <= result.rel_ci[1]  # type: ignore[operator]
    assert result.dof is not None and result.dof >= min(a[0], b[0]) - 1 - 1e-6


@STATS_SETTINGS
@given(mean_arm())
def test_identical_mean_arms_give_p_one(arm: Any) -> None:
    assume(arm[2] > 0)
    assert compare_means(control=arm, variant=arm).p_value == 1.0


@STATS_SETTINGS
@given(JUNK, JUNK, JUNK, JUNK, JUNK)
def test_only_stats_input_error_escapes(v1: Any, c1: Any, v2: Any, c2: Any, alpha: Any) -> None:
    calls = [
        lambda: compare_conversions(control=(v1, c1), variant=(v2, c2), alpha=alpha),
        lambda: compare_conversions(control=v1, variant=(v2, c2)),
        lambda: compare_means(control=(v1, c1, v2), variant=(c2, v1, c1), alpha=alpha),
        lambda: sequential_compare_conversions(
            control=(v1, c1), variant=(v2, c2), planned_per_variant=alpha
        ),
        lambda: sequential_compare_means(
            control=(v1, c1, v2), variant=(c2, v1, c1), planned_per_variant=alpha
        ),
        lambda: probability_to_beat_control(control=(v1, c1), variant=(v2, c2)),
        lambda: srm_check(observed=[v1, c1], planned_split=[v2, c2]),
        lambda: adjust_pvalues([v1, c1], method="holm"),
        lambda: summary_from_sums(v1, c1, v2),
        lambda: analyze(
            metric_kind="conversion", variants=[("A", (v1, c1)), ("B", (v2, c2))], alpha=alpha
        ),
    ]
    for call in calls:
        try:
            result = call()
        except StatsInputError:
            continue
        payload = (
            result
            if isinstance(result, list)
            else (result._asdict() if hasattr(result, "_asdict") else result.to_dict())
        )
        json.dumps(payload, allow_nan=False)  # never NaN or infinity


@STATS_SETTINGS
@given(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(),
    st.floats(),
    st.floats(),
    st.integers(-5, 10**9),
    st.integers(-5, 10**9),
)
def test_extreme_means_raise_only_stats_input_error(
    m1: float, s1: float, m2: float, s2: float, n1: int, n2: int
) -> None:
    try:
        result = compare_means(control=(n1, m1, s1), variant=(n2, m2, s2))
    except StatsInputError:
        return
    json.dumps(result.to_dict(), allow_nan=False)


@STATS_SETTINGS
@given(st.lists(st.floats(0, 1), min_size=1, max_size=8))
def test_adjusted_p_values_match_definitions(p_values: list[float]) -> None:
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    holm = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        holm[i] = running
    bh = [0.0] * m
    running = 1.0
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        running = min(running, m / (rank + 1) * p_values[i])
        bh[i] = min(1.0, running)
    got_holm, got_bh = adjust_pvalues(p_values, "holm"), adjust_pvalues(p_values, "bh")
    for p, h, b, eh, eb in zip(p_values, got_holm, got_bh, holm, bh, strict=True):
        assert _close(h, eh) and _close(b, eb)
        assert p <= b * (1 + 1e-12) <= h * (1 + 1e-12) + 1e-15 and h <= 1


@STATS_SETTINGS
@given(st.lists(st.tuples(st.integers(0, 10**6), st.floats(0.01, 10)), min_size=2, max_size=6))
def test_srm_matches_scipy_chisquare(groups: list[tuple[int, float]]) -> None:
    observed = [o for o, _ in groups]
    weights = [w for _, w in groups]
    assume(sum(observed) > 0)
    result = srm_check(observed=observed, planned_split=weights)
    expected = np.array(weights) / sum(weights) * sum(observed)
    oracle = sps.chisquare(observed, expected)
    assert 0.0 <= result.p_value <= 1.0
    assert _close(result.p_value, oracle.pvalue, rel=1e-7, abs_=1e-300)
    assert result.mismatch == (result.p_value < 0.001)


@STATS_SETTINGS
@given(conversion_arm(), conversion_arm(), ALPHAS, st.integers(1, 10**7))
def test_sequential_conversions_consistent(a: Any, b: Any, alpha: float, planned: int) -> None:
    seq = sequential_compare_conversions(
        control=a, variant=b, alpha=alpha, planned_per_variant=planned
    )
    fixed = compare_conversions(control=a, variant=b, alpha=alpha)
    assert 0.0 <= seq.p_value <= 1.0
    low, high = seq.abs_ci
    assert low <= seq.abs_diff <= high
    # always-valid p < alpha exactly when the (1 − alpha) sequence excludes zero
    if not (abs(low) < 1e-12 or abs(high) < 1e-12):
        assert (seq.p_value < alpha) == (low > 0 or high < 0)
    # the sequence is never narrower than the fixed-horizon Wald interval
    assert low <= fixed.abs_ci[0] + 1e-12 and high >= fixed.abs_ci[1] - 1e-12
    assert seq.planned_total == 2 * planned and seq.observed_total == a[0] + b[0]


@STATS_SETTINGS
@given(mean_arm(), mean_arm(), ALPHAS, st.integers(2, 10**7))
def test_sequential_means_consistent(a: Any, b: Any, alpha: float, planned: int) -> None:
    assume(a[2] > 0 or b[2] > 0)
    try:
        seq = sequential_compare_means(
            control=a, variant=b, alpha=alpha, planned_per_variant=planned
        )
    except StatsInputError as error:  # e.g. a subnormal sd: refused, never a wrong number
        assert "too extreme" in str(error)
        return
    low, high = seq.abs_ci
    assert 0.0 <= seq.p_value <= 1.0 and low <= seq.abs_diff <= high
    if seq.rel_ci is not None and seq.rel_lift is not None:
        assert seq.rel_ci[0] <= seq.rel_lift <= seq.rel_ci[1]
    if not (
        abs(low) < 1e-9 * abs(seq.abs_diff) + 1e-300
        or abs(high) < 1e-9 * abs(seq.abs_diff) + 1e-300
    ):
        assert (seq.p_value < alpha) == (low > 0 or high < 0)


@SLOW_SETTINGS
@given(conversion_arm(), conversion_arm())
def test_bayes_is_a_probability_and_losses_are_consistent(a: Any, b: Any) -> None:
    forward = probability_to_beat_control(control=a, variant=b)
    backward = probability_to_beat_control(control=b, variant=a)
    assert 0.0 <= forward.probability <= 1.0
    assert _close(forward.probability + backward.probability, 1.0, abs_=1e-12)
    assert forward.expected_loss >= 0 and backward.expected_loss >= 0
    # E[(A − B)⁺] − E[(B − A)⁺] = E[A] − E[B] for the Beta posteriors
    mean_a = (1 + a[1]) / (2 + a[0])
    mean_b = (1 + b[1]) / (2 + b[0])
    assert _close(
        forward.expected_loss - backward.expected_loss, mean_a - mean_b, rel=1e-9, abs_=1e-13
    )


@SLOW_SETTINGS
@given(conversion_arm(max_visitors=10**6))
def test_bayes_identical_arms_give_one_half(arm: Any) -> None:
    result = probability_to_beat_control(control=arm, variant=arm)
    assert _close(result.probability, 0.5, abs_=1e-12)


@STATS_SETTINGS
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=200))
def test_summary_from_sums_matches_numpy(values: list[float]) -> None:
    data = np.array(values)
    summary = summary_from_sums(len(data), float(data.sum()), float((data**2).sum()))
    assert _close(summary.mean, float(data.mean()), rel=1e-9, abs_=1e-6)
    # the sums formula cancels: compare against its own conditioning, not machine precision
    tolerance = 1e-6 * math.sqrt(float((data**2).sum()) / (len(data) - 1))
    assert abs(summary.sd - float(data.std(ddof=1))) <= tolerance + 1e-9


@SLOW_SETTINGS
@given(st.sampled_from(["conversion", "continuous"]), st.integers(2, 6), st.data())
def test_analyze_serializes_and_round_trips(kind: str, arms: int, data: Any) -> None:
    strategy = conversion_arm(max_visitors=10**5) if kind == "conversion" else mean_arm()
    numbers = [data.draw(strategy) for _ in range(arms)]
    assume(kind == "conversion" or all(n[2] > 0 for n in numbers))
    planned = data.draw(st.one_of(st.none(), st.integers(1, 10**5)))
    final = data.draw(st.booleans())
    result = analyze(
        metric_kind=kind,
        variants=[(f"V{i}", n) for i, n in enumerate(numbers)],
        planned_per_variant=planned,
        final=final,
    )
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert type(result).from_dict(json.loads(text)) == result
    assert len(result.comparisons) == arms - 1
    for c in result.comparisons:
        assert c.p_value <= c.adjusted_p_value <= 1
        assert c.significant == (c.adjusted_p_value < result.alpha)
        assert (c.sequential is not None) == result.early_look
        sentence = verdict_sentence(result, c)
        assert sentence in verdict(result) and f"variant {c.variant}".lower() in sentence.lower()
        assert c.verdict_code.removeprefix("early_") in (
            "significant_up",
            "significant_down",
            "not_significant",
        )
