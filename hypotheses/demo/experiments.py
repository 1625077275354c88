"""Demo tests: 8 decided over the past 8 weeks, 1 waiting for a decision, 2 running.

Every test goes through the real use cases (create → approve → design → start → results →
decide), so the rules hold (at most 3 running at once, pre-registration, audit trail) and the
analyses come from the real statistics engine. The use cases stamp "now"; afterwards the
timestamps are moved back to the demo's calendar with plain UPDATEs (no version bump).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

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


@dataclass
class DemoTest:
    """One demo hypothesis and the life of its test."""

    title: str
    change: str
    audience: str
    effect: str
    rationale: str
    stage: str
    lever: str
    subject: str
    channel: str
    ice: tuple[int, int, int]
    tags: str
    author: str
    metric: str
    baseline: float
    mde: float
    rates: list[float]  # per arm: conversion rate, or mean for a continuous metric
    started: int  # days ago
    days: int  # planned length in days (sets the expected daily traffic)
    sd: float | None = None  # continuous metrics: the baseline standard deviation
    sds: list[float] = field(default_factory=list)  # continuous: per-arm sd in the results
    arms: list[str] = field(default_factory=lambda: ["A", "B"])  # the first is the control
    fill: float = 1.04  # share of the planned sample collected (below 1: an early look)
    skew: list[float] = field(default_factory=list)  # per-arm traffic factor (SRM demo)
    finished: bool = False  # ended, waiting for the lead's decision
    decision: str | None = None  # None: still running (or waiting for a decision)
    outcome: str | None = None
    learning: str = ""
    decided: int = 0  # days ago


TESTS = [
    DemoTest(
        "Price in the ad text",
        "Put the starting price in the first line of search and social ads",
        "Cold paid traffic",
        "Lead rate +15% from better-qualified clicks",
        "Sales says many leads drop out once they hear the price",
        "attention",
        "traffic",
        "creative",
        "Search ads",
        (7, 8, 8),
        "ads, pricing",
        "marketer",
        "Ad click-through rate",
        0.018,
        0.15,
        [0.0182, 0.0149],
        started=56,
        days=7,
        decision="kill",
        outcome="lost",
        learning="Showing the price cut clicks by 18% and did not lift leads: keep prices on the "
        "landing page.",
        decided=48,
    ),
    DemoTest(
        "Phone number in the header",
        "Show the sales phone number, clickable, in the site header",
        "All website visitors",
        "Lead rate +20%",
        "A third of won deals started with a phone call, but the number hides in the footer",
        "lead",
        "conversion",
        "landing page",
        "Website",
        (6, 8, 9),
        "contact, trust",
        "marketer",
        "Lead rate",
        0.042,
        0.2,
        [0.0421, 0.0509],
        started=54,
        days=12,
        decision="ship",
        outcome="won",
        learning="A visible phone number lifted leads by a fifth; callers also "
        "reached a sale faster.",
        decided=41,
    ),
    DemoTest(
        "Personal manager photo in e-mails",
        "Sign follow-up e-mails with the manager's photo and direct line",
        "Leads in follow-up",
        "Reply rate +20%",
        "A face may make the follow-up feel personal",
        "trust",
        "conversion",
        "message",
        "E-mail",
        (4, 4, 9),
        "email, trust",
        "marketer",
        "E-mail reply rate",
        0.08,
        0.2,
        [0.081, 0.0838],
        started=47,
        days=12,
        decision="kill",
        outcome="inconclusive",
        learning="Photos did not change replies measurably; not worth the design time.",
        decided=34,
    ),
    DemoTest(
        "Free trial extended to 21 days",
        "Extend the free trial from 14 to 21 days",
        "New trial sign-ups",
        "Trial-to-paid +12%",
        "Users say two weeks is too short to set everything up",
        "sale",
        "conversion",
        "offer",
        "Product",
        (8, 9, 7),
        "trial, offer",
        "lead",
        "Trial-to-paid conversion",
        0.18,
        0.12,
        [0.1852, 0.1591],
        started=40,
        days=13,
        decision="kill",
        outcome="lost",
        learning="A longer trial delayed the decision and lowered paid conversion: keep 14 days.",
        decided=26,
    ),
    DemoTest(
        "Case studies by industry",
        "Show a case study from the visitor's industry (B), or a wall "
        "of testimonials (C), on the demo page",
        "Demo page visitors",
        "Demo requests +30%",
        "Prospects keep asking for examples from companies like theirs",
        "trust",
        "conversion",
        "landing page",
        "Website",
        (6, 7, 5),
        "social proof, trust",
        "marketer",
        "Demo request rate",
        0.025,
        0.3,
        [0.0243, 0.0309, 0.0271],
        started=33,
        days=13,
        arms=["A", "B", "C"],
        skew=[1.0, 1.07, 0.94],
        fill=1.08,
        decision="iterate",
        outcome="inconclusive",
        learning="Industry cases looked better, but the traffic split broke (SRM): rerun with the "
        "fixed router.",
        decided=19,
    ),
    DemoTest(
        "Reminder call before the demo",
        "Call every booked prospect 2 hours before the demo",
        "Prospects with a booked demo",
        "Show-up rate +15%",
        "A third of booked demos are no-shows; reminders work for dentists, why not for us",
        "lead",
        "conversion",
        "lead handling",
        "Sales",
        (7, 5, 7),
        "sales, calls",
        "lead",
        "Demo show-up rate",
        0.55,
        0.15,
        [0.546, 0.652],
        started=30,
        days=18,
        decision="ship",
        outcome="won",
        learning="A reminder call cut no-shows by a third; make it part of the sales script.",
        decided=11,
    ),
    DemoTest(
        "Instant quote calculator",
        "Add a calculator that shows a price range from three inputs",
        "Pricing page visitors",
        "Quote requests +25%",
        "Visitors leave the pricing page without asking for a quote",
        "interest",
        "conversion",
        "landing page",
        "Website",
        (8, 6, 4),
        "calculator, pricing",
        "marketer",
        "Quote request rate",
        0.03,
        0.25,
        [0.0302, 0.0327],
        started=24,
        days=14,
        decision="iterate",
        outcome="inconclusive",
        learning="1 in 8 visitors used the calculator, but quote requests did not move yet; try a "
        "shorter version.",
        decided=8,
    ),
    DemoTest(
        "Cross-sell block in the cart",
        "Suggest two matching accessories in the cart",
        "Shoppers with a cart",
        "Average order value +5%",
        "Accessories are often bought in a second order a week later",
        "sale",
        "aov",
        "offer",
        "Website",
        (7, 6, 8),
        "aov, checkout",
        "marketer",
        "Average order value",
        64.0,
        0.05,
        [63.8, 67.9],
        sd=38.0,
        sds=[37.5, 40.2],
        started=19,
        days=14,
        decision="ship",
        outcome="won",
        learning="The cross-sell block raised average order value by about 6% "
        "without hurting checkout.",
        decided=3,
    ),
    DemoTest(
        "WhatsApp button",
        "Add a WhatsApp chat button next to the lead form",
        "Mobile visitors",
        "Lead rate +20%",
        "Mobile visitors prefer messengers to forms; competitors all offer one",
        "lead",
        "conversion",
        "lead handling",
        "Website",
        (7, 8, 9),
        "messenger, contact",
        "marketer",
        "Lead rate",
        0.04,
        0.2,
        [0.0402, 0.0455],
        started=11,
        days=14,
        fill=0.71,
    ),
    DemoTest(
        "Customer logos above the fold",
        "Show six client logos under the main headline",
        "New visitors",
        "Lead rate +15%",
        "Visitors do not know who already works with us",
        "trust",
        "conversion",
        "creative",
        "Website",
        (5, 6, 9),
        "social proof",
        "marketer",
        "Lead rate",
        0.045,
        0.15,
        [0.0447, 0.0469],
        started=6,
        days=21,
        fill=0.27,
    ),
    DemoTest(
        "A number in the ad headline",
        "Lead the ad headline with a concrete number, like “40 leads in 14 days”",
        "Cold social audience",
        "Click-through rate +10%",
        "Our best organic posts all start with a number",
        "attention",
        "traffic",
        "creative",
        "Social ads",
        (5, 5, 10),
        "ads, copy",
        "marketer",
        "Ad click-through rate",
        0.02,
        0.1,
        [0.0201, 0.0226],
        started=4,
        days=3,
        finished=True,
    ),
]


def _design(test: DemoTest, daily: int) -> dict:
    data = {
        "metric_name": test.metric,
        "baseline": test.baseline,
        "mde": test.mde,
        "mde_relative": True,
        "alpha": 0.05,
        "power": 0.8,
        "daily_visitors": daily,
        "variants": [{"name": arm, "split": 1 / len(test.arms)} for arm in test.arms],
    }
    if test.sd is not None:
        data.update(metric_kind="continuous", baseline_sd=test.sd)
    else:
        data["metric_kind"] = "conversion"
    return data


def _results(test: DemoTest, per_variant: int) -> list[dict]:
    rows = []
    for i, (arm, rate) in enumerate(zip(test.arms, test.rates, strict=True)):
        # A small deterministic wobble so the arms are not suspiciously equal.
        wobble = 1 + (0.004 if i % 2 else -0.003)
        size = round(per_variant * test.fill * wobble * (test.skew[i] if test.skew else 1))
        if test.sd is not None:
            rows.append({"name": arm, "n": size, "mean": rate, "sd": test.sds[i]})
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
    test: DemoTest,
    team: Team,
    people: dict[str, User],
    clock: _Clock,
    start: datetime,
) -> Hypothesis:
    """Write and approve the hypothesis (by someone other than its author) before *start*."""
    author = people[test.author]
    created, approved = start - timedelta(days=9 + test.started % 7), start - timedelta(days=3)
    impact, confidence, ease = test.ice
    hypothesis, _room = backlog.create_hypothesis(
        session,
        team=team,
        actor=author,
        data={
            "title": test.title,
            "change": test.change,
            "audience": test.audience,
            "expected_effect": test.effect,
            "rationale": test.rationale,
            "stage": test.stage,
            "lever": test.lever,
            "subject": test.subject,
            "channel": test.channel,
            "tags": test.tags,
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


def _events(now: datetime) -> list[tuple[datetime, int, str, DemoTest]]:
    """Return the lifecycle steps of every test in calendar order (so the limit holds)."""
    events = []
    for order, test in enumerate(TESTS):
        start = now - timedelta(days=test.started, hours=order % 5)
        events.append((start, order, "start", test))
        if test.decision or test.finished:
            end = start + timedelta(days=test.days, hours=3)
            events.append((end, order, "finish", test))
        if test.decision:
            events.append((now - timedelta(days=test.decided, hours=2), order, "decide", test))
        elif not test.finished:
            events.append((now - timedelta(hours=20 + order), order, "look", test))
    return sorted(events, key=lambda e: (e[0], e[1]))


def load(session: Session, *, team: Team, people: dict[str, User]) -> list[Experiment]:
    """Add the demo tests to *team*: 8 decided, 1 awaiting a decision, 2 running (early looks)."""
    now = utcnow()
    clock = _Clock(session)
    lead, marketer = people["lead"], people["marketer"]
    ids: dict[str, int] = {}
    plans: dict[str, int] = {}
    for when, _order, step, test in _events(now):
        if step == "start":
            hypothesis = _create(session, test, team, people, clock, when)
            ids[test.title] = hypothesis.id
            per_variant = validate_design(_design(test, 1))["per_variant"]
            plans[test.title] = per_variant
            daily = math.ceil(per_variant * len(test.arms) / test.days)
            experiments.save_design(
                session,
                team=team,
                actor=marketer,
                hypothesis_id=hypothesis.id,
                data=_design(test, daily),
            )
            clock.stamp(when - timedelta(days=2))
            experiments.start(session, team=team, actor=lead, hypothesis_id=hypothesis.id)
        elif step in ("finish", "look"):
            experiment_results.record_results(
                session,
                team=team,
                actor=marketer,
                hypothesis_id=ids[test.title],
                variants=_results(test, plans[test.title]),
                final=step == "finish",
            )
        else:
            experiment_end.decide(
                session,
                team=team,
                actor=lead,
                hypothesis_id=ids[test.title],
                decision=test.decision,
                outcome=test.outcome,
                learning=test.learning,
            )
        clock.stamp(when)
        _date_rows(session, ids[test.title], step, when)
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
