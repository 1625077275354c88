"""Browser requests that once answered 500 (issue 12, item 3), on SQLite and PostgreSQL alike.

Every integer from outside is range-checked where it enters (the form's integer fields, the one
number parser); NUL and other control characters are refused in form fields and in the query
string with a message on the page; a value the database still cannot hold answers 422, never 500.
Nothing is written by any of these requests.
"""

from __future__ import annotations

import experiment_factories as ef
import factories
import pytest
from fuzzing import row_counts
from sqlalchemy import select
from sqlalchemy.exc import DataError

from hypotheses.models import Experiment, Hypothesis, Team

HUGE = ["99999999999999999999", "9" * 5000, "2147483648", "-2147483649", "0"]


@pytest.fixture
def quiet(app):
    """A crash becomes a 500 page instead of an exception in the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize("version", HUGE)
def test_design_version_out_of_range_is_refused(quiet, client, auth, db, team, users, version):
    hypothesis_id = ef.approved(db, team=team, author=users["lead"], title="To design").id
    db.commit()
    auth.login("marketer")
    before = row_counts(db)
    response = client.post(
        f"/experiments/design/{hypothesis_id}",
        data={**DESIGN, "version": version},
    )
    assert response.status_code in (200, 400, 409, 422), response.status_code
    assert row_counts(db) == before


DESIGN = {
    "metric_kind": "conversion",
    "metric_other": "Lead rate",
    "baseline": "3.1",
    "mde": "10",
    "alpha": "0.05",
    "power": "0.8",
    "daily_visitors": "2000",
    "variant_name_0": "Control",
    "variant_name_1": "B",
    "variant_split_0": "50",
    "variant_split_1": "50",
}


@pytest.mark.parametrize("version", HUGE)
@pytest.mark.parametrize("action", ["edit", "score", "approve", "archive", "reject"])
def test_backlog_version_out_of_range_is_refused(
    quiet, client, auth, db, team, users, action, version
):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"], title="T")
    auth.login("lead")
    data = {"version": version}
    if action == "edit":
        data.update(title="New title", change="c", audience="a", expected_effect="e")
        data.update(stage="lead", impact="5", confidence="5", ease="5")
    elif action == "score":
        data.update(impact="5", confidence="5", ease="5")
    elif action == "reject":
        data.update(reason="no")
    before = row_counts(db)
    response = client.post(f"/backlog/{hypothesis.id}/{action}", data=data)
    assert response.status_code < 500, response.status_code
    assert row_counts(db) == before
    assert db.get(Hypothesis, hypothesis.id, populate_existing=True).version == 1
    db.commit()


@pytest.mark.parametrize("value", ["%00", "a%00b", "x%01y", "%7F", "%1B[31m"])
@pytest.mark.parametrize(("page", "role"), [("/backlog/", "viewer"), ("/admin/users", "admin")])
def test_control_characters_in_a_search_are_refused_on_the_page(
    quiet, client, auth, page, role, value
):
    auth.login(role)
    response = client.get(f"{page}?q={value}")
    assert response.status_code == 200, response.status_code
    assert "Remove control characters" in response.get_data(as_text=True)


def test_control_characters_in_a_form_field_are_refused_next_to_it(
    quiet, client, auth, db, team, users
):
    auth.login("marketer")
    before = row_counts(db)
    response = client.post(
        "/backlog/new",
        data={
            "title": "Bad\x00title",
            "change": "c\x07",
            "audience": "ok\ttabs\nand lines",
            "expected_effect": "e",
            "stage": "lead",
            "impact": "5",
            "confidence": "5",
            "ease": "5",
        },
    )
    assert response.status_code == 422, response.status_code
    html = response.get_data(as_text=True)
    assert html.count("Remove control characters from this field.") == 2
    assert row_counts(db) == before


def test_a_database_data_error_answers_422_and_rolls_back(quiet, app, client, auth, db):
    """The last resort: a value the database refuses is the request's fault, not a 500."""
    from hypotheses.db import get_session
    from hypotheses.permissions import requires

    @requires("hypothesis.view")
    def overflow():
        get_session().add(Team(name="half-saved"))
        raise DataError("INSERT ...", {}, Exception("integer out of range"))

    app.add_url_rule("/overflow", "overflow", overflow)
    auth.login("viewer")
    response = client.get("/overflow")
    assert response.status_code == 422
    assert "a number is too large" in response.get_data(as_text=True)
    assert db.scalars(select(Team).where(Team.name == "half-saved")).all() == []


@pytest.mark.parametrize("value", ["99999999999999999999", "2147483648", "-5", "9" * 5000, "x"])
@pytest.mark.parametrize("name", ["look", "analysis"])
def test_out_of_range_numbers_in_the_query_string_mean_not_given(
    quiet, client, auth, db, team, users, name, value
):
    """Range-checked where they enter: the test page shows its latest look and analysis."""
    hypothesis = ef.running(db, team=team, lead=users["lead"], title="Running")
    experiment_id = db.scalar(
        select(Experiment.id).where(Experiment.hypothesis_id == hypothesis.id)
    )
    db.commit()
    auth.login("viewer")
    assert client.get(f"/experiments/{experiment_id}?{name}={value}").status_code == 200
