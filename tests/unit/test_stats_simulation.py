"""Seeded simulations: the false-positive rate of the fixed tests and of the always-valid
sequential method under repeated looks (A/A tests, no true difference)."""

from __future__ import annotations

import numpy as np

from stats import (
    compare_conversions,
    compare_means,
    sequential_compare_conversions,
    sequential_compare_means,
)

ALPHA = 0.05
TESTS = 2000
LOOKS = 5


def test_fixed_conversion_test_false_positive_rate_is_alpha() -> None:
    rng = np.random.default_rng(20260301)
    n = 2000
    control = rng.binomial(n, 0.10, TESTS)
    variant = rng.binomial(n, 0.10, TESTS)
    rejected = sum(
        compare_conversions(control=(n, int(a)), variant=(n, int(b)), alpha=ALPHA).significant
        for a, b in zip(control, variant, strict=True)
    )
    assert 0.035 <= rejected / TESTS <= 0.065


def test_fixed_welch_test_false_positive_rate_is_alpha() -> None:
    rng = np.random.default_rng(20260302)
    n = 40
    # skewed data with unequal variances: Welch should still hold its level
    a = rng.exponential(10.0, size=(TESTS, n))
    b = rng.exponential(10.0, size=(TESTS, n))
    rejected = sum(
        compare_means(
            control=(n, float(x.mean()), float(x.std(ddof=1))),
            variant=(n, float(y.mean()), float(y.std(ddof=1))),
            alpha=ALPHA,
        ).significant
        for x, y in zip(a, b, strict=True)
    )
    assert 0.035 <= rejected / TESTS <= 0.065


def _looks(rng: np.random.Generator, per_look: int, rate: float) -> np.ndarray:
    """Cumulative conversions at each look, shape (TESTS, LOOKS)."""
    return np.cumsum(rng.binomial(per_look, rate, size=(TESTS, LOOKS)), axis=1)


def test_sequential_holds_alpha_over_five_looks_while_fixed_peeking_does_not() -> None:
    rng = np.random.default_rng(20260303)
    planned = 5000
    per_look = planned // LOOKS
    control, variant = _looks(rng, per_look, 0.10), _looks(rng, per_look, 0.10)
    fixed_any = np.zeros(TESTS, dtype=bool)
    sequential_any = np.zeros(TESTS, dtype=bool)
    for look in range(LOOKS):
        n = per_look * (look + 1)
        for i in range(TESTS):
            a, b = (n, int(control[i, look])), (n, int(variant[i, look]))
            fixed_any[i] |= compare_conversions(control=a, variant=b, alpha=ALPHA).significant
            sequential_any[i] |= sequential_compare_conversions(
                control=a, variant=b, planned_per_variant=planned, alpha=ALPHA
            ).significant
    assert fixed_any.mean() > ALPHA + 0.03  # peeking inflates the error (about 0.14)
    assert sequential_any.mean() <= ALPHA


def test_sequential_means_hold_alpha_over_five_looks() -> None:
    rng = np.random.default_rng(20260304)
    planned, per_look = 500, 100
    data = rng.lognormal(3.0, 1.0, size=(2, TESTS, planned))
    fixed_any = np.zeros(TESTS, dtype=bool)
    sequential_any = np.zeros(TESTS, dtype=bool)
    for look in range(1, LOOKS + 1):
        n = per_look * look
        means, sds = data[:, :, :n].mean(axis=2), data[:, :, :n].std(axis=2, ddof=1)
        for i in range(TESTS):
            a = (n, float(means[0, i]), float(sds[0, i]))
            b = (n, float(means[1, i]), float(sds[1, i]))
            fixed_any[i] |= compare_means(control=a, variant=b, alpha=ALPHA).significant
            sequential_any[i] |= sequential_compare_means(
                control=a, variant=b, planned_per_variant=planned, alpha=ALPHA
            ).significant
    assert fixed_any.mean() > ALPHA + 0.03
    assert sequential_any.mean() <= ALPHA


def test_sequential_has_power_at_the_planned_sample() -> None:
    """The always-valid test is not vacuous: a planned-size effect is usually found."""
    rng = np.random.default_rng(20260305)
    planned, tests = 4000, 400
    found = 0
    for _ in range(tests):
        a = (planned, int(rng.binomial(planned, 0.10)))
        b = (planned, int(rng.binomial(planned, 0.13)))
        found += sequential_compare_conversions(
            control=a, variant=b, planned_per_variant=planned
        ).significant
    assert found / tests > 0.6
