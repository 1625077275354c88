"""SQL data sources (issue 16): a team's connections, the queries a test's results come from,
each refresh's per-variant statistics, and KPI values filled from a source."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hypotheses.models.core import utcnow


class DataSource(SQLModel, table=True):
    """A named read-only connection of a team; the connection itself is stored encrypted."""

    __table_args__ = (
        UniqueConstraint("team_id", "name", name="uq_datasource_team_name"),
        CheckConstraint(
            "kind IN ('postgresql', 'clickhouse', 'chdb', 'duckdb', 'files', 'sqlalchemy')",
            name="ck_datasource_kind",
        ),
        CheckConstraint("timeout_s BETWEEN 1 AND 600", name="ck_datasource_timeout"),
        CheckConstraint("max_rows BETWEEN 1 AND 100000", name="ck_datasource_max_rows"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    kind: str = Field(max_length=16)
    secret: str = Field(sa_column=Column(Text, nullable=False))  # MultiFernet token
    display: str = Field(default="", max_length=300)  # the connection without its password
    timeout_s: int = 30
    max_rows: int = 1000
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ExperimentSource(SQLModel, table=True):
    """Where a test's results come from: the source, its assignment query and the attribution
    window (events within *days* days after the first exposure)."""

    __table_args__ = (CheckConstraint("days BETWEEN 1 AND 365", name="ck_experimentsource_days"),)

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", unique=True, ondelete="CASCADE")
    source_id: int = Field(foreign_key="datasource.id", index=True, ondelete="CASCADE")
    assignment_sql: str = Field(sa_column=Column(Text, nullable=False))
    days: int = 7
    updated_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow)


class MetricQuery(SQLModel, table=True):
    """A test metric's query (user id, time, value); *metric_key* names the metric of the test
    ("primary", or a per-test metric's key: hypotheses.domain.sources.metric_links)."""

    __table_args__ = (
        UniqueConstraint("experiment_id", "metric_key", name="uq_metricquery_metric"),
    )

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True, ondelete="CASCADE")
    metric_key: str = Field(max_length=120)
    sql: str = Field(sa_column=Column(Text, nullable=False))


class SourceRefresh(SQLModel, table=True):
    """One successful refresh of a test from its source: per metric, per variant statistics
    (n, sum, sum of squares, conversions), and the result set it recorded as a look."""

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True, ondelete="CASCADE")
    result_set_id: int | None = Field(default=None, foreign_key="resultset.id", ondelete="SET NULL")
    ran_at: datetime = Field(default_factory=utcnow)
    ran_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    seconds: float = 0.0
    stats: list = Field(sa_column=Column(JSON, nullable=False))


class KpiFetch(SQLModel, table=True):
    """A KPI value a review's snapshot took from a source, and a person's override of it."""

    __table_args__ = (UniqueConstraint("review_id", "metric_id", name="uq_kpifetch_metric"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True, ondelete="CASCADE")
    metric_id: int = Field(foreign_key="metric.id", ondelete="CASCADE")
    value: float
    fetched_at: datetime = Field(default_factory=utcnow)
    override_reason: str | None = Field(default=None, max_length=500)
    overridden_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    overridden_at: datetime | None = None
