"""The hypothesis: the unit of the backlog."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Integer, Text
from sqlmodel import Field, SQLModel

from hypotheses.domain.backlog.scoring import ice_score
from hypotheses.enums import Status
from hypotheses.models.core import utcnow

ICE_CHECKS = tuple(
    CheckConstraint(f"{name} BETWEEN 1 AND 10", name=f"ck_hypothesis_{name}")
    for name in ("impact", "confidence", "ease")
)


class Hypothesis(SQLModel, table=True):
    """If we *change* for *audience*, then *metric* moves by *expected effect*,
    because *rationale*."""

    __table_args__ = (
        *ICE_CHECKS,
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="ck_hypothesis_title_len"),
        Index("ix_hypothesis_team_status", "team_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    change: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    audience: str = Field(default="", max_length=500)
    expected_effect: str = Field(default="", max_length=500)
    rationale: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    stage: str = Field(max_length=16)
    lever: str = Field(max_length=16)
    subject: str = Field(max_length=16)
    channel: str = Field(default="", max_length=120)
    owner_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    tags: str = Field(default="", max_length=500)  # comma-separated, normalised lower-case
    links: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    impact: int = 5
    confidence: int = 5
    ease: int = 5
    # Optional RICE inputs (team setting): reach per period and effort in person-weeks.
    reach: int | None = None
    effort: float | None = None
    status: str = Field(default=Status.BACKLOG.value, max_length=16, index=True)
    reject_reason: str | None = Field(default=None, max_length=1000)
    approved_by_id: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = None
    approved_version: int | None = None
    parent_id: int | None = Field(default=None, foreign_key="hypothesis.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, default=1))

    __mapper_args__ = {"version_id_col": version.sa_column}  # type: ignore[attr-defined]

    def score(self, formula: str) -> float:
        """Return the ICE score under the team's formula (mean or product), see ``scoring``."""
        return ice_score(self.impact, self.confidence, self.ease, formula)

    @property
    def tag_list(self) -> list[str]:
        return [t for t in (s.strip() for s in self.tags.split(",")) if t]

    @property
    def link_list(self) -> list[str]:
        return [t for t in (s.strip() for s in self.links.splitlines()) if t]
