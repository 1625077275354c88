"""Every invalid input raises StatsInputError with a clear message; valid but degenerate
input gives finite numbers (never NaN)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest

import stats
from stats import (
    StatsInputError,
    adjust_pvalues,
    analyze,
    compare_conversions,
    compare_means,
    probability_to_beat_control,
    sample_size_conversions,
    sample_size_means,
    sequential_compare_conversions,
    sequential_compare_means,
    srm_check,
    summary_from_sums,
    test_duration_days,
)

NAN, INF = math.nan, math.inf
GOOD_CONV = (1000, 100)
GOOD_MEAN = (100, 10.0, 2.0)

BAD_CONVERSION_ARMS = [
    ((100, 101), "more conversions"),
    ((-1, 0), "negative"),
    ((10, -1), "negative"),
    ((0, 0), "zero visitors"),
    ((NAN, 1), "finite"),
    ((10, INF), "finite"),
    ((10.5, 1), "whole number"),
    (("10", 1), "number"),
    ((True, 0), "number"),
    (None, "(visitors, conversions)"),
    ((10,), "(visitors, conversions)"),
    ((10, 1, 2), "(visitors, conversions)"),
    ("10,1", "(visitors, conversions)"),
    ({"visitors": 10}, "(visitors, conversions)"),
    ((2**60, 1), "too large"),
]
BAD_MEAN_ARMS = [
    ((1, 5.0, 1.0), "at least 2"),
    ((0, 5.0, 1.0), "at least 2"),
    ((-3, 5.0, 1.0), "at least 2"),
    ((10, NAN, 1.0), "finite"),
    ((10, 5.0, INF), "finite"),
    ((10, 5.0, -1.0), "negative"),
    ((10.5, 5.0, 1.0), "whole number"),
    ((10, "5", 1.0), "number"),
    ((10, 5.0), "(n, mean, sd)"),
]
BAD_ALPHAS = [0, 1, -0.1, 1.5, NAN, INF, "0.05", None, True]


@pytest.mark.parametrize(("arm", "words"), BAD_CONVERSION_ARMS)
@pytest.mark.parametrize(
    "function",
    [
        compare_conversions,
        probability_to_beat_control,
        lambda **kw: sequential_compare_conversions(planned_per_variant=1000, **kw),
    ],
)
def test_bad_conversion_arms(function: Callable[..., Any], arm: Any, words: str) -> None:
    for control, variant in ((arm, GOOD_CONV), (GOOD_CONV, arm)):
        with pytest.raises(
            StatsInputError, match="(?i)" + words.replace("(", r"\(").replace(")", r"\)")
        ):
            function(control=control, variant=variant)


@pytest.mark.parametrize(("arm", "words"), BAD_MEAN_ARMS)
@pytest.mark.parametrize(
    "function",
    [compare_means, lambda **kw: sequential_compare_means(planned_per_variant=1000, **kw)],
)
def test_bad_mean_arms(function: Callable[..., Any], arm: Any, words: str) -> None:
    for control, variant in ((arm, GOOD_MEAN), (GOOD_MEAN, arm)):
        with pytest.raises(
            StatsInputError, match="(?i)" + words.replace("(", r"\(").replace(")", r"\)")
        ):
            function(control=control, variant=variant)


@pytest.mark.parametrize(
    "function", [compare_means, lambda **kw: sequential_compare_means(planned_per_variant=10, **kw)]
)
def test_zero_variance_in_both_arms_is_refused(function: Callable[..., Any]) -> None:
    with pytest.raises(StatsInputError, match="zero standard deviation"):
        function(control=(10, 5.0, 0.0), variant=(10, 6.0, 0.0))


@pytest.mark.parametrize("alpha", BAD_ALPHAS)
def test_bad_alpha_everywhere(alpha: Any) -> None:
    calls = [
        lambda: compare_conversions(control=GOOD_CONV, variant=GOOD_CONV, alpha=alpha),
        lambda: compare_means(control=GOOD_MEAN, variant=GOOD_MEAN, alpha=alpha),
        lambda: sequential_compare_conversions(
            control=GOOD_CONV, variant=GOOD_CONV, planned_per_variant=10, alpha=alpha
        ),
        lambda: sample_size_conversions(baseline=0.1, mde=0.1, alpha=alpha),
        lambda: sample_size_means(sd=1, mde=0.1, alpha=alpha),
        lambda: analyze(
            metric_kind="conversion", variants=[("A", GOOD_CONV), ("B", GOOD_CONV)], alpha=alpha
        ),
    ]
    for call in calls:
        with pytest.raises(StatsInputError, match="alpha"):
            call()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((1, 5.0, 30.0), "at least 2"),
        ((10, NAN, 30.0), "finite"),
        ((10, 5.0, -1.0), "negative"),
        ((10, 10.0, 5.0), "inconsistent"),  # Σx² < (Σx)²/n
    ],
)
def test_bad_sums(args: tuple[Any, ...], words: str) -> None:
    with pytest.raises(StatsInputError, match=words):
        summary_from_sums(*args)


@pytest.mark.parametrize(
    ("observed", "split", "words"),
    [
        ([10, 20], [0.5], "groups"),
        ([10], [1.0], "at least 2"),
        ([10, -1], [0.5, 0.5], "negative"),
        ([0, 0], [0.5, 0.5], "sum to zero"),
        ([10, 20], [0.5, 0.0], "greater than zero"),
        ([10, 20], [0.5, -0.5], "greater than zero"),
        ([10, 20], [0.5, NAN], "finite"),
        ([10, 2.5], [0.5, 0.5], "whole number"),
        ("10,20", [0.5, 0.5], "list"),
        ([10, 20], None, "list"),
    ],
)
def test_bad_srm_inputs(observed: Any, split: Any, words: str) -> None:
    with pytest.raises(StatsInputError, match=words):
        srm_check(observed=observed, planned_split=split)


@pytest.mark.parametrize(
    ("p_values", "method", "words"),
    [
        ([], "holm", "at least one"),
        ([0.1, 1.2], "holm", "between 0 and 1"),
        ([0.1, -0.1], "bh", "between 0 and 1"),
        ([0.1, NAN], "bh", "finite"),
        ([0.1, "x"], "bh", "number"),
        ([0.1], "bonferroni", "method"),
        (None, "holm", "list"),
    ],
)
def test_bad_p_values(p_values: Any, method: str, words: str) -> None:
    with pytest.raises(StatsInputError, match=words):
        adjust_pvalues(p_values, method=method)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"baseline": 0.0, "mde": 0.1}, "baseline"),
        ({"baseline": 1.0, "mde": 0.1}, "baseline"),
        ({"baseline": 0.6, "mde": 1.0}, "target rate"),
        ({"baseline": 0.1, "mde": -0.2, "relative": False}, "target rate"),
        ({"baseline": 0.1, "mde": 0.0}, "mde"),
        ({"baseline": 0.1, "mde": NAN}, "finite"),
        ({"baseline": 0.1, "mde": 0.1, "power": 1.0}, "power"),
        ({"baseline": 0.1, "mde": 0.1, "power": 0.0}, "power"),
        ({"baseline": 0.1, "mde": 0.1, "relative": "yes"}, "relative"),
    ],
)
def test_bad_sample_size_conversions(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(StatsInputError, match=words):
        sample_size_conversions(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"sd": 0.0, "mde": 1.0}, "sd"),
        ({"sd": -1.0, "mde": 1.0}, "sd"),
        ({"sd": 1.0, "mde": 0.0}, "mde"),
        ({"sd": INF, "mde": 1.0}, "finite"),
    ],
)
def test_bad_sample_size_means(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(StatsInputError, match=words):
        sample_size_means(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"per_variant": 0, "variants": 2, "daily_visitors": 100}, "per_variant"),
        ({"per_variant": 100, "variants": 1, "daily_visitors": 100}, "including the control"),
        ({"per_variant": 100, "variants": 2, "daily_visitors": 0}, "daily_visitors"),
        ({"per_variant": 100, "variants": 2, "daily_visitors": NAN}, "finite"),
        ({"per_variant": 1.5, "variants": 2, "daily_visitors": 10}, "whole number"),
    ],
)
def test_bad_duration(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(StatsInputError, match=words):
        test_duration_days(**kwargs)


@pytest.mark.parametrize("planned", [0, -5, 2.5, NAN, "100", None])
def test_bad_planned_sample_for_sequential(planned: Any) -> None:
    with pytest.raises(StatsInputError, match="planned_per_variant"):
        sequential_compare_conversions(
            control=GOOD_CONV, variant=GOOD_CONV, planned_per_variant=planned
        )


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"metric_kind": "ratio"}, "metric_kind"),
        ({"correction": "bonferroni"}, "correction"),
        ({"variants": [("A", GOOD_CONV)]}, "control and 1 to 5"),
        ({"variants": [(f"V{i}", GOOD_CONV) for i in range(7)]}, "control and 1 to 5"),
        ({"variants": [("A", GOOD_CONV), ("A", GOOD_CONV)]}, "unique"),
        ({"variants": [("", GOOD_CONV), ("B", GOOD_CONV)]}, "unique"),
        ({"variants": [("A", GOOD_CONV), ("B",)]}, "pair"),
        ({"variants": "AB"}, "pair"),
        ({"variants": [("A", GOOD_CONV), ("B", (10, 11))]}, "arm 'B' has more conversions"),
        ({"planned_split": [0.5, 0.3, 0.2]}, "3 weights but the test has 2 arms"),
        ({"planned_split": [0.5, 0.0]}, "greater than zero"),
        ({"planned_per_variant": 0}, "planned_per_variant"),
        ({"final": "yes"}, "final"),
        ({"metric_name": ""}, "name"),
    ],
)
def test_bad_analyze_inputs(kwargs: dict[str, Any], words: str) -> None:
    arguments = {
        "metric_kind": "conversion",
        "variants": [("A", GOOD_CONV), ("B", GOOD_CONV)],
        **kwargs,
    }
    with pytest.raises(StatsInputError, match=words):
        analyze(**arguments)


def test_error_is_a_value_error() -> None:
    assert issubclass(StatsInputError, ValueError)
    assert issubclass(stats.BadRowsError, StatsInputError)


DEGENERATE = [
    ("conversion", [("A", (12, 0)), ("B", (12, 0))]),
    ("conversion", [("A", (12, 12)), ("B", (12, 12))]),
    ("conversion", [("A", (1, 0)), ("B", (1, 1))]),
    ("conversion", [("A", (10, 0)), ("B", (10, 10))]),
    ("conversion", [("A", (10**7, 0)), ("B", (10**7, 10**7))]),
    ("continuous", [("A", (2, 0.0, 1.0)), ("B", (2, 0.0, 0.0))]),
    ("continuous", [("A", (50, 0.0, 3.0)), ("B", (50, 1.0, 3.0))]),
    ("continuous", [("A", (50, 1e-300, 1e-300)), ("B", (50, 1e300, 1e300))]),
]


@pytest.mark.parametrize(("kind", "variants"), DEGENERATE)
@pytest.mark.parametrize("planned", [None, 10**8])
def test_degenerate_but_valid_data_never_gives_nan(
    kind: str, variants: Any, planned: int | None
) -> None:
    result = analyze(metric_kind=kind, variants=variants, planned_per_variant=planned)
    json.dumps(result.to_dict(), allow_nan=False)  # raises on NaN or infinity
    for comparison in result.comparisons:
        assert 0.0 <= comparison.p_value <= 1.0
        if comparison.rel_ci is None:
            assert comparison.rel_lift is None


def test_undefined_relative_lift_is_none() -> None:
    zero_control = compare_means(control=(50, 0.0, 3.0), variant=(50, 1.0, 3.0))
    assert zero_control.rel_lift is None and zero_control.rel_ci is None
    no_conversions = compare_conversions(control=(100, 0), variant=(100, 5))
    assert no_conversions.rel_lift is None and no_conversions.rel_ci is None
    assert no_conversions.method == "fisher"
