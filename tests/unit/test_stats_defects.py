"""Defects found by the audit of issue 10, each pinned by a test."""

from __future__ import annotations

import time

import pytest

from stats import (
    StatsInputError,
    compare_conversions,
    probability_to_beat_control,
    sequential_compare_conversions,
    srm_check,
)


def _timed(call: object) -> float:
    start = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - start


def test_zero_unpooled_variance_is_not_significant() -> None:
    result = sequential_compare_conversions(
        control=(3, 0), variant=(2, 2), planned_per_variant=10000
    )
    assert result.p_value > 0.5 and not result.significant


@pytest.mark.parametrize(
    ("control", "variant"),
    [
        ((10**10, 1), (10**10, 3)),
        ((10**12, 1), (10**12, 3)),
        ((10**12 - 1, 4), (10**12, 0)),
        ((10, 10), (10**12, 0)),
        ((10**6, 2), (10**12, 10**6)),
    ],
)
def test_fisher_region_is_fast_for_huge_counts(control: tuple, variant: tuple) -> None:
    compare_conversions(control=control, variant=variant)  # warm up
    elapsed = min(
        _timed(lambda: compare_conversions(control=control, variant=variant)) for _ in range(3)
    )
    result = compare_conversions(control=control, variant=variant)
    assert result.method == "fisher" and 0 <= result.p_value <= 1
    assert elapsed < 0.05


def test_fisher_matches_the_exact_value_for_huge_counts() -> None:
    # 1 vs 3 conversions out of equal arms: the conditional distribution is Binomial(4, 1/2)
    # up to O(1/N); two-sided p = P(X ≠ 2) = 10/16
    result = compare_conversions(control=(10**12, 1), variant=(10**12, 3))
    assert result.p_value == pytest.approx(0.625, rel=1e-9)


def test_bayes_with_huge_counts_is_bounded_in_time() -> None:
    args = {"control": (10**12, 10**10), "variant": (10**12, 10**10 + 10**5)}
    probability_to_beat_control(**args)
    elapsed = min(_timed(lambda: probability_to_beat_control(**args)) for _ in range(3))
    assert elapsed < 0.05


def test_srm_with_huge_weights_does_not_overflow() -> None:
    result = srm_check(observed=[1000, 1010], planned_split=[1e308, 1e308])
    assert not result.mismatch and result.expected == (1005.0, 1005.0)
    tilted = srm_check(observed=[1000, 1010], planned_split=[1.7e308, 1e308])
    assert tilted.mismatch


def test_srm_with_a_vanishing_weight_is_refused_not_divided_by_zero() -> None:
    with pytest.raises(StatsInputError):
        srm_check(observed=[10, 10], planned_split=[5e-324, 1e308])
