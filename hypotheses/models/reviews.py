"""The team's metric catalog and the weekly results review."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hypotheses.enums import ItemStatus, ReviewStatus
from hypotheses.models.core import utcnow


class Metric(SQLModel, table=True):
    """A team KPI: name, unit, which direction is good, display format."""

    __table_args__ = (
        UniqueConstraint("team_id", "name", name="uq_metric_team_name"),
        CheckConstraint("direction IN ('up', 'down')", name="ck_metric_direction"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    unit: str = Field(default="count", max_length=16)  # count, money, percent, duration
    direction: str = Field(default="up", max_length=4)
    fmt: str = Field(default="", max_length=32)
    position: int = 0
    tracked: bool = True
    # issue 16: a query on a data source returning this metric's value for an ISO week
    # (:week_start, :week_end bound as parameters)
    source_id: int | None = Field(default=None, foreign_key="datasource.id", ondelete="SET NULL")
    source_query: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Review(SQLModel, table=True):
    """One weekly results review per team per ISO week: draft, then published."""

    __table_args__ = (UniqueConstraint("team_id", "iso_week", name="uq_review_team_week"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    iso_week: str = Field(max_length=8)  # e.g. 2026-W47
    status: str = Field(default=ReviewStatus.DRAFT.value, max_length=16)
    attendees: str = Field(default="", max_length=2000)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    opened_by_id: int | None = Field(default=None, foreign_key="user.id")
    published_by_id: int | None = Field(default=None, foreign_key="user.id")
    published_at: datetime | None = None
    # why a lead published outside the rules (3–7 decisions, KPI values for 5–12 metrics)
    publish_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, default=1))

    __mapper_args__ = {"version_id_col": version.sa_column}  # type: ignore[attr-defined]


class KpiValue(SQLModel, table=True):
    """A metric's value in one review's snapshot."""

    __table_args__ = (UniqueConstraint("review_id", "metric_id", name="uq_kpi_review_metric"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True, ondelete="CASCADE")
    metric_id: int = Field(foreign_key="metric.id", index=True, ondelete="CASCADE")
    value: float


class ReviewDecision(SQLModel, table=True):
    """A decision taken in a review: what, who owns it, by when; open until done."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    text: str = Field(max_length=500)
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    due: date | None = None
    hypothesis_id: int | None = Field(default=None, foreign_key="hypothesis.id")
    experiment_id: int | None = Field(default=None, foreign_key="experiment.id")
    status: str = Field(default=ItemStatus.OPEN.value, max_length=16)
    carried_from_id: int | None = Field(default=None, foreign_key="reviewdecision.id")
    closed_in_review_id: int | None = Field(default=None, foreign_key="review.id")
    created_at: datetime = Field(default_factory=utcnow)


class ReviewAddendum(SQLModel, table=True):
    """A dated correction to a published review."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True, ondelete="CASCADE")
    text: str = Field(sa_column=Column(Text, nullable=False))
    author_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ReviewRead(SQLModel, table=True):
    """A reader's acknowledgement of a published review."""

    __table_args__ = (UniqueConstraint("review_id", "user_id", name="uq_review_read"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    read_at: datetime = Field(default_factory=utcnow)
