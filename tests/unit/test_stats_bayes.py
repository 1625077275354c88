"""P(variant beats control) and expected loss against exact and high-precision values."""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stats import probability_to_beat_control


@cache
def _factorial(n: int) -> int:
    return math.factorial(n)


def _beta(a: int, b: int) -> Fraction:
    return Fraction(_factorial(a - 1) * _factorial(b - 1), _factorial(a + b - 1))


def _p_greater(a1: int, b1: int, a2: int, b2: int) -> Fraction:
    """Exact P(X2 > X1), X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2): Evan Miller's closed form."""
    return sum(
        (_beta(a1 + i, b1 + b2) / ((b2 + i) * _beta(1 + i, b2) * _beta(a1, b1)) for i in range(a2)),
        Fraction(0),
    )


def exact(control: tuple[int, int], variant: tuple[int, int]) -> tuple[Fraction, Fraction]:
    """Exact P(B > A) and E[(A − B)⁺] for uniform priors, in rational arithmetic."""
    a_a, b_a = 1 + control[1], 1 + control[0] - control[1]
    a_b, b_b = 1 + variant[1], 1 + variant[0] - variant[1]
    mean_a, mean_b = Fraction(a_a, a_a + b_a), Fraction(a_b, a_b + b_b)
    # E[A·1{A>B}] = m_A·P(A' > B) and E[B·1{A>B}] = m_B·P(A > B'), A' ~ Beta(a_A + 1, b_A)
    loss = mean_a * (1 - _p_greater(a_a + 1, b_a, a_b, b_b)) - mean_b * (
        1 - _p_greater(a_a, b_a, a_b + 1, b_b)
    )
    return _p_greater(a_a, b_a, a_b, b_b), loss


@settings(derandomize=True, max_examples=80, deadline=None)
@given(
    st.integers(1, 40).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
    st.integers(1, 40).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
)
def test_matches_exact_rational_closed_form(
    control: tuple[int, int], variant: tuple[int, int]
) -> None:
    probability, loss = exact(control, variant)
    result = probability_to_beat_control(control=control, variant=variant)
    assert math.isclose(result.probability, float(probability), rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(result.expected_loss, float(loss), rel_tol=1e-11, abs_tol=1e-16)


# (control, variant, P(B > A), E[(A − B)⁺]) computed with mpmath at 60 digits from the
# closed form above (term recurrence), outside this project's code
HIGH_PRECISION = [
    ((12, 0), (12, 1), 0.76, 0.015873015873015873),
    ((10, 10), (10, 9), 0.2380952380952381, 0.10144927536231884),
    ((1_000_000, 0), (1_000_000, 100), 1.0, 3.9341506779700112e-37),
    ((10_000_000, 30_000), (10_000_000, 30_150), 0.72990463137314514, 4.0471381300765231e-6),
    ((1_000_000, 999_990), (1_000_000, 999_995), 0.89494415374916237, 2.07866951767341e-7),
    ((50, 3), (10_000_000, 400_000), 0.14649833281469845, 0.038449464797827317),
    ((10_000_000, 400_000), (50, 3), 0.85350166718530155, 0.0015264798747319942),
    ((2000, 100), (2000, 160), 0.99994244507336464, 1.0502953100842866e-7),
    ((2000, 160), (2000, 100), 5.7554926635363953e-5, 0.029970134999560978),
    ((1000, 500), (100_000, 52_000), 0.89617461417678709, 0.00078480852596440971),
]


@pytest.mark.parametrize(("control", "variant", "probability", "loss"), HIGH_PRECISION)
def test_matches_high_precision_values(
    control: tuple[int, int], variant: tuple[int, int], probability: float, loss: float
) -> None:
    result = probability_to_beat_control(control=control, variant=variant)
    assert math.isclose(result.probability, probability, rel_tol=1e-12)
    assert math.isclose(result.expected_loss, loss, rel_tol=1e-10)
    assert result.method in ("exact-series", "exact-quadrature")


def test_more_conversions_never_lower_the_probability() -> None:
    previous = -1.0
    for conversions in range(80, 130, 5):
        p = probability_to_beat_control(control=(1000, 100), variant=(1000, conversions))
        assert p.probability > previous
        previous = p.probability


def test_edge_only_survival_agrees_with_the_incomplete_beta_at_every_node() -> None:
    """Past 10^8 visitors the survival function is carried from the panel edges by
    integrating the density; it must agree with Boost's incomplete beta per node."""
    import numpy as np

    from stats import bayes
    from stats._dist import special

    rng = np.random.default_rng(20261204)
    for _ in range(40):
        n = int(10 ** rng.uniform(8.1, 12))
        p = 10 ** rng.uniform(-8, -0.01)
        shape = (1.0 + int(n * p), 1.0 + n - int(n * p))
        other = (shape[0] * 1.00001, shape[1])
        x, _, right = bayes._nodes([shape, other])
        carried = bayes._survival(*shape, x, right)
        direct = special().betaincc(*shape, x)
        keep = direct > 1e-250
        assert np.allclose(carried[keep], direct[keep], rtol=2e-9, atol=0), (n, p)
