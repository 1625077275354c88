"""Group-sequential bounds with Lan-DeMets alpha spending (two-sided, symmetric).

At looks with information fractions t₁ < t₂ < … (observed ÷ planned sample) the test
rejects at look k when |Z_k| ≥ c_k. The spending function α(t) says how much of the
two-sided α may have been used by information t:

    O'Brien-Fleming type  α(t) = 4 − 4·Φ(z₁₋α/₄ / √t)      (spends almost nothing early)
    Pocock type           α(t) = α·ln(1 + (e − 1)·t)

and α(t) = α from t = 1 on, so a look past the planned sample spends all that is left.
Each c_k solves P(|Z_j| < c_j for j < k, |Z_k| ≥ c_k) = α(t_k) − α(t_{k−1}) under the null,
where Z_k = √(t_{k−1}/t_k)·Z_{k−1} + √(1 − t_{k−1}/t_k)·ε (independent increments).

The sub-density of Z_k on the continuation region is carried from look to look by
recursive numerical integration (Armitage–McPherson–Rowe), here with Gauss–Legendre panels
no wider than the narrowest Gaussian scale involved, and the crossing probability is
integrated exactly in closed form (normal tails) against it. Bounds agree with a much
finer integration to about 1e-9 (looks less than about 1% of the information apart are
integrated more coarsely, so the work stays bounded).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stats import messages as msg
from stats._dist import normal_isf, normal_sf, special
from stats._score import diff_interval, ratio_interval
from stats.errors import StatsInputError
from stats.frequentist import mean_lift, welch_parts
from stats.inputs import check_alpha, conversion_arm, mean_arm, to_float
from stats.results import SequentialResult, Serializable
from stats.sequential import sequential_result

SPENDING = ("obrien-fleming", "pocock")
MAX_BOUND = 40.0  # reported when a look spends no alpha: no z can reach it
MAX_LOOKS = 100
_REACH = 9.5  # |z| beyond this holds under 1e-20 of the mass: the grid stops there
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(12)
_MAX_PANELS = 48
_WORK = 2e6
_MIN_STEP = 0.05  # looks with √(1 − t_prev/t) below this count as the previous look


@dataclass(frozen=True)
class GroupSequentialBounds(Serializable):
    """Two-sided efficacy bounds per look: reject at look k when |z| ≥ z_bounds[k]."""

    spending: str
    alpha: float
    information_fractions: tuple[float, ...]
    z_bounds: tuple[float, ...]
    nominal_p: tuple[float, ...]  # two-sided p threshold at each look, 2·(1 − Φ(c_k))
    cumulative_alpha_spent: tuple[float, ...]


def spent(t: float, alpha: float, spending: str) -> float:
    """Return the cumulative two-sided alpha the spending function allows by fraction t."""
    if t >= 1:
        return alpha
    if spending == "pocock":
        return alpha * math.log1p((math.e - 1) * t)
    return min(alpha, 4 * normal_sf(normal_isf(alpha / 4) / math.sqrt(t)))


def check_fractions(information_fractions: Any) -> list[float]:
    """Validate a list of information fractions: finite, positive, strictly increasing."""
    if isinstance(information_fractions, (str, bytes)) or not isinstance(
        information_fractions, Sequence
    ):
        raise StatsInputError(
            msg.ARM_SHAPE.format(
                name="information_fractions", shape="a list of numbers", value=information_fractions
            )
        )
    if not 1 <= len(information_fractions) <= MAX_LOOKS:
        raise StatsInputError(msg.LOOKS_COUNT.format(maximum=MAX_LOOKS))
    fractions = [
        to_float(t, f"information_fractions[{i}]") for i, t in enumerate(information_fractions)
    ]
    previous = 0.0
    for i, t in enumerate(fractions):
        if t <= previous:
            raise StatsInputError(msg.LOOKS_ORDER.format(index=i, value=t))
        previous = t
    return fractions


def _panels(
    low: float, high: float, width: float, max_panels: int
) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Legendre nodes and weights on [low, high] in panels at most `width` wide (or
    max_panels of them)."""
    count = min(max_panels, max(1, math.ceil((high - low) / width)))
    edges = np.linspace(low, high, count + 1)
    half = (edges[1:] - edges[:-1]) / 2
    middle = (edges[1:] + edges[:-1]) / 2
    x = (middle[:, None] + half[:, None] * _NODES[None, :]).ravel()
    w = (half[:, None] * _WEIGHTS[None, :]).ravel()
    return x, w


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _solve_bound(mass: np.ndarray, shifted: np.ndarray, s: float, target: float) -> float:
    """Return c with Σ mass·[Φ̄((c − shifted)/s) + Φ̄((c + shifted)/s)] = target.

    log P(c) is concave and decreasing, and the bound ignoring earlier looks, isf(target/2),
    lies at or beyond the root (P(c) ≤ 2Φ̄(c)); Newton's method from there on log P moves
    monotonically onto the root, quadratically."""
    ndtr = special().ndtr
    log_target = math.log(target)
    c = normal_isf(target / 2)
    for _ in range(60):
        upper, lower = (shifted - c) / s, (-shifted - c) / s
        p = float(np.dot(mass, ndtr(upper) + ndtr(lower)))
        if not p > 0:
            return c  # nothing left to cross: the earlier looks took all the mass
        slope = -float(np.dot(mass, _normal_pdf(upper) + _normal_pdf(lower))) / (s * p)
        gap = math.log(p) - log_target
        if gap >= 0 or slope >= 0:
            return c
        step = gap / slope  # ≥ 0
        c = max(0.0, c - step)
        if step <= 1e-13 * max(c, 1.0) or c == 0.0:
            return c
    return c


