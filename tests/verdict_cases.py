"""A finished test with its stored analysis, and that analysis stored the way engines before
2.0.0 did (English text, no codes): shared by the verdict-language tests of the pages and API."""

from __future__ import annotations

import copy
import re

import experiment_factories as ef
from helpers import experiment_of
from sqlmodel import select

from hypotheses.domain.experiments import results as experiment_results
from hypotheses.models import Analysis

RU = {"Accept-Language": "ru"}
RAISED_RU = re.compile(
    r"Вариант «B» увеличил метрику «[^»]+» с 3,1\s% до 3,9\s% \(\+26\s%, 95% ДИ от \+\d+\s% до "
    r"\+\d+\s%, p = 0,0021\): статистически значимо при α = 0,05\."
)


def finished(db, team, users):
    """A test of the team, finished by a lead with the standard conversion results, past its
    planned sample (a 30% effect is planned: 6,239 a variant)."""
    hypothesis = ef.running(db, team=team, lead=users["lead"], mde=0.3)
    experiment_results.record_results(
        db,
        team=team,
        actor=users["lead"],
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results(),
        final=True,
    )
    return hypothesis


def analysis_of(db, hypothesis) -> Analysis:
    experiment = experiment_of(db, hypothesis)
    return db.exec(select(Analysis).where(Analysis.experiment_id == experiment.id)).one()


def make_old(db, analysis: Analysis) -> None:
    """Store the analysis the way engines before 2.0.0 did: English text, no codes."""
    old = copy.deepcopy(analysis.output)
    old["verdict"] = analysis.verdict
    for item in old["comparisons"]:
        item["verdict"] = analysis.verdict
        item.pop("verdict_code")
        item.pop("verdict_data")
    old["warnings"] = [{"code": w["code"], "message": "English."} for w in old["warnings"]]
    analysis.output = old
    analysis.engine_version = "1.0.0"
    db.add(analysis)
    db.commit()
