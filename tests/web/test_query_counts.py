"""Every main page and CSV export issues the same number of SQL statements for a team of 30
hypotheses and for one of 3,000 (with ten times as many tests and 60 more weekly reviews, each
with its KPI values and decisions): no query per row.

The small team is the demo team; the large one is the demo team plus bulk-inserted
hypotheses and decided tests (copies of the demo's, with their variants, results and
analyses), written straight to the tables so the fixture stays fast.
"""

from __future__ import annotations

import pytest
from conftest import FAST_HASH
from sqlalchemy import event, insert
from sqlmodel import Session, col, func, select

from hypotheses.db import ENGINE_KEY
from hypotheses.demo import load_demo, saved_logins
from hypotheses.models import (
    Analysis,
    Experiment,
    Hypothesis,
    KpiValue,
    ResultSet,
    Review,
    ReviewDecision,
    Team,
    Variant,
    utcnow,
)

PAGES = [
    "/backlog/",
    "/backlog/?status=all&sort=rice&page=3",
    "/backlog/?sort=owner-desc&stage=lead",
    "/backlog/board",
    "/backlog/board?q=hypothesis",
    "/",
    "/experiments/",
    "/experiments/{experiment}",
    "/learnings/",
    "/reviews/",
    "/admin/users",
]
EXPORTS = [
    "/data/export/backlog.csv",
    "/data/export/experiments.csv",
    "/data/export/results.csv",
    "/data/export/analyses.csv",
    "/data/export/reviews.csv",
]
EXTRA_REVIEWS = 60
STATUSES = ("archived", "rejected", "decided", "idea", "backlog", "decided", "archived")


def _copy(row, **changes) -> dict:
    values = row.model_dump()
    values.pop("id")
    values.update(changes)
    return values


def _grow(session: Session, team: Team, hypotheses: int) -> None:
    """Add hypotheses up to *hypotheses*; every fifth added decided one gets a decided test."""
    have = session.exec(
        select(func.count()).select_from(Hypothesis).where(Hypothesis.team_id == team.id)
    ).one()
    template = session.exec(select(Hypothesis).where(Hypothesis.team_id == team.id)).first()
    now = utcnow()
    session.execute(
        insert(Hypothesis),
        [
            _copy(
                template,
                title=f"Bulk hypothesis {n}",
                status=STATUSES[n % len(STATUSES)],
                impact=1 + n % 10,
                confidence=1 + n // 10 % 10,
                ease=1 + n // 100 % 10,
                reach=None if n % 3 else 100 + n,
                effort=None if n % 3 else 1.5,
                parent_id=None,
                created_at=now,
                updated_at=now,
            )
            for n in range(hypotheses - have)
        ],
    )
    # A shipped test with money and traffic when the demo has one: the copies then also
    # reach the per-test reads of the impact by quarter (learnings).
    decided = session.exec(
        select(Experiment)
        .where(Experiment.team_id == team.id, Experiment.status == "decided")
        .order_by(col(Experiment.monthly_traffic).is_(None), col(Experiment.id))
    ).first()
    variants = session.exec(select(Variant).where(Variant.experiment_id == decided.id)).all()
    result = session.exec(select(ResultSet).where(ResultSet.experiment_id == decided.id)).first()
    analysis = session.exec(select(Analysis).where(Analysis.result_set_id == result.id)).first()
    targets = session.exec(
        select(Hypothesis.id).where(
            Hypothesis.team_id == team.id,
            Hypothesis.status == "decided",
            col(Hypothesis.title).startswith("Bulk"),
        )
    ).all()[::5]
    session.execute(
        insert(Experiment), [_copy(decided, hypothesis_id=h, slot=None) for h in targets]
    )
    ids = session.exec(
        select(Experiment.id).where(col(Experiment.hypothesis_id).in_(targets))
    ).all()
    session.execute(insert(Variant), [_copy(v, experiment_id=e) for e in ids for v in variants])
    session.execute(insert(ResultSet), [_copy(result, experiment_id=e) for e in ids])
    results = session.exec(
        select(ResultSet.id, ResultSet.experiment_id).where(col(ResultSet.experiment_id).in_(ids))
    ).all()
    session.execute(
        insert(Analysis),
        [_copy(analysis, experiment_id=e, result_set_id=r) for r, e in results],
    )
    _grow_reviews(session, team)
    session.commit()


def _grow_reviews(session: Session, team: Team) -> None:
    """Add EXTRA_REVIEWS published reviews in earlier years, copies of the demo's first review
    that has KPI values and decisions (with them)."""
    review = session.exec(
        select(Review)
        .where(
            Review.team_id == team.id,
            col(Review.id).in_(select(KpiValue.review_id)),
            col(Review.id).in_(select(ReviewDecision.review_id)),
        )
        .order_by(Review.iso_week)
    ).first()
    assert review is not None, "the demo team has a review with KPI values and decisions"
    values = session.exec(select(KpiValue).where(KpiValue.review_id == review.id)).all()
    decisions = session.exec(
        select(ReviewDecision).where(ReviewDecision.review_id == review.id)
    ).all()
    weeks = [f"{2000 + n // 50}-W{1 + n % 50:02d}" for n in range(EXTRA_REVIEWS)]
    session.execute(insert(Review), [_copy(review, iso_week=w, status="published") for w in weeks])
    ids = session.exec(
        select(Review.id).where(Review.team_id == team.id, col(Review.iso_week).in_(weeks))
    ).all()
    session.execute(insert(KpiValue), [_copy(v, review_id=r) for r in ids for v in values])
    session.execute(
        insert(ReviewDecision),
        [
            _copy(d, review_id=r, carried_from_id=None, closed_in_review_id=None)
            for r in ids
            for d in decisions
        ],
    )


def _counts(app, tmp_path, hypotheses: int) -> dict[str, int]:
    engine = app.extensions[ENGINE_KEY]
    with Session(engine, expire_on_commit=False) as session:
        team = load_demo(session, instance_path=tmp_path, hash_method=FAST_HASH)
        if hypotheses > 100:  # the demo team itself has about 30
            _grow(session, team, hypotheses)
        experiment = session.exec(
            select(Experiment.id)
            .where(Experiment.team_id == team.id, Experiment.status == "decided")
            .order_by(Experiment.id)
        ).first()
    email, password = next((e, p) for role, e, p in saved_logins(tmp_path) if role == "admin")
    client = app.test_client()
    assert (
        client.post("/auth/login", data={"email": email, "password": password}).status_code == 302
    )
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    counts = {}
    try:
        for url in PAGES + EXPORTS:
            url = url.format(experiment=experiment)
            statements.clear()
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            counts[url.replace(str(experiment), "<id>")] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return counts


@pytest.mark.slow
def test_query_counts_do_not_grow_with_the_data(app, tmp_path, _template_db):
    from conftest import database_url, test_config

    from hypotheses import create_app

    small = _counts(app, tmp_path, 30)
    big_dir = tmp_path / "big"
    big_dir.mkdir()
    big_app = create_app(
        test_config(database_url(big_dir, _template_db)), instance_path=big_dir / "instance"
    )
    try:
        big = _counts(big_app, big_dir, 3000)
    finally:
        big_app.extensions[ENGINE_KEY].dispose()
    assert big == small