def group_sequential_bounds(
    *,
    information_fractions: Sequence[float],
    alpha: float = 0.05,
    spending: str = "obrien-fleming",
    spend_all_at_last: bool = False,
) -> GroupSequentialBounds:
    """Return the two-sided Lan-DeMets bounds for looks at the given information fractions
    (observed ÷ planned sample, strictly increasing; a fraction ≥ 1 spends all that is
    left). With spend_all_at_last the last look spends all the remaining alpha (a test
    that stops before its plan). Bounds of looks that spend no alpha are MAX_BOUND."""
    alpha = check_alpha(alpha)
    if spending not in SPENDING:
        raise StatsInputError(
            msg.UNKNOWN_METHOD.format(name="spending", allowed=SPENDING, value=spending)
        )
    fractions = check_fractions(information_fractions)
    if not isinstance(spend_all_at_last, bool):
        raise StatsInputError(
            msg.UNKNOWN_METHOD.format(
                name="spend_all_at_last", allowed=(True, False), value=spend_all_at_last
            )
        )
    cumulative = [spent(t, alpha, spending) for t in fractions]
    if spend_all_at_last:
        cumulative[-1] = alpha
    # bound the work (Σ nodes² over the looks): only looks closer than about 1% of the
    # information apart are integrated more coarsely than the reference's 1e-9
    max_panels = max(8, min(_MAX_PANELS, int(math.sqrt(_WORK / len(fractions)) / len(_NODES))))
    bounds: list[float] = []
    kept = 0
    nodes = weights = density = np.empty(0)
    previous_t, previous_spent = 0.0, 0.0
    for k, (t, total) in enumerate(zip(fractions, cumulative, strict=True)):
        target = total - previous_spent
        if k > 0:
            r = math.sqrt(previous_t / t)
            s = math.sqrt(1 - previous_t / t)
        if k > 0 and s < _MIN_STEP:
            # a look almost on top of the last integrated one: same data, same bound; its
            # alpha is left to the next look
            bounds.append(bounds[kept])
            continue
        if k == 0:
            bound = normal_isf(target / 2) if target > 0 else math.inf
        elif target <= 0:
            bound = math.inf
        else:
            mass = weights * density

            bound = _solve_bound(mass, r * nodes, s, target)
        bounds.append(min(bound, MAX_BOUND))
        if k + 1 < len(fractions):
            # carry the sub-density of Z over the continuation region to the next look
            reach = min(bound, _REACH)
            t_next = fractions[k + 1]
            scales = [1.0, max(_MIN_STEP, math.sqrt((t_next - t) / t))]
            if k > 0:
                scales.append(math.sqrt(1 - previous_t / t))
            new_nodes, new_weights = _panels(-reach, reach, 4 * min(scales), max_panels)
            if k == 0:
                new_density = _normal_pdf(new_nodes)
            else:
                kernel = _normal_pdf((new_nodes[:, None] - r * nodes[None, :]) / s) / s
                new_density = kernel @ (weights * density)
            nodes, weights, density = new_nodes, new_weights, new_density
        previous_t, previous_spent, kept = t, total, k
    nominal = tuple(min(1.0, 2 * normal_sf(b)) for b in bounds)
    return GroupSequentialBounds(
        spending=spending,
        alpha=alpha,
        information_fractions=tuple(fractions),
        z_bounds=tuple(bounds),
        nominal_p=nominal,
        cumulative_alpha_spent=tuple(cumulative),
    )


