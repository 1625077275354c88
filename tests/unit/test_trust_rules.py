"""Issue 13 rules, without the web: the reasons not to trust an analysis, decisions that go
against it, and the review's publish bounds."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

import stats
from hypotheses.domain.experiments import deciding, trust
from hypotheses.domain.reviews.publishing import check_bounds

SRM = {"metric_kind": "conversion", "variants": [("A", (16000, 480)), ("B", (14500, 520))]}
WIN = {"metric_kind": "conversion", "variants": [("A", (9000, 279)), ("B", (9000, 351))]}
LOSS = {"metric_kind": "conversion", "variants": [("A", (9000, 351)), ("B", (9000, 279))]}
FLAT = {"metric_kind": "conversion", "variants": [("A", (9000, 300)), ("B", (9000, 301))]}


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"), force_locale("en"):
        yield


def _out(case, **extra):
    return stats.analyze(**case, **extra).to_dict()


def test_the_issue_s_srm_example_is_not_trusted(ctx):
    verdict = trust.trust_of(_out(SRM, final=True))
    assert not verdict.trusted and verdict.codes == ["srm"]
    assert verdict.reasons[0].data["p_value"] < 1e-10
    assert verdict.headline == (
        "Do not trust this result: the traffic split differs from the plan (p < 0.001)."
    )
    line = trust.verdict_line(_out(SRM, final=True))
    assert line.startswith(verdict.headline + " As measured: Variant B raised")


def test_a_clean_result_is_trusted_and_reads_as_before(ctx):
    output = _out(WIN, planned_per_variant=9000, final=True)
    assert trust.trust_of(output).trusted and trust.trust_of(output).headline is None
    assert trust.verdict_line(output).startswith("Variant B raised")
    assert trust.trust_of(None).trusted and trust.verdict_line(None, "stored") == "stored"


def test_early_look_and_under_powered_finish(ctx):
    early = trust.trust_of(_out(WIN, planned_per_variant=30000))
    assert early.codes == ["early_look"]
    assert early.reasons[0].data == {"achieved": 9000, "planned": 30000}
    assert "an early look at 30% of the planned sample" in early.headline
    short = trust.trust_of(_out(WIN, planned_per_variant=30000, final=True))
    assert short.codes == ["underpowered"]
    assert "the test ended at 30% of the planned sample" in short.headline


def test_guardrails_from_the_analysis_and_their_absence(ctx):
    output = _out(WIN, planned_per_variant=9000, final=True)
    assert trust.trust_of(output).trusted  # no "guardrails" key: nothing to report
    output["guardrails"] = [
        {"metric": "Revenue per visitor", "status": "breached"},
        {"metric": "Refund rate", "status": "untestable"},
        {"metric": "Calls", "status": "ok"},
    ]
    found = trust.trust_of(output)
    assert found.codes == ["guardrail_breached", "guardrail_untestable"]
    assert found.reasons[0].data == {"metric": "Revenue per visitor"}
    assert "the guardrail “Revenue per visitor” was breached" in found.headline
    assert found.as_dict()["reasons"][1]["metric"] == "Refund rate"
    output["guardrails"] = "not a list"
    assert trust.trust_of(output).trusted


def test_reasons_are_worded_in_russian(app):
    with app.test_request_context("/"), force_locale("ru"):
        headline = trust.trust_of(_out(SRM, final=True)).headline
    assert headline.startswith("Не доверяйте этому результату: распределение трафика")


def _codes(output, decision, outcome):
    return [c.code for c in deciding.contradictions(output, decision, outcome)]


def test_suggested_outcome_and_contradictions(ctx):
    win = _out(WIN, planned_per_variant=9000, final=True)
    loss = _out(LOSS, planned_per_variant=9000, final=True)
    flat = _out(FLAT, planned_per_variant=9000, final=True)
    assert [deciding.suggested_outcome(o) for o in (win, loss, flat, None)] == [
        "won",
        "lost",
        "inconclusive",
        None,
    ]
    assert _codes(win, "ship", "won") == []
    assert _codes(win, "ship", "lost") == ["outcome_mismatch"]  # the issue's "Ship · Lost"
    assert _codes(win, "kill", "won") == ["kill_winner"]
    assert _codes(loss, "ship", "lost") == ["ship_loser"]
    assert _codes(loss, "kill", "lost") == []
    assert _codes(flat, "ship", "won") == ["outcome_mismatch"]  # not significant, "won"
    assert _codes(flat, "iterate", "inconclusive") == []
    srm = _out(SRM, final=True)  # significant, but not to be trusted: inconclusive
    assert deciding.suggested_outcome(srm) == "inconclusive"
    assert _codes(srm, "ship", "won") == ["ship_untrusted", "outcome_mismatch"]
    assert _codes(srm, "iterate", "inconclusive") == []
    assert _codes(None, "ship", "won") == []  # no analysis (a stopped test): nothing to contradict
    message = deciding.reason_needed_message(deciding.contradictions(win, "kill", "lost"))
    assert "significantly better" in message and "“Won”, not “Lost”" in message


@pytest.mark.parametrize(
    ("decisions", "kpis", "ok_codes"),
    [
        (3, 5, ["decisions", "kpis"]),
        (7, 12, ["decisions", "kpis"]),
        (2, 5, ["kpis"]),
        (8, 5, ["kpis"]),
        (3, 4, ["decisions"]),
        (3, 13, ["decisions"]),
        (1, 0, []),
    ],
)
def test_publish_bounds(ctx, decisions, kpis, ok_codes):
    check = check_bounds(decisions, kpis)
    assert [item.code for item in check.items if item.ok] == ok_codes
    assert check.ok == (len(ok_codes) == 2)
    assert len(check.problems) == 2 - len(ok_codes)


def test_publish_checklist_words_an_empty_draft_without_only_zero(ctx):
    empty = check_bounds(0, 0).problems
    assert empty == [
        "No decision recorded yet; a review ends with 3–7.",
        "No KPI value entered yet; a review looks at 5–12 metrics.",
    ]
    assert check_bounds(1, 1).problems == [
        "Only 1 decision recorded; a review ends with 3–7.",
        "KPI values for only 1 metric; a review looks at 5–12.",
    ]
