"""Input-error texts and warning codes of the statistics engine (English errors).

Verdicts and warnings are codes and numbers, never prose (DESIGN.md §5): the app words them
in the reader's language, the command line in English (``stats._cli_text``).

Placeholders use ``str.format`` names so a translation can reorder them.
"""

# --- input errors -------------------------------------------------------------------------
NOT_A_NUMBER = "{name} must be a number, got {value!r}."
NOT_FINITE = "{name} must be a finite number, got {value!r}."
NOT_AN_INTEGER = "{name} must be a whole number, got {value!r}."
TOO_LARGE = "{name} is too large ({value!r}); counts must be below 2^53."
NEGATIVE = "{name} must not be negative, got {value!r}."
NOT_POSITIVE = "{name} must be greater than zero, got {value!r}."
ALPHA_RANGE = "alpha must be between 0 and 1 (exclusive), got {value!r}."
POWER_RANGE = "power must be between 0 and 1 (exclusive), got {value!r}."
PROBABILITY_RANGE = "{name} must be between 0 and 1, got {value!r}."
ARM_SHAPE = "{name} must be {shape}, got {value!r}."
ZERO_VISITORS = "{name} has zero visitors; a conversion rate needs at least one visitor."
CONVERSIONS_EXCEED_VISITORS = (
    "{name} has more conversions ({conversions}) than visitors ({visitors})."
)
TOO_FEW_OBSERVATIONS = "{name} needs at least 2 observations, got {n}."
ZERO_VARIANCE_BOTH = (
    "Both arms have zero standard deviation; a t-test needs variation in at least one arm."
)
INCONSISTENT_SUMS = (
    "The sum of squares ({total_of_squares!r}) is smaller than sum²/n ({minimum!r}); "
    "the sums are inconsistent."
)
OUT_OF_RANGE = "The inputs are too extreme to compute a reliable result ({what})."
SRM_LENGTHS = "observed has {observed} groups but planned_split has {planned}."
SRM_TOO_FEW_GROUPS = "A sample-ratio check needs at least 2 groups, got {count}."
SRM_NO_OBSERVATIONS = "observed counts sum to zero; nothing to check."
PVALUES_EMPTY = "p_values must contain at least one p-value."
UNKNOWN_METHOD = "{name} must be one of {allowed}, got {value!r}."
BASELINE_RANGE = "baseline must be a rate strictly between 0 and 1, got {value!r}."
TARGET_RANGE = (
    "baseline {baseline!r} with mde {mde!r} gives a target rate of {target!r}, "
    "which is not strictly between 0 and 1."
)
MDE_ZERO = "mde must not be zero."
VARIANTS_TOO_FEW = (
    "variants must count every arm including the control (at least 2), got {value!r}."
)
ANALYSIS_ARMS = (
    "A test needs a control and 1 to 5 variants ({minimum} to {maximum} arms), got {count}."
)
ANALYSIS_NAME = "Each arm needs a unique, non-empty name; got {value!r}."
METRIC_NAME = "metric_name must be a non-empty text, got {value!r}."
ANALYSIS_ITEM = "Each entry of variants must be a (name, statistics) pair, got {value!r}."
LOOKS_COUNT = "A group-sequential design needs 1 to {maximum} looks."
LOOKS_ORDER = (
    "Information fractions must be positive and strictly increasing; entry {index} is {value!r}."
)
LOOKS_SHAPE = "looks must be a list of earlier per-arm sample sizes, got {value!r}."
LOOKS_AFTER_CURRENT = (
    "looks lists a sample size of {value} per arm, beyond the current {current}; earlier looks "
    "cannot have more data than now."
)
LOOKS_NEED_PLAN = "Group-sequential early looks need planned_per_variant."
PLANNED_SPLIT_LENGTH = "planned_split has {planned} weights but the test has {arms} arms."

# --- per-user files -----------------------------------------------------------------------
FILE_UNREADABLE = "The file could not be opened: {detail}"
FILE_PARSE_ERROR = "The file could not be read as CSV: {detail}"
FILE_EMPTY = "The file has no header line (it is empty or its first line is blank)."
FILE_NOT_UTF8 = "The file is not valid {encoding} text: {detail}"
FILE_HEADER_UNREADABLE = "The header line could not be read: {detail}"
COLUMNS_MISSING = "Column(s) {missing} not found in the header; the header has: {header}."
COLUMN_AMBIGUOUS = "Column {name!r} appears more than once in the header."
METRIC_COLUMN_REQUIRED = "Give a conversion column, a value column or both."
SAME_COLUMN_TWICE = "The variant, conversion and value columns must be different columns."
NO_DATA_ROWS = "The file has no data rows."
NO_GOOD_ROWS = "No usable rows remain after skipping {bad} bad row(s)."
TOO_MANY_VARIANTS = (
    "The variant column has more than {limit} distinct values; pass variants=[...] "
    "with the expected names."
)
BAD_ROWS_REFUSED = (
    "The file has {count} bad row(s), so it was not used ({shown}). "
    "Fix these rows or choose to skip bad rows."
)
BAD_ROW_FIELD_COUNT = "expected {expected} fields, found {actual}"
BAD_ROW_MISSING = "{column} is empty"
BAD_ROW_UNKNOWN_VARIANT = "unknown variant {value!r}"
BAD_ROW_NOT_A_NUMBER = "{column} is not a number: {value!r}"
BAD_ROW_NOT_FINITE = "{column} is not a finite number: {value!r}"
BAD_ROW_NOT_BINARY = "{column} must be 0 or 1, found {value!r}"
RECORD_NOT_LINE = (
    " (record {record}; line numbers are approximate because of line breaks inside quoted values)"
)

# --- analysis warning codes (the numbers are in AnalysisWarning.data; texts are the app's) ---
WARNING_SRM = "srm"
WARNING_UNDERPOWERED = "underpowered"
WARNING_EARLY_LOOK = "early_look"
WARNING_MULTIPLE_VARIANTS = "multiple_variants"

# --- what each early-look method promises (one sentence each, for the UI) ----------------
EARLY_LOOK_PROMISES = {
    "obrien-fleming": (
        "Look as often as you like while recording every look: the chance of a false winner "
        "over the whole test stays at α, early looks need overwhelming evidence, and the "
        "final look at the planned sample is almost as powerful as a single test."
    ),
    "pocock": (
        "Look as often as you like while recording every look: the chance of a false winner "
        "over the whole test stays at α, with the same bar at every look, so clear winners "
        "stop earlier but the final look needs more evidence than a single test."
    ),
    "always-valid": (
        "Look at any time without recording looks: the chance of a false winner stays below "
        "α however often you peek, at the price of wider intervals and less power at the "
        "planned sample than a single test."
    ),
}
