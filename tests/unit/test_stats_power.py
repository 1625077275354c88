"""Sample size and duration planning beyond the reference cases."""

from __future__ import annotations

import math

from scipy.stats import norm

from stats import sample_size_conversions, sample_size_means, test_duration_days


def test_absolute_mde_equals_the_same_relative_mde() -> None:
    relative = sample_size_conversions(baseline=0.1, mde=0.2)
    absolute = sample_size_conversions(baseline=0.1, mde=0.02, relative=False)
    assert relative == absolute == 3841


def test_a_decrease_uses_the_same_formula() -> None:
    # p1 = 0.1, p2 = 0.08, p̄ = 0.09: (1.959964·√0.1638 + 0.841621·√0.1636)² / 0.02²
    # = (0.793241 + 0.340415)² / 0.0004 = 3212.94 → 3213
    assert sample_size_conversions(baseline=0.1, mde=-0.2) == 3213


def test_sample_size_means_formula() -> None:
    z = norm.isf(0.025) + norm.ppf(0.9)
    assert sample_size_means(sd=10, mde=2, power=0.9) == math.ceil(2 * z**2 * 25)
    assert sample_size_means(sd=10, mde=-2, power=0.9) == sample_size_means(sd=10, mde=2, power=0.9)


def test_duration_rounds_up_whole_days() -> None:
    assert test_duration_days(per_variant=3841, variants=2, daily_visitors=1000) == 8
    assert test_duration_days(per_variant=1000, variants=3, daily_visitors=1000) == 3
    assert test_duration_days(per_variant=1, variants=2, daily_visitors=10**6) == 1
    assert test_duration_days(per_variant=500, variants=4, daily_visitors=333.5) == 6
