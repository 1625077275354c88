"""Demo tests: 8 decided over the past 8 weeks, 1 waiting for a decision, 2 running.

Every test goes through the real use cases (create → approve → design → start → results →
decide), so the rules hold (at most 3 running at once, pre-registration, audit trail) and the
analyses come from the real statistics engine. The use cases stamp "now"; afterwards the
timestamps are moved back to the demo's calendar with plain UPDATEs (no version bump).

The numbers (the story) are here; the words (titles, metrics, variant names, learnings) come
from content_<language>.TESTS in the team's default language, in the same order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from hypotheses.demo import metrics as demo_metrics
from hypotheses.demo.content import ExperimentText, content_for
from hypotheses.domain.backlog import lifecycle as backlog
from hypotheses.domain.experiments import ending as experiment_end
from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.domain.experiments.design import validate_design
from hypotheses.models import (
    Analysis,
    AuditEntry,
    Experiment,
    Hypothesis,
    ResultSet,
    Team,
    User,
    utcnow,
)


class DemoIdea(NamedTuple):
    """A row of IDEAS: the hypothesis behind a demo test."""

    stage: str
    lever: str
    subject: str
    ice: tuple[int, int, int]
    author: str  # the author's role


@dataclass
class DemoTest:
    """A row of TESTS: the numbers of one demo test and its life."""

    baseline: float
    mde: float
    rates: list[float]  # per variant, control first: conversion rate, or a continuous mean
    started: int  # days ago
    days: int  # planned length in days (sets the expected daily traffic)
    sd: float | None = None  # continuous metrics (money): the baseline standard deviation
    sds: list[float] = field(default_factory=list)  # continuous: per-arm sd in the results
    fill: float = 1.04  # share of the planned sample collected (below 1: an early look)
    skew: list[float] = field(default_factory=list)  # per-arm traffic factor (SRM demo)
    finished: bool = False  # ended, waiting for the lead's decision
    ended: tuple[str, str, int] | None = None  # (decision, outcome, days ago); None: not decided


# The hypotheses, in the order of the words in content_<language>.TESTS (the English title above
# each row): stage, lever, subject, (I, C, E), the author's role.
IDEAS = [
    # Price in the ad text
    ("attention", "traffic", "creative", (7, 8, 8), "marketer"),
    # Phone number in the header
    ("lead", "conversion", "landing page", (6, 8, 9), "marketer"),
    # Personal manager photo in e-mails
    ("trust", "conversion", "message", (4, 4, 9), "marketer"),
    # Free trial extended to 21 days
    ("sale", "conversion", "offer", (8, 9, 7), "lead"),
    # Case studies by industry
    ("trust", "conversion", "landing page", (6, 7, 5), "marketer"),
    # Reminder call before the demo
    ("lead", "conversion", "lead handling", (7, 5, 7), "lead"),
    # Instant quote calculator
    ("interest", "conversion", "landing page", (8, 6, 4), "marketer"),
    # Cross-sell block in the cart
    ("sale", "aov", "offer", (7, 6, 8), "marketer"),
    # WhatsApp button
    ("lead", "conversion", "lead handling", (7, 8, 9), "marketer"),
    # Customer logos above the fold
    ("trust", "conversion", "creative", (5, 6, 9), "marketer"),
    # A number in the ad headline
    ("attention", "traffic", "creative", (5, 5, 10), "marketer"),
]

# Their tests, in the same order: baseline, relative MDE, per-variant rates (or means), started
# (days ago), planned days; then what is special, and how the test ended.
TESTS = [
    DemoTest(0.018, 0.15, [0.0182, 0.0149], 56, 7, ended=("kill", "lost", 48)),
    DemoTest(0.042, 0.2, [0.0421, 0.0509], 54, 12, ended=("ship", "won", 41)),
    DemoTest(0.08, 0.2, [0.081, 0.0838], 47, 12, ended=("kill", "inconclusive", 34)),
    DemoTest(0.18, 0.12, [0.1852, 0.1591], 40, 13, ended=("kill", "lost", 26)),
    DemoTest(
        0.025,
        0.3,
        [0.0243, 0.0309, 0.0271],
        33,
        13,
        fill=1.08,
        skew=[1.0, 1.07, 0.94],
        ended=("iterate", "inconclusive", 19),
    ),
    DemoTest(0.55, 0.15, [0.546, 0.652], 30, 18, ended=("ship", "won", 11)),
    DemoTest(0.03, 0.25, [0.0302, 0.0327], 24, 14, ended=("iterate", "inconclusive", 8)),
    DemoTest(64.0, 0.05, [63.8, 67.9], 19, 14, sd=38.0, sds=[37.5, 40.2], ended=("ship", "won", 3)),
    DemoTest(0.04, 0.2, [0.0402, 0.0455], 11, 14, fill=0.71),
    DemoTest(0.045, 0.15, [0.0447, 0.0469], 6, 21, fill=0.27),
    DemoTest(0.02, 0.1, [0.0201, 0.0226], 4, 3, finished=True),
]


def _scale(test: DemoTest, money: float) -> float:
    """Return the factor for the test's values: continuous metrics are money."""
    return money if test.sd is not None else 1


