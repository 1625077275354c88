"""Every case of shared/reference/stats-cases.json (computed with statsmodels/SciPy outside
this project) must be reproduced: 1e-9 relative (1e-12 absolute), sample sizes exactly."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from stats import (
    adjust_pvalues,
    analyze,
    compare_conversions,
    compare_means,
    probability_to_beat_control,
    sample_size_conversions,
    sample_size_means,
    srm_check,
)

DEFAULT_PATH = (
    Path(__file__).resolve().parents[2].parent / "shared" / "reference" / ("stats-cases.json")
)
REFERENCE_PATH = Path(os.environ.get("HYPOTHESES_REFERENCE_CASES", DEFAULT_PATH))
KINDS = {"conversions", "means", "srm", "adjust", "sample_size_conversions", "sample_size_means"}


def _load() -> list[dict[str, Any]]:
    if not REFERENCE_PATH.is_file():
        return []
    return list(json.loads(REFERENCE_PATH.read_text(encoding="utf-8"))["cases"])


CASES = _load()


def test_reference_file_is_present_and_complete() -> None:
    assert REFERENCE_PATH.is_file(), (
        f"Reference cases not found at {REFERENCE_PATH}. They live in shared/reference/ beside "
        "the repository; set HYPOTHESES_REFERENCE_CASES to their path."
    )
    assert {case["kind"] for case in CASES} == KINDS
    assert len(CASES) >= 100


def assert_close(actual: Any, expected: Any, where: str) -> None:
    if expected is None or actual is None:
        assert actual is expected, where
    elif isinstance(expected, bool) or isinstance(expected, str):
        assert actual == expected, where
    elif isinstance(expected, list):
        assert len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, f"{where}[{i}]")
    else:
        assert math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12), (
            f"{where}: {actual!r} != {expected!r}"
        )


def _run(case: dict[str, Any]) -> dict[str, Any]:
    kind = case["kind"]
    if kind == "conversions":
        result = compare_conversions(
            control=case["control"], variant=case["variant"], alpha=case["alpha"]
        ).to_dict()
        result["prob_beat_control"] = probability_to_beat_control(
            control=case["control"], variant=case["variant"]
        ).probability
        return result
    if kind == "means":
        return compare_means(
            control=case["control"], variant=case["variant"], alpha=case["alpha"]
        ).to_dict()
    if kind == "srm":
        return srm_check(observed=case["observed"], planned_split=case["planned_split"]).to_dict()
    if kind == "adjust":
        return {
            "holm": adjust_pvalues(case["p_values"], method="holm"),
            "bh": adjust_pvalues(case["p_values"], method="bh"),
        }
    if kind == "sample_size_conversions":
        return {
            "per_variant": sample_size_conversions(
                baseline=case["baseline"],
                mde=case["mde"],
                relative=case["relative"],
                alpha=case["alpha"],
                power=case["power"],
            )
        }
    assert kind == "sample_size_means"
    return {
        "per_variant": sample_size_means(
            sd=case["sd"], mde=case["mde"], alpha=case["alpha"], power=case["power"]
        )
    }


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_reference_case(case: dict[str, Any]) -> None:
    result = _run(case)
    for key, expected in case["expected"].items():
        if key == "per_variant":
            assert result[key] == expected, case["id"]  # sample sizes: exact
            assert isinstance(result[key], int)
        else:
            assert_close(result[key], expected, f"{case['id']}.{key}")


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c["kind"] in ("conversions", "means")],
    ids=[c["id"] for c in CASES if c["kind"] in ("conversions", "means")],
)
def test_analyze_reproduces_reference_comparisons(case: dict[str, Any]) -> None:
    kind = "conversion" if case["kind"] == "conversions" else "continuous"
    keys = ("visitors", "conversions") if kind == "conversion" else ("n", "mean", "sd")
    arms = [(name, tuple(case[name][k] for k in keys)) for name in ("control", "variant")]
    comparison = analyze(metric_kind=kind, variants=arms, alpha=case["alpha"]).comparisons[0]
    expected = case["expected"]
    for key in ("p_value", "abs_diff", "abs_ci", "rel_lift", "rel_ci", "significant", "method"):
        assert_close(
            getattr(comparison, key)
            if key != "abs_ci" and key != "rel_ci"
            else (None if getattr(comparison, key) is None else list(getattr(comparison, key))),
            expected[key],
            f"{case['id']}.{key}",
        )
    assert comparison.adjusted_p_value == comparison.p_value  # one variant: no correction
    if kind == "conversion":
        assert_close(
            comparison.prob_beat_control,
            expected["prob_beat_control"],
            f"{case['id']}.prob_beat_control",
        )
    else:
        assert_close(comparison.dof, expected["dof"], f"{case['id']}.dof")
