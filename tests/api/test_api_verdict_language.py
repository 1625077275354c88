"""The API words verdicts and warnings in the request's language (Accept-Language); codes,
numbers and field names are the same in every language, for old analyses too."""

from __future__ import annotations

import copy
import re

import experiment_factories as ef
from api_support import api, tokens  # noqa: F401  (fixtures)
from helpers import experiment_of
from sqlmodel import select

from hypotheses.domain.experiments import results as experiment_results
from hypotheses.models import Analysis

RU = {"Accept-Language": "ru"}
RAISED_RU = re.compile(
    r"Вариант «B» увеличил метрику «[^»]+» с 3,1\s% до 3,9\s% \(\+26\s%, 95% ДИ от \+\d+\s% до "
    r"\+\d+\s%, p = 0,0021\): статистически значимо при α = 0,05\."
)


def _finished(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    experiment_results.record_results(
        db,
        team=team,
        actor=users["marketer"],
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results(),
        final=True,
    )
    return hypothesis


def _analysis(db, hypothesis) -> Analysis:
    experiment = experiment_of(db, hypothesis)
    return db.exec(select(Analysis).where(Analysis.experiment_id == experiment.id)).one()


def _make_old(db, analysis: Analysis) -> None:
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


def test_api_verdict_follows_accept_language(api, db, team, users):  # noqa: F811
    hypothesis = _finished(db, team, users)
    path = f"/hypotheses/{hypothesis.id}/analysis"
    en = api.get(path).json
    ru = api.get(path, headers=RU).json
    assert en["verdict"].startswith("Variant B raised") and RAISED_RU.fullmatch(ru["verdict"])
    assert ru["comparisons"][0]["verdict"] == ru["verdict"]
    # codes, numbers and field names are the same in every language
    assert ru["comparisons"][0]["verdict_code"] == en["comparisons"][0]["verdict_code"]
    assert ru["comparisons"][0]["verdict_code"] == "significant_up"
    assert ru["comparisons"][0]["verdict_data"] == en["comparisons"][0]["verdict_data"]
    assert set(ru) == set(en) and ru["details"] == en["details"]
    _make_old(db, _analysis(db, hypothesis))
    old_ru = api.get(path, headers=RU).json
    assert old_ru["verdict"] == ru["verdict"] and old_ru["engine_version"] == "1.0.0"
    assert old_ru["comparisons"][0]["verdict_code"] == "significant_up"
    assert old_ru["comparisons"][0]["verdict_data"] == ru["comparisons"][0]["verdict_data"]
    assert "verdict" not in old_ru["details"]  # no English prose in the details