def _design(test: DemoTest, text: ExperimentText, daily: int, money: float) -> dict:
    scale = _scale(test, money)
    data = {
        "metric_name": text.metric,
        "baseline": test.baseline * scale,
        "mde": test.mde,
        "mde_relative": True,
        "alpha": 0.05,
        "power": 0.8,
        "daily_visitors": daily,
        "variants": [{"name": arm, "split": 1 / len(test.rates)} for arm in text.arms],
    }
    if test.sd is not None:
        data.update(metric_kind="continuous", baseline_sd=test.sd * scale)
    else:
        data["metric_kind"] = "conversion"
    return data


def _results(test: DemoTest, text: ExperimentText, per_variant: int, money: float) -> list[dict]:
    scale = _scale(test, money)
    rows = []
    for i, (arm, rate) in enumerate(zip(text.arms, test.rates, strict=True)):
        # A small deterministic wobble so the arms are not suspiciously equal.
        wobble = 1 + (0.004 if i % 2 else -0.003)
        size = round(per_variant * test.fill * wobble * (test.skew[i] if test.skew else 1))
        if test.sd is not None:
            rows.append({"name": arm, "n": size, "mean": rate * scale, "sd": test.sds[i] * scale})
        else:
            rows.append({"name": arm, "visitors": size, "conversions": round(size * rate)})
    return rows


class _Clock:
    """Move the rows a use case just wrote back to the demo's calendar."""

    def __init__(self, session: Session):
        self.session = session
        self.mark = self._last()

    def _last(self) -> int:
        return self.session.exec(select(func.max(col(AuditEntry.id)))).one() or 0

    def stamp(self, when: datetime) -> None:
        """Date every audit entry written since the last stamp at *when*."""
        self.session.exec(
            update(AuditEntry).where(col(AuditEntry.id) > self.mark).values(created_at=when)
        )
        self.mark = self._last()


def _create(
    session: Session,
    order: int,
    text: ExperimentText,
    team: Team,
    people: dict[str, User],
    clock: _Clock,
    start: datetime,
) -> Hypothesis:
    """Write and approve the hypothesis of test *order* (approved by someone other than its
    author) before *start*."""
    test, idea = TESTS[order], DemoIdea(*IDEAS[order])
    author = people[idea.author]
    created, approved = start - timedelta(days=9 + test.started % 7), start - timedelta(days=3)
    impact, confidence, ease = idea.ice
    hypothesis, _room = backlog.create_hypothesis(
        session,
        team=team,
        actor=author,
        data={
            "title": text.idea.title,
            "change": text.idea.change,
            "audience": text.idea.audience,
            "expected_effect": text.idea.effect,
            "rationale": text.idea.rationale,
            "stage": idea.stage,
            "lever": idea.lever,
            "subject": idea.subject,
            "channel": text.idea.channel,
            "tags": text.idea.tags,
            "impact": impact,
            "confidence": confidence,
            "ease": ease,
            "owner_id": author.id,
        },
    )
    clock.stamp(created)
    approver = people["lead"] if author.id != people["lead"].id else people["admin"]
    backlog.approve(session, hypothesis_id=hypothesis.id, team=team, actor=approver)
    clock.stamp(approved)
    session.exec(
        update(Hypothesis)
        .where(col(Hypothesis.id) == hypothesis.id)
        .values(created_at=created, approved_at=approved)
    )
    return hypothesis


