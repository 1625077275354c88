"""analyze(): verdicts, corrections, warnings, early looks and serialization."""

from __future__ import annotations

import json
import math

import pytest

from stats import (
    ENGINE_VERSION,
    AnalysisResult,
    adjust_pvalues,
    analyze,
    compare_conversions,
    compare_means,
    probability_to_beat_control,
    sequential_compare_conversions,
    sequential_compare_means,
    srm_check,
)
from stats._cli_text import verdict, warning_text

LEAD_RATE = [("A", (9000, 279)), ("B", (9000, 351))]  # 3.1 % → 3.9 %


def test_significant_raise_reads_like_the_design() -> None:
    result = analyze(metric_kind="conversion", variants=LEAD_RATE, metric_name="lead rate")
    assert verdict(result) == (
        "Variant B raised lead rate from 3.1% to 3.9% (+26%, 95% CI +8% to "
        "+47%, p = 0.0035): significant at α = 0.05."
    )
    assert result.warnings == () and result.correction == "none" and not result.early_look
    assert result.engine_version == ENGINE_VERSION and result.method == "z-test"
    # the engine itself returns the code and the numbers the sentence states, no prose
    comparison = result.comparisons[0]
    data = comparison.verdict_data
    assert comparison.verdict_code == "significant_up" and data is not None
    assert data["lift_kind"] == "relative" and data["p_kind"] == "fixed"
    assert data["lift"] == comparison.rel_lift and data["ci"] == list(comparison.rel_ci)
    assert data["p_value"] == comparison.p_value and data["alpha"] == 0.05
    assert (data["control_value"], data["variant_value"]) == (279 / 9000, 351 / 9000)
    assert not hasattr(result, "verdict") and not hasattr(comparison, "verdict")


def test_lowered_and_no_difference_verdicts() -> None:
    lowered = analyze(
        metric_kind="conversion",
        variants=[("A", (9000, 351)), ("B", (9000, 279))],
        metric_name="lead rate",
    )
    assert lowered.comparisons[0].verdict_code == "significant_down"
    assert verdict(lowered).startswith("Variant B lowered lead rate from 3.9% to 3.1% (−21%,")
    same = analyze(
        metric_kind="conversion",
        variants=[("A", (9000, 279)), ("B", (9000, 290))],
        metric_name="lead rate",
    )
    assert same.comparisons[0].verdict_code == "not_significant"
    assert verdict(same) == (
        "No significant difference: variant B had lead rate 3.2% against "
        "3.1% for the control (+4%, 95% CI −12% to +22%, p = 0.64); not "
        "significant at α = 0.05."
    )


def test_undefined_relative_lift_falls_back_to_percentage_points() -> None:
    result = analyze(metric_kind="conversion", variants=[("A", (2000, 0)), ("B", (2000, 8))])
    assert "(+0.40 pp, 95% CI +0.20 pp to +0.79 pp, p = 0.0078)" in verdict(result)
    data = result.comparisons[0].verdict_data
    assert data is not None and data["lift_kind"] == "absolute" and data["ci"] is not None
    assert result.method == "fisher"


def test_continuous_verdict_and_no_bayes() -> None:
    result = analyze(
        metric_kind="continuous",
        metric_name="revenue per user",
        variants=[("A", (5000, 52.3, 180.0)), ("B", (5000, 61.9, 185.0))],
    )
    comparison = result.comparisons[0]
    expected = compare_means(control=(5000, 52.3, 180.0), variant=(5000, 61.9, 185.0))
    assert comparison.p_value == expected.p_value and comparison.dof == expected.dof
    assert comparison.prob_beat_control is None and comparison.expected_loss is None
    assert verdict(result).startswith("Variant B raised revenue per user from 52.3 to 61.9 (+18%")


def test_several_variants_are_holm_adjusted_and_flagged() -> None:
    variants = [("A", (9000, 279)), ("B", (9000, 351)), ("C", (9000, 300)), ("D", (9000, 260))]
    result = analyze(metric_kind="conversion", variants=variants, metric_name="lead rate")
    raw = [compare_conversions(control=variants[0][1], variant=v).p_value for _, v in variants[1:]]
    assert [c.p_value for c in result.comparisons] == raw
    assert [c.adjusted_p_value for c in result.comparisons] == adjust_pvalues(raw, "holm")
    assert [c.significant for c in result.comparisons] == [
        p < 0.05 for p in adjust_pvalues(raw, "holm")
    ]
    assert [c.variant for c in result.comparisons] == ["B", "C", "D"]
    assert {c.control for c in result.comparisons} == {"A"}
    assert [w.code for w in result.warnings] == ["multiple_variants"]
    assert "Holm-adjusted p" in verdict(result) and result.correction == "holm"
    for (_, arm), comparison in zip(variants[1:], result.comparisons, strict=True):
        bayes = probability_to_beat_control(control=variants[0][1], variant=arm)
        assert comparison.prob_beat_control == bayes.probability
        assert comparison.expected_loss == bayes.expected_loss
    bh = analyze(metric_kind="conversion", variants=variants, correction="bh")
    assert [c.adjusted_p_value for c in bh.comparisons] == adjust_pvalues(raw, "bh")


