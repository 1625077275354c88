"""Pure statistics engine for A/B tests (NumPy/SciPy only; no Flask, no database).

Conventions (DESIGN.md §5): two-sided tests, absolute (B − A) and relative ((B − A)/A)
lift, intervals at 1 − α, every comparison variant vs control, p-values from survival
functions. Invalid input raises ``StatsInputError``; no function returns NaN.
"""

from stats._version import ENGINE_VERSION
from stats.analysis import EARLY_LOOK_METHODS, analyze
from stats.bayes import probability_to_beat_control
from stats.errors import BadRow, BadRowsError, StatsInputError
from stats.frequentist import (
    adjust_pvalues,
    compare_conversions,
    compare_means,
    srm_check,
    summary_from_sums,
)
from stats.group_sequential import (
    GroupSequentialBounds,
    group_sequential_bounds,
    group_sequential_compare_conversions,
    group_sequential_compare_means,
)
from stats.guardrails import (
    NonInferiorityResult,
    benjamini_hochberg,
    noninferiority_conversions,
    noninferiority_means,
)
from stats.impact import ImpactResult, projected_impact
from stats.inputs import ConversionCounts, MeanSummary
from stats.messages import EARLY_LOOK_PROMISES
from stats.peruser import PerUserSummary, VariantTotals, reduce_per_user_csv
from stats.power import sample_size_conversions, sample_size_means, test_duration_days
from stats.results import (
    AnalysisResult,
    AnalysisWarning,
    ArmSummary,
    Comparison,
    ComparisonResult,
    ProbabilityResult,
    SequentialResult,
    SRMResult,
)
from stats.sequential import sequential_compare_conversions, sequential_compare_means

__version__ = ENGINE_VERSION

__all__ = [
    "EARLY_LOOK_METHODS",
    "EARLY_LOOK_PROMISES",
    "ENGINE_VERSION",
    "GroupSequentialBounds",
    "ImpactResult",
    "NonInferiorityResult",
    "AnalysisResult",
    "AnalysisWarning",
    "ArmSummary",
    "BadRow",
    "BadRowsError",
    "Comparison",
    "ComparisonResult",
    "ConversionCounts",
    "MeanSummary",
    "PerUserSummary",
    "ProbabilityResult",
    "SRMResult",
    "SequentialResult",
    "StatsInputError",
    "VariantTotals",
    "__version__",
    "adjust_pvalues",
    "analyze",
    "benjamini_hochberg",
    "compare_conversions",
    "compare_means",
    "group_sequential_bounds",
    "group_sequential_compare_conversions",
    "group_sequential_compare_means",
    "noninferiority_conversions",
    "noninferiority_means",
    "probability_to_beat_control",
    "projected_impact",
    "reduce_per_user_csv",
    "sample_size_conversions",
    "sample_size_means",
    "sequential_compare_conversions",
    "sequential_compare_means",
    "srm_check",
    "summary_from_sums",
    "test_duration_days",
]