def _events(now: datetime) -> list[tuple[datetime, int, str]]:
    """Return the lifecycle steps (when, test index, step) in calendar order (the limit holds)."""
    events = []
    for order, test in enumerate(TESTS):
        start = now - timedelta(days=test.started, hours=order % 5)
        events.append((start, order, "start"))
        if test.ended or test.finished:
            end = start + timedelta(days=test.days, hours=3)
            events.append((end, order, "finish"))
        if test.ended:
            events.append((now - timedelta(days=test.ended[2], hours=2), order, "decide"))
        elif not test.finished:
            events.append((now - timedelta(hours=20 + order), order, "look"))
    return sorted(events)


def load(session: Session, *, team: Team, people: dict[str, User]) -> list[Experiment]:
    """Add the demo tests to *team*: 8 decided, 1 awaiting a decision, 2 running (early looks).

    The words are in the team's default language (English when it has none).
    """
    words = content_for(team.default_language)
    texts: list[ExperimentText] = list(words.TESTS)
    if len(texts) != len(TESTS):
        raise ValueError(f"content_{team.default_language}.TESTS does not match TESTS.")
    demo_metrics.set_currency(team)
    now = utcnow()
    clock = _Clock(session)
    lead, marketer = people["lead"], people["marketer"]
    ids: dict[int, int] = {}
    plans: dict[int, int] = {}
    for when, order, step in _events(now):
        test, text = TESTS[order], texts[order]
        if step == "start":
            hypothesis = _create(session, order, text, team, people, clock, when)
            ids[order] = hypothesis.id
            per_variant = validate_design(_design(test, text, 1, words.MONEY))["per_variant"]
            plans[order] = per_variant
            daily = math.ceil(per_variant * len(test.rates) / test.days)
            experiments.save_design(
                session,
                team=team,
                actor=marketer,
                hypothesis_id=hypothesis.id,
                data=_design(test, text, daily, words.MONEY)
                | demo_metrics.design(order, team, words.MONEY),
            )
            clock.stamp(when - timedelta(days=2))
            experiments.start(session, team=team, actor=lead, hypothesis_id=hypothesis.id)
        elif step in ("finish", "look"):
            experiment_results.record_results(
                session,
                team=team,
                actor=lead if step == "finish" else marketer,  # a lead finishes a test
                hypothesis_id=ids[order],
                variants=demo_metrics.attach(
                    order, team, _results(test, text, plans[order], words.MONEY), words.MONEY
                ),
                final=step == "finish",
            )
        else:
            decision, outcome, _days_ago = test.ended or ("", "", 0)
            experiment_end.decide(
                session,
                team=team,
                actor=lead,
                hypothesis_id=ids[order],
                decision=decision,
                outcome=outcome,
                learning=text.learning,
            )
        clock.stamp(when)
        _date_rows(session, ids[order], step, when)
    session.commit()
    session.expire_all()
    return list(
        session.exec(
            select(Experiment).where(col(Experiment.hypothesis_id).in_(list(ids.values())))
        ).all()
    )


def _date_rows(session: Session, hypothesis_id: int, step: str, when: datetime) -> None:
    """Move the experiment's and hypothesis's timestamps of *step* to *when*."""
    experiment_id = session.exec(
        select(Experiment.id).where(Experiment.hypothesis_id == hypothesis_id)
    ).one()
    values: dict = {"updated_at": when}
    if step == "start":
        values.update(started_at=when, created_at=when - timedelta(days=2))
    elif step == "finish":
        values["ended_at"] = when
    elif step == "decide":
        values["decided_at"] = when
    session.exec(update(Experiment).where(col(Experiment.id) == experiment_id).values(**values))
    session.exec(
        update(Hypothesis).where(col(Hypothesis.id) == hypothesis_id).values(updated_at=when)
    )
    if step in ("finish", "look"):
        for model in (ResultSet, Analysis):
            session.exec(
                update(model)
                .where(col(model.experiment_id) == experiment_id)
                .values(created_at=when)
            )