def test_early_look_attaches_adjusted_sequential_results() -> None:
    variants = [("A", (9000, 279)), ("B", (9000, 351)), ("C", (9000, 300))]
    result = analyze(
        metric_kind="conversion",
        variants=variants,
        planned_per_variant=30000,
        metric_name="lead rate",
    )
    assert result.early_look and [w.code for w in result.warnings] == [
        "early_look",
        "multiple_variants",
    ]
    raw = [
        sequential_compare_conversions(control=variants[0][1], variant=v, planned_per_variant=30000)
        for _, v in variants[1:]
    ]
    adjusted = adjust_pvalues([r.p_value for r in raw], "holm")
    for comparison, seq, adj in zip(result.comparisons, raw, adjusted, strict=True):
        assert comparison.sequential is not None
        assert comparison.sequential.p_value == seq.p_value
        assert comparison.sequential.adjusted_p_value == adj
        assert comparison.sequential.significant == (adj < 0.05)
    assert verdict(result).startswith(
        "Early look at 30% of the planned sample: no conclusive difference yet for variant B"
    )
    assert "keep the test running to the planned 30,000 per arm" in verdict(result)
    assert "30%" in warning_text(result.warnings[0])
    assert [c.verdict_code for c in result.comparisons] == ["early_not_significant"] * 2
    assert result.comparisons[0].verdict_data["p_kind"] == "always-valid-holm"  # type: ignore[index]
    assert result.warnings[0].data == {"achieved": 9000, "planned": 30000, "fraction": 0.3}
    assert result.warnings[1].data == {"count": 2, "correction": "holm"}


def test_early_look_can_still_be_conclusive() -> None:
    result = analyze(
        metric_kind="conversion",
        variants=[("A", (40000, 1240)), ("B", (40000, 1560))],
        planned_per_variant=60000,
        metric_name="lead rate",
    )
    assert verdict(result).startswith(
        "Early look at 66% of the planned sample: Variant B raised lead rate from 3.1% to 3.9%"
    )
    assert "always-valid 95% CI" in verdict(result) and "always-valid p < 0.001" in verdict(result)
    assert result.comparisons[0].verdict_code == "early_significant_up"
    assert result.comparisons[0].verdict_data["p_kind"] == "always-valid"  # type: ignore[index]


def test_final_below_plan_is_underpowered_not_early() -> None:
    result = analyze(
        metric_kind="continuous",
        variants=[("A", (400, 10.0, 3.0)), ("B", (400, 10.2, 3.0))],
        planned_per_variant=600,
        final=True,
    )
    assert not result.early_look
    assert [w.code for w in result.warnings] == ["underpowered"]
    assert all(c.sequential is None for c in result.comparisons)
    assert "400 per arm" in warning_text(result.warnings[0]) and "600" in warning_text(
        result.warnings[0]
    )
    assert result.warnings[0].data == {"achieved": 400, "planned": 600}
    reached = analyze(
        metric_kind="continuous",
        variants=[("A", (600, 10.0, 3.0)), ("B", (700, 10.2, 3.0))],
        planned_per_variant=600,
    )
    assert not reached.early_look and reached.warnings == ()


def test_sample_ratio_mismatch_is_flagged() -> None:
    variants = [("A", (5400, 300)), ("B", (4600, 260))]
    result = analyze(metric_kind="conversion", variants=variants)
    assert result.srm == srm_check(observed=[5400, 4600], planned_split=[1, 1])
    assert result.srm.mismatch and result.warnings[0].code == "srm"
    assert "5,400/4,600" in warning_text(result.warnings[0])
    assert "50%/50%" in warning_text(result.warnings[0])
    assert result.warnings[0].data == {
        "p_value": result.srm.p_value,
        "observed": [5400, 4600],
        "planned_percent": [50.0, 50.0],
    }
    planned = analyze(metric_kind="conversion", variants=variants, planned_split=[54, 46])
    assert not planned.srm.mismatch and planned.warnings == ()


def test_result_serializes_to_json_and_back() -> None:
    result = analyze(
        metric_kind="conversion",
        variants=[("A", (9000, 279)), ("B", (9000, 351)), ("C", (9000, 0))],
        planned_per_variant=20000,
    )
    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert isinstance(data["comparisons"][0]["abs_ci"], list)
    assert data["comparisons"][1]["rel_ci"] is None
    assert AnalysisResult.from_dict(json.loads(text)) == result


