"""Audit trail values read like the rest of the page: dates, labels and numbers in the reader's
format, never "2026-12-02T00:46:28.103854+00:00"."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask_babel import force_locale

from hypotheses.audit_values import audit_value

CASES = [
    # field, stored value, English, Russian
    (
        "approved_at",
        "2026-12-02T00:46:28.103854+00:00",
        "Dec 2, 2026, 00:46 UTC",
        "2 дек. 2026, 00:46 UTC",
    ),
    (
        "approved_at",
        "2026-12-02T03:46:28+03:00",
        "Dec 2, 2026, 00:46 UTC",
        "2 дек. 2026, 00:46 UTC",
    ),
    ("approved_at", None, "—", "—"),
    ("status", "approved", "Approved", "Одобрена"),
    ("stage", "lead", "Lead", None),
    ("effort", 1234.5, "1,234.5", "1 234,5"),
    ("impact", 7, "7", "7"),
    ("rice_enabled", True, "yes", "да"),
    ("title", "Shorter form", "Shorter form", "Shorter form"),
    ("title", "x" * 300, "x" * 159 + "…", "x" * 159 + "…"),
]


@pytest.mark.parametrize(("field", "value", "english", "russian"), CASES)
def test_audit_values_are_written_as_the_page_writes_them(app, field, value, english, russian):
    with app.test_request_context():
        with force_locale("en"):
            assert audit_value(field, value) == english
        if russian is not None:
            with force_locale("ru"):
                assert audit_value(field, value).replace("\xa0", " ") == russian


def test_a_datetime_object_reads_as_a_moment(app):
    with app.test_request_context(), force_locale("en"):
        assert audit_value("approved_at", datetime(2026, 12, 2, 0, 46)) == "Dec 2, 2026, 00:46 UTC"


def test_the_hypothesis_history_shows_no_raw_timestamp(client, auth, db, team, users):
    import re

    from factories import make_hypothesis
    from helpers import visible_text

    from hypotheses.domain.backlog import lifecycle

    hypothesis = make_hypothesis(db, team=team, author=users["marketer"])
    lifecycle.approve(db, hypothesis_id=hypothesis.id, team=team, actor=users["lead"])
    auth.login("viewer")
    response = client.get(f"/backlog/{hypothesis.id}")
    history = visible_text(response).split("History")[-1]
    assert re.search(r"Approved at: — → \w{3} \d{1,2}, \d{4}, \d{2}:\d{2} UTC", history), history
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", history), history
