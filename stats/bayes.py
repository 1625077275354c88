"""Bayesian view of a conversion test: P(variant beats control) and expected loss.

Posteriors are Beta(1 + conversions, 1 + visitors − conversions) (uniform priors).
Both quantities are computed deterministically, never simulated:

    P(B > A)    = 1 − ∫ f_B(x)·S_A(x) dx
    E[(A − B)⁺] = ∫ f_B(x)·E[(A − x)⁺] dx,
    E[(A − x)⁺] = (m_A − x)·S_A(x) + x(1 − x)·f_A(x)/(α_A + β_A)

where f is the Beta density and S the Beta survival function (SciPy's Boost
implementations, accurate to a few ulps even for 10⁷ visitors). The closed form
P(B > A) = Σ_{i<α_B} B(α_A+i, β_A+β_B) / ((β_B+i)·B(1+i, β_B)·B(α_A, β_A)) (Evan Miller)
needs log-beta differences of numbers near 10⁷·log(10⁷), which lose ~1e-9 of relative
precision in float64; Gauss–Legendre quadrature over panels of at most one posterior
standard deviation (16 nodes each) is exact to ~1e-14 relative instead, in a few ms.
The integrands are log-concave (all Beta shapes are ≥ 1), so ±40 posterior standard
deviations around both arms hold all but e^-40 of the mass.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import beta

from stats.inputs import ConversionCounts, conversion_arm
from stats.results import ProbabilityResult

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(16)
_SPAN = 40  # posterior standard deviations covered on each side of each arm
_UNIFORM_PANELS = 100  # extra evenly spaced panels so no gap between the arms is coarse


def _posterior(arm: ConversionCounts) -> tuple[float, float]:
    return 1.0 + arm.conversions, 1.0 + arm.visitors - arm.conversions


def _nodes(shapes: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Return quadrature nodes and weights on [0, 1] resolving each posterior's scale."""
    steps = np.arange(-_SPAN, _SPAN + 1, dtype=float)
    edges = []
    for a, b in shapes:
        mean = a / (a + b)
        sd = math.sqrt(mean * (1 - mean) / (a + b + 1))
        edges.append(mean + steps * sd)
    points = np.clip(np.concatenate(edges), 0.0, 1.0)
    low, high = float(points.min()), float(points.max())
    points = np.unique(np.concatenate([points, np.linspace(low, high, _UNIFORM_PANELS + 1)]))
    left, right = points[:-1], points[1:]
    half = (right - left) / 2
    middle = (right + left) / 2
    x = (middle[:, None] + half[:, None] * _NODES[None, :]).ravel()
    w = (half[:, None] * _WEIGHTS[None, :]).ravel()
    return x, w


def _beat_and_loss(
    shape_a: tuple[float, float], shape_b: tuple[float, float]
) -> tuple[float, float]:
    """Return P(B > A) and E[(A − B)⁺] for Beta posteriors A and B."""
    (a_a, b_a), (a_b, b_b) = shape_a, shape_b
    mean_a = a_a / (a_a + b_a)
    mean_b = a_b / (a_b + b_b)
    x, w = _nodes([shape_a, shape_b])
    pdf_a = beta.pdf(x, a_a, b_a)
    pdf_b = beta.pdf(x, a_b, b_b)
    sf_a = beta.sf(x, a_a, b_a)
    if mean_b >= mean_a:
        # integrate the smaller tail P(A > B) so that tiny tails keep their relative precision
        probability = 1.0 - float(np.dot(w, pdf_b * sf_a))
    else:
        probability = float(np.dot(w, pdf_a * beta.sf(x, a_b, b_b)))
    excess = (mean_a - x) * sf_a + x * (1 - x) * pdf_a / (a_a + b_a)  # E[(A − x)⁺]
    loss = float(np.dot(w, pdf_b * np.maximum(excess, 0.0)))
    return min(1.0, max(0.0, probability)), max(0.0, loss)


def probability_to_beat_control(*, control: Any, variant: Any) -> ProbabilityResult:
    """Return exact P(variant rate > control rate) under Beta(1 + x, 1 + n − x) posteriors
    and the expected loss E[max(p_control − p_variant, 0)] of choosing the variant."""
    shape_a = _posterior(conversion_arm(control, "control"))
    shape_b = _posterior(conversion_arm(variant, "variant"))
    if shape_a[0] + shape_b[0] > shape_a[1] + shape_b[1]:
        # rates above one half: work with 1 − p, where nodes near 0 keep full relative
        # precision; P(B > A) = P(1 − A > 1 − B) and (A − B)⁺ = ((1 − B) − (1 − A))⁺
        probability, loss = _beat_and_loss(shape_b[::-1], shape_a[::-1])
    else:
        probability, loss = _beat_and_loss(shape_a, shape_b)
    return ProbabilityResult(probability=probability, expected_loss=loss)
