"""The metrics of a test beside its primary one: secondary metrics and guardrails (issue 13).

The primary metric stays on the experiment (metric_name, metric_kind, baseline, …): it decides
the verdict and drives the planned sample. Secondary metrics (up to 5) are shown, adjusted with
Benjamini–Hochberg, as exploratory; guardrails (up to 3) are tested one-sided against a
tolerated loss in their good direction.
"""

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel


class ExperimentMetric(SQLModel, table=True):
    """A secondary metric or a guardrail of one test; ``position`` orders them per role."""

    __table_args__ = (
        UniqueConstraint("experiment_id", "name", name="uq_experimentmetric_name"),
        CheckConstraint("role IN ('secondary', 'guardrail')", name="ck_experimentmetric_role"),
        CheckConstraint("kind IN ('conversion', 'continuous')", name="ck_experimentmetric_kind"),
        CheckConstraint(
            "direction IN ('increase', 'decrease')", name="ck_experimentmetric_direction"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=16)
    position: int = 0
    name: str = Field(max_length=120)
    kind: str = Field(max_length=16)
    # optional baseline (rate or mean, and sd for a continuous metric): the design form says
    # whether the planned sample is enough for it
    baseline: float | None = None
    baseline_sd: float | None = None
    # the good direction ("increase": higher is better) and, for a guardrail, the tolerated
    # loss as a fraction of the control's value (0.02 = 2%)
    direction: str = Field(default="increase", max_length=16)
    tolerance: float | None = None