def test_sequential_interval_matches_the_published_formula() -> None:
    # Waudby-Smith et al. (2023) eq. 9 in gbstats' parameterisation: per-unit variance
    # s² = var·N, half-width = s·sqrt(2(Nρ² + 1)/(N²ρ²) · ln(sqrt(Nρ² + 1)/α))
    alpha, planned = 0.05, 5000
    control, variant = (1000, 10.0, 3.0), (1000, 10.4, 3.2)
    n_total = 2000
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / (2 * planned)
    var = 3.0**2 / 1000 + 3.2**2 / 1000
    s2 = var * n_total

    def half_width(level: float) -> float:
        return math.sqrt(s2) * math.sqrt(
            2
            * (n_total * rho2 + 1)
            / (n_total**2 * rho2)
            * math.log(math.sqrt(n_total * rho2 + 1) / level)
        )

    result = sequential_compare_means(
        control=control, variant=variant, planned_per_variant=planned, alpha=alpha
    )
    assert math.isclose(result.abs_ci[1] - result.abs_diff, half_width(alpha), rel_tol=1e-12)
    assert math.isclose(result.abs_diff - result.abs_ci[0], half_width(alpha), rel_tol=1e-12)
    # the always-valid p-value is the alpha at which the sequence just touches zero
    assert math.isclose(half_width(result.p_value), abs(result.abs_diff), rel_tol=1e-9)


def test_sequential_conversions_use_the_score_interval_at_the_sequence_width() -> None:
    from stats._score import diff_interval, ratio_interval

    alpha, planned = 0.05, 5000
    control, variant = (1000, 100), (1000, 130)
    v = 2000 * (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / (2 * planned)
    factor = math.sqrt((1 + 1 / v) * (math.log1p(v) - 2 * math.log(alpha)))
    result = sequential_compare_conversions(
        control=control, variant=variant, planned_per_variant=planned, alpha=alpha
    )
    assert result.abs_ci == diff_interval(100, 1000, 130, 1000, factor)
    assert result.rel_ci == ratio_interval(100, 1000, 130, 1000, factor)
    # pooled z, as the fixed test
    pooled = 230 / 2000
    z = 0.03 / math.sqrt(pooled * (1 - pooled) * 2 / 1000)
    expected_p = math.sqrt(v + 1) * math.exp(-z * z * v / (2 * (v + 1)))
    assert math.isclose(result.p_value, min(1.0, expected_p), rel_tol=1e-12)


def test_zero_unpooled_variance_is_not_an_infinite_z() -> None:
    result = sequential_compare_conversions(
        control=(3, 0), variant=(2, 2), planned_per_variant=10000
    )
    assert result.p_value > 0.5 and not result.significant
    assert result.abs_ci[0] < 0 < result.abs_ci[1]


def test_sequence_is_narrowest_when_tuned_to_the_observed_sample() -> None:
    arms = {"control": (3000, 20.0, 9.0), "variant": (3000, 21.0, 9.5)}
    widths = {
        planned: sequential_compare_means(**arms, planned_per_variant=planned)
        for planned in (750, 1500, 3000, 6000, 12000)
    }
    spans = {k: r.abs_ci[1] - r.abs_ci[0] for k, r in widths.items()}
    assert min(spans, key=spans.__getitem__) == 3000
    fixed = compare_means(**arms)
    assert all(span > fixed.abs_ci[1] - fixed.abs_ci[0] for span in spans.values())


@pytest.mark.parametrize("kind", ["conversion", "continuous"])
def test_names_and_order_are_kept(kind: str) -> None:
    numbers = (5000, 400) if kind == "conversion" else (5000, 10.0, 2.0)
    variants = [("Контроль", numbers), ("New headline", numbers), ("Offer B", numbers)]
    result = analyze(metric_kind=kind, variants=variants)
    assert [a.name for a in result.arms] == ["Контроль", "New headline", "Offer B"]
    assert all(c.p_value == 1.0 for c in result.comparisons)


def test_from_dict_loads_outputs_stored_with_english_texts() -> None:
    """Engines before 2.0.0 stored English sentences (a verdict per comparison and for the
    whole, a message per warning) and no codes: such outputs still load, without the texts."""
    result = analyze(
        metric_kind="conversion",
        variants=[("A", (5400, 300)), ("B", (4600, 260)), ("C", (5000, 280))],
        metric_name="lead rate",
    )
    old = result.to_dict()
    old["verdict"] = "Variant B raised lead rate from 5.6% to 5.7%."
    for item in old["comparisons"]:
        item["verdict"] = "No significant difference."
        del item["verdict_code"], item["verdict_data"], item["interval_agrees"]
    old["warnings"] = [
        {"code": w["code"], "message": "Sample ratio mismatch (p = 1e-05): …"}
        for w in old["warnings"]
    ]
    loaded = AnalysisResult.from_dict(json.loads(json.dumps(old)))
    assert [w.code for w in loaded.warnings] == [w.code for w in result.warnings]
    assert all(w.data is None for w in loaded.warnings)
    assert [c.verdict_code for c in loaded.comparisons] == ["", ""]
    assert [c.p_value for c in loaded.comparisons] == [c.p_value for c in result.comparisons]
    assert "verdict" not in loaded.to_dict() and "message" not in str(loaded.to_dict())
