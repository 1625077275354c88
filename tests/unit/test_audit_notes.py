"""Notes the code writes into the audit trail read in the viewer's language; English unchanged."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from hypotheses.audit_notes import audit_note, results_source
from hypotheses.charts import LiftRow, lift_chart
from hypotheses.experiments.formatting import ci_range, signed_pct

NOTES = [
    (
        "hypothesis.decide",
        "ship (won): Keep it",
        "ship (won): Keep it",
        "внедрить (выиграл): Keep it",
    ),
    (
        "experiment.start",
        "design locked (pre-registered)",
        "design locked (pre-registered)",
        "дизайн зафиксирован (предрегистрация)",
    ),
    (
        "experiment.results",
        "early look (form)",
        "early look (form)",
        "промежуточный просмотр (форма)",
    ),
    ("experiment.rerun", "analysis 3 → 7", "analysis 3 → 7", "анализ 3 → 7"),
    ("hypothesis.reject", "Not now", "Not now", "Not now"),  # a person's note stays as written
]


@pytest.mark.parametrize(("action", "note", "english", "russian"), NOTES)
def test_code_written_notes_are_worded_when_shown(app, action, note, english, russian):
    with app.test_request_context():
        assert audit_note(action, note) == english
        with force_locale("ru"):
            assert audit_note(action, note) == russian


def test_results_source_and_chart_numbers_follow_the_language(app):
    with app.test_request_context(), force_locale("ru"):
        assert results_source("per-user csv") == "файл по пользователям"
        svg = str(
            lift_chart(
                [LiftRow("B", 0.132, -0.063, 0.367)],
                title="t",
                description="d",
                axis_label="x",
                signed=signed_pct,
                interval=ci_range,
                tick=lambda value, digits: signed_pct(value, digits),
            )
        )
    assert "+13,2" in svg and "(от " in svg and "до +36,7" in svg
    assert " to " not in svg and "13.2" not in svg
