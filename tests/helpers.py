"""Small helpers shared by test files (a pytest plugin loaded by conftest.py, so the asserts in
it are rewritten): a response's text and visible text, row counts, a hypothesis's experiment,
the design form.

Test files import what they use: ``from helpers import count, text``.
"""

from __future__ import annotations

import re

from sqlmodel import Session, func, select

from hypotheses.models import Experiment, Hypothesis

# The design form as a browser posts it: a conversion test, two variants split 50/50.
DESIGN_FORM = {
    "metric_choice": "Leads",
    "metric_other": "",
    "metric_kind": "conversion",
    "baseline": "3.1",
    "baseline_sd": "",
    "mde": "10",
    "mde_type": "relative",
    "alpha": "0.05",
    "power": "0.8",
    "daily_visitors": "2000",
    "variant_name_0": "Control",
    "variant_split_0": "50",
    "variant_name_1": "Short form",
    "variant_split_1": "50",
}


def text(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def visible_text(response) -> str:
    """The page's visible text: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def count(db: Session, model=Hypothesis, *, team=None) -> int:
    """Count the rows of *model* (of *team* only, when given) and end the read.

    The commit ends the read transaction: on SQLite an open transaction holds its lock and
    would block the app's next write.
    """
    query = select(func.count()).select_from(model)
    if team is not None:
        query = query.where(model.team_id == team.id)
    n = db.exec(query).one()
    db.commit()
    return n


def experiment_of(db: Session, hypothesis) -> Experiment | None:
    """Read the hypothesis's experiment and end the read (SQLite locks per transaction)."""
    row = db.exec(
        select(Experiment)
        .where(Experiment.hypothesis_id == hypothesis.id)
        .execution_options(populate_existing=True)
    ).first()
    db.commit()
    return row
