"""Group-sequential early looks: seeded simulations of the false-positive rate with 5 and 20
looks and of the power at the planned sample, plus the bounds' basic promises.

The simulations draw binomial data look by look (NumPy, vectorised) and apply the engine's
own bounds to the pooled z of each look, exactly as ``analyze`` does; a sample of the
simulated tests is also run through ``analyze`` to show it takes the same decisions.
bench/stats_sequential_bench.py runs the same simulation at a larger size.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from stats import (
    EARLY_LOOK_METHODS,
    EARLY_LOOK_PROMISES,
    StatsInputError,
    analyze,
    group_sequential_bounds,
    sample_size_conversions,
)

ALPHA = 0.05


def simulate(
    rng: np.random.Generator,
    *,
    tests: int,
    looks: int,
    planned: int,
    rates: tuple[float, float],
    spending: str = "obrien-fleming",
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Return (rejection rate of the group-sequential test over all looks, rejection rate of
    the single fixed test at the planned sample, per-look sizes, cumulative conversions)."""
    sizes = np.array([round(planned * (k + 1) / looks) for k in range(looks)])
    steps = np.diff(sizes, prepend=0)
    conversions = np.stack(
        [np.cumsum(rng.binomial(steps, rate, size=(tests, looks)), axis=1) for rate in rates]
    )  # (arm, test, look)
    bounds = np.array(
        group_sequential_bounds(
            information_fractions=list(sizes / planned), alpha=ALPHA, spending=spending
        ).z_bounds
    )
    pooled = conversions.sum(axis=0) / (2 * sizes)
    se = np.sqrt(pooled * (1 - pooled) * 2 / sizes)
    diff = (conversions[1] - conversions[0]) / sizes
    z = np.divide(diff, se, out=np.zeros_like(diff), where=se > 0)
    sequential = (np.abs(z) >= bounds).any(axis=1).mean()
    fixed = (np.abs(z[:, -1]) >= 1.959963984540054).mean()
    return float(sequential), float(fixed), sizes, conversions


@pytest.mark.parametrize("looks", [5, 20])
def test_false_positive_rate_stays_at_alpha(looks: int) -> None:
    rng = np.random.default_rng(20260610 + looks)
    tests = 20_000
    fpr, _, _, _ = simulate(rng, tests=tests, looks=looks, planned=4000, rates=(0.1, 0.1))
    se = math.sqrt(ALPHA * (1 - ALPHA) / tests)
    print(f"\n{looks} looks: false-positive rate {fpr:.4f} (alpha {ALPHA}, MC se {se:.4f})")
    assert fpr <= ALPHA + 2 * se  # at alpha within Monte Carlo error (the design spends α)


@pytest.mark.parametrize("looks", [5, 20])
def test_power_loss_at_the_planned_sample_is_small(looks: int) -> None:
    rng = np.random.default_rng(20260620 + looks)
    planned = sample_size_conversions(baseline=0.1, mde=0.2, alpha=ALPHA, power=0.8)
    power, fixed, _, _ = simulate(rng, tests=8_000, looks=looks, planned=planned, rates=(0.1, 0.12))
    print(f"\n{looks} looks: power {power:.3f} against {fixed:.3f} for the single test")
    assert fixed - power <= 0.03


def test_analyze_takes_the_simulated_decisions() -> None:
    """A sample of simulated tests through analyze(): same bound, same decision."""
    rng = np.random.default_rng(20260630)
    planned, looks = 3000, 5
    _, _, sizes, conversions = simulate(
        rng, tests=40, looks=looks, planned=planned, rates=(0.1, 0.115)
    )
    bounds = group_sequential_bounds(information_fractions=list(sizes / planned)).z_bounds
    for test in range(40):
        for k, n in enumerate(sizes.tolist()):
            result = analyze(
                metric_kind="conversion",
                variants=[
                    ("A", (n, int(conversions[0, test, k]))),
                    ("B", (n, int(conversions[1, test, k]))),
                ],
                planned_per_variant=planned,
                looks=sizes[:k].tolist(),
                early_look_method="obrien-fleming",
            )
            comparison = result.comparisons[0]
            seq = comparison.sequential
            if k == 0 and n < planned:
                assert seq is not None
            if seq is not None:
                assert seq.z_bound == pytest.approx(bounds[k], abs=1e-9)
                rate_a, rate_b = conversions[0, test, k] / n, conversions[1, test, k] / n
                pooled = (rate_a + rate_b) / 2
                z = (rate_b - rate_a) / math.sqrt(pooled * (1 - pooled) * 2 / n)
                assert seq.significant == (abs(z) >= bounds[k])
            if comparison.verdict_code.endswith(("_up", "_down")):
                break  # the test stops at its first significant look


def test_five_equal_looks_match_the_textbook_bounds() -> None:
    bounds = group_sequential_bounds(information_fractions=[0.2, 0.4, 0.6, 0.8, 1.0]).z_bounds
    assert [round(b, 3) for b in bounds] == [4.877, 3.357, 2.680, 2.290, 2.031]
    pocock = group_sequential_bounds(
        information_fractions=[0.2, 0.4, 0.6, 0.8, 1.0], spending="pocock"
    )
    assert pocock.cumulative_alpha_spent[-1] == ALPHA
    assert max(pocock.z_bounds) - min(pocock.z_bounds) < 0.2  # about the same bar each look


def test_a_look_past_the_plan_spends_all_that_is_left() -> None:
    result = group_sequential_bounds(information_fractions=[0.5, 1.3])
    assert result.cumulative_alpha_spent[-1] == ALPHA
    single = group_sequential_bounds(information_fractions=[1.0])
    assert single.z_bounds[0] == pytest.approx(1.959963984540054, abs=1e-12)
    stopped = group_sequential_bounds(information_fractions=[0.3, 0.6], spend_all_at_last=True)
    assert stopped.cumulative_alpha_spent[-1] == ALPHA


@pytest.mark.parametrize(
    "fractions", [[], [0.5, 0.5], [0.5, 0.2], [-0.1, 1.0], [float("nan")], "0.5", [0.1] * 200]
)
def test_bad_fractions_are_refused(fractions: object) -> None:
    with pytest.raises(StatsInputError):
        group_sequential_bounds(information_fractions=fractions)  # type: ignore[arg-type]


def test_every_method_has_a_one_sentence_promise() -> None:
    assert set(EARLY_LOOK_PROMISES) == set(EARLY_LOOK_METHODS)
    for promise in EARLY_LOOK_PROMISES.values():
        assert promise.endswith(".") and promise.count(". ") == 0


def test_looks_must_not_exceed_the_current_sample() -> None:
    with pytest.raises(StatsInputError, match="looks"):
        analyze(
            metric_kind="conversion",
            variants=[("A", (100, 5)), ("B", (100, 7))],
            planned_per_variant=1000,
            looks=[200],
            early_look_method="pocock",
        )


def test_metric_name_errors_blame_the_metric_name() -> None:
    with pytest.raises(StatsInputError, match="metric_name"):
        analyze(
            metric_kind="conversion",
            variants=[("A", (100, 5)), ("B", (100, 7))],
            metric_name=5,  # type: ignore[arg-type]
        )
