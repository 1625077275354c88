"""A new team's first steps, each ticked from what the team has really done.

Add hypotheses, score them, approve one, design its test, start it, hold the first review.
Read-only: one statement of six EXISTS.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hypotheses.enums import ReviewStatus
from hypotheses.models import AuditEntry, Experiment, Hypothesis, Review, Team

STEPS = ("add", "score", "approve", "design", "start", "review")
DEFAULT_ICE = 5  # a hypothesis nobody scored has 5 / 5 / 5


@dataclass(frozen=True)
class Step:
    key: str  # one of STEPS
    done: bool


def first_steps(session: Session, *, team: Team) -> list[Step] | None:
    """Return the six steps with their state, or None once every one is done."""
    hypotheses = select(Hypothesis.id).where(Hypothesis.team_id == team.id)
    experiments = select(Experiment.id).where(Experiment.team_id == team.id)
    queries = {
        "add": hypotheses,
        "score": hypotheses.where(
            or_(
                Hypothesis.impact != DEFAULT_ICE,
                Hypothesis.confidence != DEFAULT_ICE,
                Hypothesis.ease != DEFAULT_ICE,
            )
        ),
        "scored": select(AuditEntry.id).where(
            AuditEntry.team_id == team.id, AuditEntry.action == "hypothesis.score"
        ),
        "approve": hypotheses.where(col(Hypothesis.approved_at).is_not(None)),
        "design": experiments,
        "start": experiments.where(col(Experiment.started_at).is_not(None)),
        "review": select(Review.id).where(
            Review.team_id == team.id, Review.status == ReviewStatus.PUBLISHED.value
        ),
    }
    row = session.execute(sa_select(*(exists(q) for q in queries.values()))).one()
    done = {key: bool(value) for key, value in zip(queries, row, strict=True)}
    scored = done.pop("scored")  # scored after it was written
    done["score"] = done["score"] or scored
    if all(done.values()):
        return None
    return [Step(key=key, done=done[key]) for key in STEPS]
