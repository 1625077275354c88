"""Scores (ICE mean/product, RICE) and the backlog list: order, ties, filters, search, pages."""

from __future__ import annotations

from datetime import timedelta

import factories
import pytest

from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.backlog import scoring
from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.models import utcnow


def test_ice_mean_and_product():
    assert scoring.ice_score(7, 5, 9, "mean") == pytest.approx(7.0)
    assert scoring.ice_score(1, 1, 2, "mean") == pytest.approx(4 / 3)
    assert scoring.ice_score(7, 5, 9, "product") == 315.0
    assert scoring.ice_score(10, 10, 10, "product") == 1000.0


def test_rice_needs_reach_and_positive_effort():
    assert scoring.rice_score(1000, 5, 8, 2.0) == 20_000.0
    assert scoring.rice_score(None, 5, 8, 2.0) is None
    assert scoring.rice_score(1000, 5, 8, None) is None
    assert scoring.rice_score(1000, 5, 8, 0) is None


def titles(page) -> list[str]:
    return [row.hypothesis.title for row in page.items]


def make(db, team, title, ice, days_ago=0, **kw):
    i, c, e = ice
    return factories.make_hypothesis(
        db,
        team=team,
        title=title,
        impact=i,
        confidence=c,
        ease=e,
        created_at=utcnow() - timedelta(days=days_ago),
        **kw,
    )


def test_formula_changes_the_order_and_ties_go_to_the_older(db):
    team = factories.make_team(db, "Order")
    make(db, team, "balanced", (6, 6, 6), days_ago=1)  # mean 6, product 216
    make(db, team, "spiky", (10, 10, 1), days_ago=2)  # mean 7, product 100
    make(db, team, "tie newer", (5, 5, 5), days_ago=1)  # mean 5
    make(db, team, "tie older", (4, 5, 6), days_ago=9)  # mean 5, older: first among ties
    page = backlog_queries.list_hypotheses(db, team=team)
    assert titles(page) == ["spiky", "balanced", "tie older", "tie newer"]
    assert [row.score for row in page.items][:2] == [pytest.approx(7.0), pytest.approx(6.0)]
    team.score_formula = "product"
    db.add(team)
    db.commit()
    page = backlog_queries.list_hypotheses(db, team=team)
    assert titles(page) == ["balanced", "tie newer", "tie older", "spiky"]
    assert page.items[0].score == 216.0


def test_equal_scores_and_equal_age_fall_back_to_id(db):
    team = factories.make_team(db, "Ids")
    moment = utcnow()
    first = factories.make_hypothesis(db, team=team, title="a", created_at=moment)
    second = factories.make_hypothesis(db, team=team, title="b", created_at=moment)
    assert [r.hypothesis.id for r in backlog_queries.list_hypotheses(db, team=team).items] == [
        first.id,
        second.id,
    ]


def test_rice_column_and_sort(db):
    team = factories.make_team(db, "Rice", rice_enabled=True)
    make(db, team, "no rice", (9, 9, 9))
    make(db, team, "small", (5, 5, 5), reach=100, effort=1.0)  # 2,500
    make(db, team, "big", (2, 2, 2), reach=10_000, effort=4.0)  # 10,000
    page = backlog_queries.list_hypotheses(db, team=team, sort="rice")
    assert titles(page) == ["big", "small", "no rice"]
    assert [r.rice for r in page.items] == [10_000.0, 2_500.0, None]


def test_other_sorts(db):
    team = factories.make_team(db, "Sorts")
    make(db, team, "Beta", (9, 9, 9), days_ago=3)
    make(db, team, "alpha", (1, 1, 1), days_ago=1)
    assert titles(backlog_queries.list_hypotheses(db, team=team, sort="title")) == ["alpha", "Beta"]
    assert titles(backlog_queries.list_hypotheses(db, team=team, sort="newest")) == [
        "alpha",
        "Beta",
    ]


def test_default_status_filter_is_the_active_list(db):
    team = factories.make_team(db, "Statuses")
    for status in (
        "idea",
        "backlog",
        "approved",
        "running",
        "finished",
        "decided",
        "archived",
        "rejected",
        "stopped",
    ):
        factories.make_hypothesis(db, team=team, title=status, status=status)
    assert set(titles(backlog_queries.list_hypotheses(db, team=team))) == {
        "idea",
        "backlog",
        "approved",
        "running",
    }
    assert backlog_queries.list_hypotheses(db, team=team, status="all").total == 9
    assert titles(backlog_queries.list_hypotheses(db, team=team, status="rejected")) == ["rejected"]


