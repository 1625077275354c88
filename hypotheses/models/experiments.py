"""Experiments (tests), their variants, entered results and stored analyses."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from hypotheses.enums import ExperimentStatus, MetricKind
from hypotheses.models.core import utcnow


class Experiment(SQLModel, table=True):
    """The run of one hypothesis: its pre-registered design, dates, decision and learning."""

    __table_args__ = (
        CheckConstraint("alpha > 0 AND alpha <= 0.5", name="ck_experiment_alpha"),
        CheckConstraint("power > 0 AND power < 1", name="ck_experiment_power"),
        CheckConstraint(
            "metric_kind IN ('conversion', 'continuous')", name="ck_experiment_metric_kind"
        ),
        CheckConstraint("slot IS NULL OR slot BETWEEN 1 AND 3", name="ck_experiment_slot_range"),
        # One running test per slot per team: the database itself refuses a 4th start even
        # if two requests raced past the count check (plain-column partial index: it
        # survives Alembic batch recreates, RELIABILITY.md finding 4).
        Index(
            "uq_experiment_running_slot",
            "team_id",
            "slot",
            unique=True,
            sqlite_where=text("slot IS NOT NULL"),
            postgresql_where=text("slot IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    hypothesis_id: int = Field(foreign_key="hypothesis.id", unique=True, ondelete="CASCADE")
    metric_name: str = Field(default="", max_length=120)
    metric_kind: str = Field(default=MetricKind.CONVERSION.value, max_length=16)
    baseline: float | None = None  # rate for conversions, mean for continuous
    baseline_sd: float | None = None
    mde: float | None = None
    mde_relative: bool = True
    alpha: float = 0.05
    power: float = 0.8
    daily_visitors: int | None = None
    per_variant: int | None = None  # planned sample size per variant (computed)
    duration_days: int | None = None
    status: str = Field(default=ExperimentStatus.DESIGN.value, max_length=16, index=True)
    slot: int | None = None  # 1..limit while running, else NULL
    started_at: datetime | None = None
    ended_at: datetime | None = None
    stop_reason: str | None = Field(default=None, max_length=1000)
    decision: str | None = Field(default=None, max_length=16)
    outcome: str | None = Field(default=None, max_length=16)
    learning: str | None = Field(default=None, max_length=500)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = None
    # issue 13: why a test ended below its planned sample, why a decision goes against the
    # analysis, and when and why a lead corrected a recorded decision
    finish_reason: str | None = Field(default=None, max_length=1000)
    decision_reason: str | None = Field(default=None, max_length=1000)
    correction_reason: str | None = Field(default=None, max_length=1000)
    corrected_at: datetime | None = None
    # issue 13, what it is worth: money per conversion of the primary metric (None: not
    # given), or the primary metric is itself money per visitor; visitors a month after launch
    value_per_conversion: float | None = None
    metric_is_money: bool = False
    monthly_traffic: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, default=1))

    __mapper_args__ = {"version_id_col": version.sa_column}  # type: ignore[attr-defined]


class Variant(SQLModel, table=True):
    """A test arm with its planned traffic share; position 0 is the control."""

    __table_args__ = (
        UniqueConstraint("experiment_id", "position", name="uq_variant_position"),
        UniqueConstraint("experiment_id", "name", name="uq_variant_name"),
        CheckConstraint("split > 0 AND split <= 1", name="ck_variant_split"),
    )

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True, ondelete="CASCADE")
    position: int
    name: str = Field(max_length=60)
    split: float


class ResultSet(SQLModel, table=True):
    """One entry of results for all variants (an early look or the final numbers)."""

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True, ondelete="CASCADE")
    final: bool = False
    source: str = Field(default="form", max_length=16)  # form, csv, per-user csv, api
    # Per-variant sufficient statistics, in variant order.
    data: list = Field(sa_column=Column(JSON, nullable=False))
    # issue 13: the secondary metrics' and guardrails' numbers, {metric name: [per-variant
    # {conversions} or {mean, sd}, in variant order]}; arm sizes are the primary's
    metric_data: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    file_name: str | None = Field(default=None, max_length=255)
    entered_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Analysis(SQLModel, table=True):
    """The stored, reproducible output of the stats engine for one result set."""

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True, ondelete="CASCADE")
    result_set_id: int = Field(foreign_key="resultset.id", ondelete="CASCADE")
    engine_version: str = Field(max_length=32)
    inputs: dict = Field(sa_column=Column(JSON, nullable=False))
    output: dict = Field(sa_column=Column(JSON, nullable=False))
    verdict: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
