"""Guardrail non-inferiority tests, Benjamini–Hochberg and the projected impact, against
numbers computed by hand in the test (the formulas of docs/statistics.md)."""

import math

import pytest
from scipy import stats as scipy_stats

from stats import StatsInputError
from stats.guardrails import (
    benjamini_hochberg,
    noninferiority_conversions,
    noninferiority_means,
    worst_status,
)
from stats.impact import projected_impact


def _norm_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def test_bh_against_hand_computation():
    # sorted 0.01, 0.03, 0.04, 0.20 (m = 4): 4·0.01 = 0.04, 2·0.03 = 0.06, 4/3·0.04 = 0.0533,
    # 0.20; step-up minimum from the largest: 0.20, 0.0533, 0.0533, 0.04
    adjusted = benjamini_hochberg([0.01, 0.04, 0.03, 0.20])
    assert adjusted == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.20])
    assert benjamini_hochberg([0.5]) == [0.5]
    assert benjamini_hochberg([0.9, 0.95]) == pytest.approx([0.95, 0.95])


def test_conversion_guardrail_holds():
    # A 500/10000, B 520/10000, "must not fall more than 10%": margin 0.1 × 0.05 = 0.005
    result = noninferiority_conversions(
        control=(10000, 500), variant=(10000, 520), tolerance=0.10, alpha=0.05
    )
    se = math.sqrt(0.05 * 0.95 / 10000 + 0.052 * 0.948 / 10000)
    z = (0.052 - 0.05 + 0.005) / se
    assert result.statistic == pytest.approx(z)
    assert result.p_value == pytest.approx(_norm_sf(z))
    assert result.status == "ok"
    assert result.estimate == pytest.approx(0.04)
    assert result.bound == pytest.approx((0.002 - 1.6448536269514722 * se) / 0.05)
    assert result.bound > -0.10


def test_conversion_guardrail_breached_when_loss_not_ruled_out():
    # B is 2% below A, tolerance 2%: the margin is exactly the estimate, p = 0.5
    result = noninferiority_conversions(
        control=(10000, 500), variant=(10000, 490), tolerance=0.02, alpha=0.05
    )
    assert result.statistic == pytest.approx(0.0, abs=1e-12)
    assert result.p_value == pytest.approx(0.5)
    assert result.status == "breached"


def test_lower_is_better_direction():
    # cost metric: must not rise more than 5%; B rose 1% on a tight estimate → ok
    result = noninferiority_means(
        control=(5000, 100.0, 20.0),
        variant=(5000, 101.0, 20.0),
        tolerance=0.05,
        direction="decrease",
        alpha=0.05,
    )
    se = math.sqrt(400 / 5000 + 400 / 5000)
    dof = (0.16**2) / (2 * (0.08**2) / 4999)
    t = (-(101.0 - 100.0) + 0.05 * 100.0) / se
    assert result.dof == pytest.approx(dof)
    assert result.statistic == pytest.approx(t)
    assert result.p_value == pytest.approx(scipy_stats.t.sf(t, dof))
    assert result.status == "ok"
    # the upper bound of the relative change stays below +5%
    assert result.bound == pytest.approx((1.0 + scipy_stats.t.isf(0.05, dof) * se) / 100.0)


def test_mean_guardrail_breached_welch():
    # revenue per visitor must not fall more than 2%: B fell 3%
    control, variant = (2000, 50.0, 80.0), (1800, 48.5, 70.0)
    result = noninferiority_means(control=control, variant=variant, tolerance=0.02, alpha=0.05)
    va, vb = 80.0**2 / 2000, 70.0**2 / 1800
    se = math.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / 1999 + vb**2 / 1799)
    t = (48.5 - 50.0 + 0.02 * 50.0) / se
    assert result.p_value == pytest.approx(scipy_stats.t.sf(t, dof))
    assert result.status == "breached"
    assert result.estimate == pytest.approx(-0.03)