def test_filters_by_stage_lever_subject_owner(db, users, team):
    owner = users["marketer"]
    factories.make_hypothesis(
        db, team=team, title="match", stage="trust", lever="aov", subject="offer", owner_id=owner.id
    )
    factories.make_hypothesis(
        db,
        team=team,
        title="other stage",
        stage="sale",
        lever="aov",
        subject="offer",
        owner_id=owner.id,
    )
    factories.make_hypothesis(
        db,
        team=team,
        title="other owner",
        stage="trust",
        lever="aov",
        subject="offer",
        owner_id=users["lead"].id,
    )
    page = backlog_queries.list_hypotheses(
        db, team=team, stage="trust", lever="aov", subject="offer", owner_id=owner.id
    )
    assert titles(page) == ["match"]
    assert backlog_queries.list_hypotheses(db, team=team, lever="repeat").total == 0


def test_search_is_case_insensitive_and_escapes_wildcards(db):
    team = factories.make_team(db, "Search")
    factories.make_hypothesis(
        db, team=team, title="Shorter FORM", change="", audience="", rationale=""
    )
    factories.make_hypothesis(
        db, team=team, title="Price", rationale="Cut 50% off", change="", audience=""
    )
    factories.make_hypothesis(
        db, team=team, title="Tagged", tags="retention, email", change="", audience="", rationale=""
    )
    factories.make_hypothesis(
        db, team=team, title="Segment", audience="B2B_clinics", change="", rationale=""
    )
    factories.make_hypothesis(db, team=factories.make_team(db, "Else"), title="form elsewhere")
    assert titles(backlog_queries.list_hypotheses(db, team=team, q="form")) == ["Shorter FORM"]
    assert titles(backlog_queries.list_hypotheses(db, team=team, q="50%")) == ["Price"]
    assert (
        backlog_queries.list_hypotheses(db, team=team, q="%").total == 1
    )  # a literal percent sign
    assert titles(backlog_queries.list_hypotheses(db, team=team, q="b2b_")) == ["Segment"]
    assert backlog_queries.list_hypotheses(db, team=team, q="_").total == 1
    assert titles(backlog_queries.list_hypotheses(db, team=team, q="EMAIL")) == ["Tagged"]
    assert backlog_queries.list_hypotheses(db, team=team, q="   ").total == 4


def test_pagination(db):
    team = factories.make_team(db, "Pages")
    for n in range(7):
        make(db, team, f"h{n}", (10 - n, 5, 5))
    first = backlog_queries.list_hypotheses(db, team=team, per_page=3)
    assert (first.total, first.pages, first.page, first.has_prev, first.has_next) == (
        7,
        3,
        1,
        False,
        True,
    )
    assert titles(first) == ["h0", "h1", "h2"]
    last = backlog_queries.list_hypotheses(db, team=team, per_page=3, page=3)
    assert titles(last) == ["h6"] and last.has_prev and not last.has_next
    beyond = backlog_queries.list_hypotheses(db, team=team, per_page=3, page=99)
    assert beyond.page == 3
    assert backlog_queries.list_hypotheses(db, team=team, per_page=3, page=-4).page == 1
    empty = backlog_queries.list_hypotheses(db, team=factories.make_team(db, "Empty"))
    assert (empty.total, empty.pages, empty.items) == (0, 1, [])


def test_invalid_filters_are_refused(db, team):
    with pytest.raises(ValidationFailed) as caught:
        backlog_queries.list_hypotheses(db, team=team, status="nope", stage="x", sort="random")
    assert set(caught.value.errors) == {"status", "stage", "sort"}


def test_search_folds_case_in_any_script(db, team, users):
    from hypotheses.db import is_postgres

    factories.make_hypothesis(db, team=team, title="Звонок в течение 15 минут")
    factories.make_hypothesis(db, team=team, title="Shorter form")
    found = backlog_queries.list_hypotheses(db, team=team, q="звонок").items
    assert [r.hypothesis.title for r in found] == ["Звонок в течение 15 минут"]
    if not is_postgres(db.get_bind()):
        # SQLite's own lower() folds only ASCII; the connect hook replaces it.
        assert [
            r.hypothesis.title
            for r in backlog_queries.list_hypotheses(db, team=team, q="ЗВОНОК").items
        ] == ["Звонок в течение 15 минут"]
