"""The API words verdicts and warnings in the request's language (Accept-Language); codes,
numbers and field names are the same in every language, for old analyses too."""

from __future__ import annotations

from api_support import api, tokens  # noqa: F401  (fixtures)
from verdict_cases import RAISED_RU, RU, analysis_of, finished, make_old


def test_api_verdict_follows_accept_language(api, db, team, users):  # noqa: F811
    hypothesis = finished(db, team, users)
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
    make_old(db, analysis_of(db, hypothesis))
    old_ru = api.get(path, headers=RU).json
    assert old_ru["verdict"] == ru["verdict"] and old_ru["engine_version"] == "1.0.0"
    assert old_ru["comparisons"][0]["verdict_code"] == "significant_up"
    assert old_ru["comparisons"][0]["verdict_data"] == ru["comparisons"][0]["verdict_data"]
    assert "verdict" not in old_ru["details"]  # no English prose in the details