def test_untestable_when_control_is_zero_or_no_spread():
    zero = noninferiority_conversions(control=(100, 0), variant=(100, 3), tolerance=0.02)
    assert zero.status == "untestable" and zero.p_value is None
    flat = noninferiority_means(control=(10, 5.0, 0.0), variant=(10, 5.0, 0.0), tolerance=0.02)
    assert flat.status == "untestable"
    assert worst_status(["ok", "untestable"]) == "untestable"
    assert worst_status(["untestable", "breached", "ok"]) == "breached"
    assert worst_status(["ok", "ok"]) == "ok"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tolerance": -0.1},
        {"tolerance": 2},
        {"tolerance": "x"},
        {"direction": "up"},
        {"alpha": 0},
    ],
)
def test_bad_inputs_raise(kwargs):
    args = {"control": (100, 5), "variant": (100, 6), "tolerance": 0.02} | kwargs
    with pytest.raises(StatsInputError):
        noninferiority_conversions(**args)


def test_projected_impact_against_hand_computation():
    # +0.4 points of conversion, 95% CI +0.1 to +0.72 points; 2 300 ₽ a conversion;
    # 20 000 visitors a month: 0.004 × 2300 × 20000 = 184 000 (46 000 to 331 200)
    impact = projected_impact(
        abs_diff=0.004, abs_ci=(0.001, 0.0072), value_per_unit=2300, monthly_traffic=20000
    )
    assert impact.per_month == pytest.approx(184_000)
    assert impact.low == pytest.approx(46_000)
    assert impact.high == pytest.approx(331_200)
    # money per visitor (value 1): −1.5 ₽ a visitor on 10 000 visitors
    money = projected_impact(
        abs_diff=-1.5, abs_ci=(-4.0, 1.0), value_per_unit=1, monthly_traffic=10000
    )
    assert (money.per_month, money.low, money.high) == pytest.approx((-15000, -40000, 10000))
    assert impact.to_dict() == {"per_month": 184000.0, "low": 46000.0, "high": 331200.0}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"value_per_unit": 0},
        {"monthly_traffic": 0},
        {"monthly_traffic": 1.5},
        {"abs_ci": (1,)},
        {"abs_ci": None},
        {"abs_diff": float("nan")},
    ],
)
def test_projected_impact_refuses_bad_inputs(kwargs):
    args = {"abs_diff": 0.1, "abs_ci": (0, 0.2), "value_per_unit": 10, "monthly_traffic": 5}
    with pytest.raises(StatsInputError):
        projected_impact(**(args | kwargs))


def test_analyze_carries_secondary_and_guardrails():
    from stats import AnalysisResult, analyze

    result = analyze(
        metric_kind="conversion",
        variants=[("A", (10000, 500)), ("B", (10000, 560))],
        alpha=0.05,
        final=True,
        metrics=[
            {"name": "Sales", "role": "secondary", "kind": "conversion", "values": [100, 130]},
            {
                "name": "Order value",
                "role": "secondary",
                "kind": "continuous",
                "values": [[50.0, 30.0], [50.5, 30.0]],
            },
            {
                "name": "Revenue per visitor",
                "role": "guardrail",
                "kind": "continuous",
                "direction": "increase",
                "tolerance": 0.02,
                "values": [[10.0, 40.0], [9.0, 40.0]],
            },
            {"name": "Refunds", "role": "guardrail", "kind": "conversion", "tolerance": 0.1},
        ],
    )
    data = result.to_dict()
    sales, order = data["secondary"]
    raw = [sales["comparisons"][0]["p_value"], order["comparisons"][0]["p_value"]]
    assert [
        sales["comparisons"][0]["adjusted_p_value"],
        order["comparisons"][0]["adjusted_p_value"],
    ] == (pytest.approx(benjamini_hochberg(raw)))
    revenue, refunds = data["guardrails"]
    assert revenue["metric"] == "Revenue per visitor" and revenue["status"] == "breached"
    assert revenue["estimate"] == pytest.approx(-0.1) and revenue["tolerance"] == 0.02
    assert refunds["status"] == "untestable"  # no numbers for it
    assert AnalysisResult.from_dict(data).to_dict() == data
    plain = analyze(metric_kind="conversion", variants=[("A", (100, 5)), ("B", (100, 6))])
    assert "guardrails" not in plain.to_dict() and "secondary" not in plain.to_dict()
