"""Builders for experiment tests: designs and tests in a given state, through the domain."""

from __future__ import annotations

from typing import Any

import factories
from sqlmodel import Session

from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.models import Hypothesis, Team, User

CONVERSION = {
    "metric_name": "Lead rate",
    "metric_kind": "conversion",
    "baseline": 0.031,
    "baseline_sd": None,
    "mde": 0.10,
    "mde_relative": True,
    "alpha": 0.05,
    "power": 0.8,
    "daily_visitors": 2000,
    "variants": [{"name": "Control", "split": 50}, {"name": "B", "split": 50}],
}
CONTINUOUS = {
    "metric_name": "Order value",
    "metric_kind": "continuous",
    "baseline": 80.0,
    "baseline_sd": 40.0,
    "mde": 0.05,
    "mde_relative": True,
    "alpha": 0.05,
    "power": 0.8,
    "daily_visitors": 500,
    "variants": [{"name": "Control", "split": 50}, {"name": "B", "split": 50}],
}


def design_data(kind: str = "conversion", **overrides: Any) -> dict[str, Any]:
    """Return a valid design (fractions), with *overrides* applied."""
    base = CONVERSION if kind == "conversion" else CONTINUOUS
    return {**base, "variants": [dict(v) for v in base["variants"]], **overrides}


def approved(
    session: Session, *, team: Team, author: User | None = None, **fields: Any
) -> Hypothesis:
    """Return a new approved hypothesis."""
    return factories.make_hypothesis(session, team=team, author=author, status="approved", **fields)


def designed(
    session: Session,
    *,
    team: Team,
    actor: User,
    kind: str = "conversion",
    title: str | None = None,
    **overrides: Any,
) -> Hypothesis:
    """Return an approved hypothesis with a saved test design."""
    extra = {"title": title} if title else {}
    hypothesis = approved(session, team=team, author=actor, **extra)
    experiments.save_design(
        session,
        team=team,
        actor=actor,
        hypothesis_id=hypothesis.id,
        data=design_data(kind, **overrides),
    )
    return hypothesis


def running(
    session: Session,
    *,
    team: Team,
    lead: User,
    kind: str = "conversion",
    title: str | None = None,
    **overrides: Any,
) -> Hypothesis:
    """Return a hypothesis whose test is running."""
    hypothesis = designed(session, team=team, actor=lead, kind=kind, title=title, **overrides)
    experiments.start(session, team=team, actor=lead, hypothesis_id=hypothesis.id)
    return hypothesis


def conversion_results(
    control=(10000, 310), variant=(10000, 390), names=("Control", "B")
) -> list[dict]:
    """Return per-variant conversion numbers as record_results takes them."""
    return [
        {"name": names[0], "visitors": control[0], "conversions": control[1]},
        {"name": names[1], "visitors": variant[0], "conversions": variant[1]},
    ]
