"""Verdicts and warnings are worded by the app from the engine's codes and numbers, in the
reader's language: the same analysis reads the same in English and Russian (same numbers,
Russian decimal comma, «» names, plural forms), and analyses stored the old way (English text,
no codes) read exactly like new ones."""

from __future__ import annotations

import copy
import re

import pytest
from flask_babel import force_locale

import stats
from hypotheses.domain.experiments import verdict_warnings, verdicts
from stats._cli_text import verdict as engine_english
from stats._cli_text import warning_text

CASES = {
    "raise": {
        "metric_kind": "conversion",
        "variants": [("A", (9000, 279)), ("B", (9000, 351))],
        "metric_name": "Конверсия в заявку",
    },
    "early, three arms": {
        "metric_kind": "conversion",
        "variants": [("A", (9000, 279)), ("B", (9000, 351)), ("C", (9000, 300))],
        "planned_per_variant": 30000,
        "metric_name": "lead rate",
    },
    "group-sequential": {
        "metric_kind": "conversion",
        "variants": [("A", (3000, 93)), ("B", (3000, 135))],
        "planned_per_variant": 5000,
        "early_look_method": "obrien-fleming",
        "looks": [1000, 2000],
    },
    "srm": {"metric_kind": "conversion", "variants": [("A", (5400, 300)), ("B", (4600, 260))]},
    "under-powered means": {
        "metric_kind": "continuous",
        "variants": [("A", (400, 10.0, 3.0)), ("B", (400, 10.2, 3.0))],
        "planned_per_variant": 600,
        "final": True,
        "metric_name": "Средний чек",
    },
    "fisher": {
        "metric_kind": "conversion",
        "variants": [("A", (20, 1)), ("B", (20, 6))],
        "final": True,
    },
    "unbounded": {
        "metric_kind": "continuous",
        "variants": [("A", (50, 0.1, 3.0)), ("B", (50, 0.5, 3.0))],
    },
    "lowered": {
        "metric_kind": "conversion",
        "variants": [("A", (9000, 351)), ("B", (9000, 279))],
        "metric_name": "lead rate",
    },
}


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"):
        yield


def _old(output: dict) -> dict:
    """The shape engines before 2.0.0 stored: English sentences, no codes, no numbers for the
    warnings. (They had no interval_agrees either: without it an interval is stated, as those
    engines did; it is kept here so every case compares with the new reading.)"""
    old = copy.deepcopy(output)
    old["verdict"] = "Variant B raised lead rate (an English sentence)."
    for item in old["comparisons"]:
        item["verdict"] = "An English sentence."
        for key in ("verdict_code", "verdict_data"):
            item.pop(key, None)
    old["warnings"] = [{"code": w["code"], "message": "English text."} for w in old["warnings"]]
    return old


def _numbers(text: str, language: str) -> list[str]:
    """The numbers a text states, written one way: English groups with "," and writes "."
    for decimals, Russian groups with a (no-break) space and writes ","."""
    for space in ("\u00a0", "\u202f"):
        text = text.replace(space, " ")
    if language == "en":
        found = re.findall(r"\d[\d,]*(?:\.\d+)?", text)
        return [n.replace(",", "") for n in found]
    found = re.findall(r"\d(?:[\d ]*\d)?(?:,\d+)?", text)
    return [n.replace(" ", "").replace(",", ".") for n in found]


@pytest.mark.parametrize("case", list(CASES))
def test_english_is_the_engine_s_own_wording(ctx, case):
    result = stats.analyze(**CASES[case])
    output = result.to_dict()
    with force_locale("en"):
        assert verdicts.verdict_text(output) == engine_english(result)
        for shown, engine in zip(verdict_warnings.warnings(output), result.warnings, strict=True):
            if engine.code != "srm":  # the app says "p < 0.001" where the CLI prints 1e-10
                assert warning_text(engine).endswith(shown.message)


def test_one_analysis_in_english_and_russian(ctx):
    output = stats.analyze(**CASES["raise"]).to_dict()
    with force_locale("en"):
        en = verdicts.verdict_text(output)
    with force_locale("ru"):
        ru = verdicts.verdict_text(output)
    assert en == (
        "Variant B raised Конверсия в заявку from 3.1% to 3.9% (+26%, 95% CI +8% to +47%, "
        "p = 0.0035): significant at α = 0.05."
    )
    assert ru == (
        "Вариант «B» увеличил метрику «Конверсия в заявку» с 3,1\u00a0% до 3,9\u00a0% "
        "(+26\u00a0%, 95% ДИ от +8\u00a0% до +47\u00a0%, p = 0,0035): статистически значимо "
        "при α = 0,05."
    )
    assert _numbers(en, "en") == _numbers(ru, "ru")


@pytest.mark.parametrize("case", list(CASES))
def test_every_case_states_the_same_numbers_in_both_languages(ctx, case):
    output = stats.analyze(**CASES[case]).to_dict()
    texts = {}
    for language in ("en", "ru"):
        with force_locale(language):
            shown = [verdicts.verdict_text(output)]
            shown += [w.message for w in verdict_warnings.warnings(output)]
            texts[language] = shown
    assert not re.search("[A-Za-z]{4,}", texts["ru"][0].replace("lead rate", ""))
    for en, ru in zip(texts["en"], texts["ru"], strict=True):
        assert _numbers(en, "en") == _numbers(ru, "ru"), (en, ru)
        assert "." not in "".join(n for n in re.findall(r"\d[.,]\d", ru))  # decimal comma


def test_russian_plural_forms(ctx):
    def early(planned: int, arms: int) -> tuple[str, list[str]]:
        variants = [(name, (20, 2)) for name in "ABCDEF"[:arms]]
        output = stats.analyze(
            metric_kind="conversion", variants=variants, planned_per_variant=planned
        ).to_dict()
        with force_locale("ru"):
            return verdicts.verdict_text(output) or "", [
                w.message for w in verdict_warnings.warnings(output)
            ]

    text, warnings = early(21, 2)
    assert "21 посетитель в каждой группе" in text
    assert "в самой маленькой группе 20 посетителей из плановых 21" in warnings[0]
    text, warnings = early(22, 3)
    assert "22 посетителя в каждой группе" in text
    assert "С контролем сравниваются 2 варианта" in warnings[1]
    text, warnings = early(25, 6)
    assert "25 посетителей в каждой группе" in text
    assert "С контролем сравниваются 5 вариантов" in warnings[1]


@pytest.mark.parametrize("case", list(CASES))
def test_an_analysis_stored_the_old_way_reads_like_a_new_one(ctx, case):
    output = stats.analyze(**CASES[case]).to_dict()
    old = _old(output)
    for language in ("en", "ru"):
        with force_locale(language):
            assert verdicts.verdict_text(old, "stored") == verdicts.verdict_text(output)
            assert verdict_warnings.warnings(old) == verdict_warnings.warnings(output)
    normalized = verdicts.normalized(old)
    assert normalized is not None and "verdict" not in normalized
    for derived, new in zip(normalized["comparisons"], output["comparisons"], strict=True):
        assert derived["verdict_code"] == new["verdict_code"]
        assert derived["verdict_data"] == new["verdict_data"]
        assert "verdict" not in derived
    assert [w["data"] for w in normalized["warnings"]] == [w["data"] for w in output["warnings"]]


def test_rows_without_an_output_keep_their_stored_text(ctx):
    assert verdicts.verdict_text({}, "Variant B raised lead rate.") == (
        "Variant B raised lead rate."
    )
    assert verdicts.verdict_text(None, None) is None and verdict_warnings.warnings({}) == []