def _look_result(
    *,
    z: float,
    bounds: GroupSequentialBounds,
    diff: float,
    abs_ci: tuple[float, float],
    rel_lift: float | None,
    rel_ci: tuple[float, float] | None,
    n_total: int,
) -> SequentialResult:
    """Package one look: reject when |z| ≥ the look's bound. The reported p-value is the
    nominal two-sided p scaled by α / (the look's nominal threshold), capped at 1, so it is
    below α exactly when |z| crosses the bound (and can be Holm-adjusted like any p)."""
    bound = bounds.z_bounds[-1]
    threshold = bounds.nominal_p[-1]
    nominal = 2 * normal_sf(abs(z))
    if threshold > 0 and nominal < threshold:
        p_value = nominal * (bounds.alpha / threshold)
    elif threshold > 0:
        p_value = min(1.0, max(bounds.alpha, nominal * (bounds.alpha / threshold)))
    else:
        p_value = 1.0
    fraction = bounds.information_fractions[-1]
    return sequential_result(
        diff,
        abs_ci,
        rel_lift,
        rel_ci,
        p_value,
        bounds.alpha,
        n_total,
        max(1, round(n_total / fraction)),
        method=f"group-sequential-{bounds.spending}",
        interval="repeated confidence interval",
        z_bound=bound,
        information_fraction=fraction,
        look=len(bounds.z_bounds),
        alpha_spent=bounds.cumulative_alpha_spent[-1],
    )


def group_sequential_compare_conversions(
    *,
    control: Any,
    variant: Any,
    information_fractions: Sequence[float],
    alpha: float = 0.05,
    spending: str = "obrien-fleming",
    final: bool = False,
) -> SequentialResult:
    """Compare conversion rates at the last of the given looks of a group-sequential test:
    the pooled z against that look's Lan-DeMets bound (final: the look spends all that is
    left), with score intervals at the bound's width (repeated confidence intervals)."""
    bounds = group_sequential_bounds(
        information_fractions=information_fractions,
        alpha=alpha,
        spending=spending,
        spend_all_at_last=final,
    )
    a = conversion_arm(control, "control")
    b = conversion_arm(variant, "variant")
    rate_a, rate_b = a.conversions / a.visitors, b.conversions / b.visitors
    diff = rate_b - rate_a
    pooled = (a.conversions + b.conversions) / (a.visitors + b.visitors)
    se = math.sqrt(pooled * (1 - pooled) * (1 / a.visitors + 1 / b.visitors))
    args = (a.conversions, a.visitors, b.conversions, b.visitors, bounds.z_bounds[-1])
    return _look_result(
        z=diff / se if se > 0 else 0.0,
        bounds=bounds,
        diff=diff,
        abs_ci=diff_interval(*args),
        rel_lift=diff / rate_a if a.conversions > 0 else None,
        rel_ci=ratio_interval(*args),
        n_total=a.visitors + b.visitors,
    )


def group_sequential_compare_means(
    *,
    control: Any,
    variant: Any,
    information_fractions: Sequence[float],
    alpha: float = 0.05,
    spending: str = "obrien-fleming",
    final: bool = False,
) -> SequentialResult:
    """Compare means at the last of the given looks of a group-sequential test: Welch's
    statistic against that look's bound, difference ± bound × se, Fieller at the bound."""
    bounds = group_sequential_bounds(
        information_fractions=information_fractions,
        alpha=alpha,
        spending=spending,
        spend_all_at_last=final,
    )
    a = mean_arm(control, "control")
    b = mean_arm(variant, "variant")
    parts = welch_parts(a, b)
    bound = bounds.z_bounds[-1]
    rel_lift, rel_ci = mean_lift(a, b, bound)
    return _look_result(
        z=parts.statistic,
        bounds=bounds,
        diff=parts.diff,
        abs_ci=(parts.diff - bound * parts.se, parts.diff + bound * parts.se),
        rel_lift=rel_lift,
        rel_ci=rel_ci,
        n_total=a.n + b.n,
    )
