"""One score function: the model, the pure function and the SQL ordering agree exactly.

Every 1–10 combination of impact, confidence and ease, under both formulas, and RICE over
every 1–10 combination of reach, impact and confidence; the SQL side is evaluated by a real
query on the test database (SQLite by default, PostgreSQL in the second pass).
"""

from __future__ import annotations

import itertools

import factories
import pytest
from sqlmodel import col, select

from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.backlog import scoring, statements
from hypotheses.enums import ScoreFormula
from hypotheses.models import Hypothesis

RANGE = range(1, 11)
EFFORTS = (0.5, 1.0, 2.5, 3.0, 7.0)


@pytest.fixture
def every_combination(db):
    """A team holding one hypothesis per (impact, confidence, ease); reach = ease."""
    team = factories.make_team(db, "Every score", rice_enabled=True)
    rows = [
        Hypothesis(
            team_id=team.id,
            title=f"{i}/{c}/{e}",
            stage="lead",
            lever="conversion",
            subject="offer",
            status="backlog",
            impact=i,
            confidence=c,
            ease=e,
            reach=e,
            effort=EFFORTS[n % len(EFFORTS)],
        )
        for n, (i, c, e) in enumerate(itertools.product(RANGE, RANGE, RANGE))
    ]
    # RICE is unset while reach or effort is missing (or effort is not above 0).
    for reach, effort in ((None, 1.0), (5, None), (5, 0.0)):
        rows.append(
            Hypothesis(
                team_id=team.id,
                title=f"no rice {reach} {effort}",
                stage="lead",
                lever="conversion",
                subject="offer",
                reach=reach,
                effort=effort,
            )
        )
    db.add_all(rows)
    db.commit()
    return team


@pytest.mark.parametrize("formula", list(ScoreFormula))
def test_model_function_and_sql_agree_for_every_combination(db, every_combination, formula):
    team = every_combination
    query = select(Hypothesis, statements.score_column(formula), statements.rice_column()).where(
        Hypothesis.team_id == team.id
    )
    rows = db.exec(query).all()
    assert len(rows) == 1000 + 3
    seen = set()
    for h, sql_score, sql_rice in rows:
        expected = scoring.ice_score(h.impact, h.confidence, h.ease, formula)
        assert h.score(formula) == expected == float(sql_score), (h.title, formula)
        rice = scoring.rice_score(h.reach, h.impact, h.confidence, h.effort)
        assert rice == (None if sql_rice is None else float(sql_rice)), h.title
        assert scoring.rounded(rice) == scoring.rounded(None if sql_rice is None else sql_rice)
        seen.add((h.impact, h.confidence, h.ease))
    assert seen >= set(itertools.product(RANGE, RANGE, RANGE))


@pytest.mark.parametrize("formula", list(ScoreFormula))
def test_the_sql_order_is_the_order_of_the_python_scores(db, every_combination, formula):
    team = every_combination
    team.score_formula = formula.value
    db.add(team)
    db.commit()
    hypotheses = db.exec(select(Hypothesis).where(Hypothesis.team_id == team.id)).all()
    expected = [
        h.id for h in sorted(hypotheses, key=lambda h: (-h.score(formula), h.created_at, h.id))
    ]
    listed, page = [], 1
    while True:
        found = backlog_queries.list_hypotheses(
            db, team=team, status="all", page=page, per_page=100
        )
        listed += [row.hypothesis.id for row in found.items]
        for row in found.items:
            assert row.score == row.hypothesis.score(formula)
        if not found.has_next:
            break
        page += 1
    assert listed == expected
    ranked = db.exec(
        select(Hypothesis.id)
        .where(Hypothesis.team_id == team.id, col(Hypothesis.reach).is_not(None))
        .order_by(statements.rice_column().desc(), col(Hypothesis.id))
    ).all()
    with_rice = [
        h
        for h in hypotheses
        if scoring.rice_score(h.reach, h.impact, h.confidence, h.effort) is not None
    ]
    by_rice = sorted(
        with_rice,
        key=lambda h: (-scoring.rice_score(h.reach, h.impact, h.confidence, h.effort), h.id),
    )
    assert [i for i in ranked if i in {h.id for h in with_rice}] == [h.id for h in by_rice]
