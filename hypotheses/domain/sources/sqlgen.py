"""The aggregate query generated per metric: the team's assignment and metric queries become
CTEs, joined in the source, reduced to per-variant sufficient statistics.

The assignment query returns ``user_id, variant, exposed_at`` (first exposure time); a metric
query returns ``user_id, event_at, value``. A user counts once, in the variant of their first
exposure inside the test's window (``:window_start`` to ``:window_end``, bound parameters);
a user seen in two variants is left out. A user's value is the sum of their metric events
from exposure up to *days* days later (0 without events; only users with events are grouped
per user, so the work grows with the events, not the exposures). The engine returns, per
variant, ``n``, the sum and the sum of squares of those values, and ``conversions`` (users
with a value above 0): no more rows than variants leave the source.
"""

from __future__ import annotations

from typing import Any

ASSIGNMENT_COLUMNS = ("user_id", "variant", "exposed_at")
METRIC_COLUMNS = ("user_id", "event_at", "value")
RESULT_COLUMNS = ("variant", "n", "value_sum", "value_sum_sq", "conversions")
MAX_DAYS = 365


def _plus_days(dialect: str, column: str, days: int) -> str:
    days = int(days)  # validated 1..MAX_DAYS by the caller; an integer, never text
    if dialect == "postgresql":
        return f"{column} + INTERVAL '{days} days'"
    if dialect in ("duckdb", "clickhouse"):
        return f"{column} + INTERVAL {days} DAY"
    if dialect == "bigquery":
        return f"TIMESTAMP_ADD({column}, INTERVAL {days} DAY)"
    if dialect == "snowflake":
        return f"DATEADD(day, {days}, {column})"
    return f"{column} + INTERVAL '{days}' DAY"


def _indent(sql: str) -> str:
    return "\n".join("    " + line for line in sql.strip().splitlines())


def aggregate_sql(dialect: str, assignment_sql: str, metric_sql: str, days: int) -> str:
    """Return the one query that yields per-variant sufficient statistics for a metric."""
    until = _plus_days(dialect, "x.first_exposure", days)
    return f"""WITH
assignment AS (
{_indent(assignment_sql)}
),
metric AS (
{_indent(metric_sql)}
),
exposure AS (
    SELECT user_id AS unit_id, MIN(variant) AS arm, MIN(exposed_at) AS first_exposure
    FROM assignment
    WHERE exposed_at >= :window_start AND exposed_at < :window_end
    GROUP BY user_id
    HAVING MIN(variant) = MAX(variant)
),
per_user AS (
    SELECT x.arm AS arm, x.unit_id AS unit_id, SUM(m.value) AS user_value
    FROM exposure AS x
    JOIN metric AS m ON m.user_id = x.unit_id
    WHERE m.event_at >= x.first_exposure AND m.event_at < {until}
    GROUP BY x.arm, x.unit_id
),
arm_users AS (
    SELECT arm AS users_arm, COUNT(*) AS users FROM exposure GROUP BY arm
),
arm_values AS (
    SELECT arm AS values_arm, SUM(user_value) AS value_sum,
        SUM(user_value * user_value) AS value_sum_sq,
        SUM(CASE WHEN user_value > 0 THEN 1 ELSE 0 END) AS conversions
    FROM per_user
    GROUP BY arm
)
SELECT u.users_arm AS variant, u.users AS n, COALESCE(v.value_sum, 0) AS value_sum,
    COALESCE(v.value_sum_sq, 0) AS value_sum_sq, COALESCE(v.conversions, 0) AS conversions
FROM arm_users AS u
LEFT JOIN arm_values AS v ON v.values_arm = u.users_arm
ORDER BY u.users_arm"""


def columns_probe(sql: str) -> str:
    """A query that returns no row but the columns of *sql* (to check its shape)."""
    return f"SELECT * FROM (\n{_indent(sql)}\n) AS probe WHERE 1 = 0"


def kpi_sql(sql: str) -> str:
    """The team's KPI query wrapped so engine settings apply to the whole of it."""
    return f"SELECT * FROM (\n{_indent(sql)}\n) AS kpi"


def variant_stats(row: tuple) -> dict[str, Any]:
    """One result row as numbers: {variant, n, sum, sum_sq, conversions}."""
    variant, n, total, total_sq, conversions = row
    return {
        "variant": str(variant),
        "n": int(n),
        "sum": float(total or 0),
        "sum_sq": float(total_sq or 0),
        "conversions": int(conversions or 0),
    }
