"""The learnings library: search and filters, tag win rates, calibration."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from factories import make_experiment_record, make_hypothesis, make_team

from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.experiments import learnings


def _decided(
    db,
    team,
    *,
    outcome="won",
    decision="ship",
    title=None,
    when=None,
    learning="A lesson.",
    confidence=5,
    impact=5,
    tags="",
    results=None,
    verdict=None,
    **h,
):
    hypothesis = make_hypothesis(
        db,
        team=team,
        status="decided",
        confidence=confidence,
        impact=impact,
        tags=tags,
        **({"title": title} if title else {}),
        **h,
    )
    return make_experiment_record(
        db,
        team=team,
        hypothesis=hypothesis,
        decision=decision,
        outcome=outcome,
        learning=learning,
        decided_at=when or datetime(2026, 3, 10, 12, tzinfo=UTC),
        results=results,
        verdict=verdict,
    )


def _titles(page):
    return [row.hypothesis.title for row in page.items]


def test_only_decided_tests_of_the_team_newest_first(db, team):
    older = _decided(db, team, title="Older", when=datetime(2026, 3, 1, tzinfo=UTC))
    newer = _decided(db, team, title="Newer", when=datetime(2026, 3, 5, tzinfo=UTC))
    make_experiment_record(db, team=team, status="running")
    make_experiment_record(db, team=team, status="finished")
    other = make_team(db, name="Other team")
    _decided(db, other, title="Other team's test")

    page = learnings.search_learnings(db, team=team)

    assert _titles(page) == ["Newer", "Older"]
    assert page.total == 2
    assert [row.experiment.id for row in page.items] == [newer.id, older.id]
    assert page.items[0].decision == "ship" and page.items[0].outcome == "won"
    assert page.items[0].learning == "A lesson."


def test_verdict_is_the_latest_analysis(db, team):
    experiment = _decided(
        db,
        team,
        results=[{"visitors": 10, "conversions": 1}] * 2,
        verdict="First look: nothing yet.",
    )
    from hypotheses.models import Analysis, ResultSet

    later = ResultSet(experiment_id=experiment.id, data=[], final=True)
    db.add(later)
    db.flush()
    db.add(
        Analysis(
            experiment_id=experiment.id,
            result_set_id=later.id,
            engine_version="t",
            inputs={},
            output={},
            verdict="Variant B raised the lead rate.",
        )
    )
    db.commit()

    row = learnings.search_learnings(db, team=team).items[0]

    assert row.verdict == "Variant B raised the lead rate."


def test_text_search_covers_hypothesis_and_learning_case_insensitively(db, team):
    _decided(db, team, title="Phone number in the header", learning="Calls rose, forms fell.")
    _decided(db, team, title="Case studies by industry", learning="Clinics read the MEDICAL case.")
    _decided(db, team, title="100% discount banner", learning="Nobody believed it.")

    assert _titles(learnings.search_learnings(db, team=team, q="HEADER")) == [
        "Phone number in the header"
    ]
    assert _titles(learnings.search_learnings(db, team=team, q="medical")) == [
        "Case studies by industry"
    ]
    # LIKE wildcards are matched literally, not as patterns.
    assert _titles(learnings.search_learnings(db, team=team, q="100%")) == ["100% discount banner"]
    assert learnings.search_learnings(db, team=team, q="% d").total == 1
    assert learnings.search_learnings(db, team=team, q="_").total == 0


def test_filters_by_stage_lever_subject_and_outcome(db, team):
    _decided(db, team, title="A", stage="trust", lever="conversion", subject="offer", outcome="won")
    _decided(db, team, title="B", stage="sale", lever="aov", subject="pricing", outcome="lost")
    _decided(
        db,
        team,
        title="C",
        stage="sale",
        lever="conversion",
        subject="pricing",
        outcome="inconclusive",
        decision="iterate",
    )

    assert _titles(learnings.search_learnings(db, team=team, stage="sale")) == ["C", "B"]
    assert _titles(learnings.search_learnings(db, team=team, lever="aov")) == ["B"]
    assert _titles(learnings.search_learnings(db, team=team, subject="offer")) == ["A"]
    assert _titles(learnings.search_learnings(db, team=team, outcome="inconclusive")) == ["C"]
    assert _titles(learnings.search_learnings(db, team=team, stage="sale", lever="conversion")) == [
        "C"
    ]


def test_tag_filter_matches_whole_tags_only(db, team):
    _decided(db, team, title="Copy", tags="copy, headline")
    _decided(db, team, title="Copywriting", tags="copywriting")
    _decided(db, team, title="Risk", tags="offer, risk reversal")

    assert _titles(learnings.search_learnings(db, team=team, tag="copy")) == ["Copy"]
    assert _titles(learnings.search_learnings(db, team=team, tag=" #Risk  Reversal ")) == ["Risk"]
    assert _titles(learnings.search_learnings(db, team=team, tag="headline")) == ["Copy"]
    assert learnings.search_learnings(db, team=team, tag="reversal").total == 0


def test_date_range_is_inclusive_in_utc_days(db, team):
    _decided(db, team, title="Early", when=datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    _decided(db, team, title="Late", when=datetime(2026, 3, 31, 23, 59, tzinfo=UTC))
    _decided(db, team, title="April", when=datetime(2026, 4, 1, 0, 0, tzinfo=UTC))

    march = learnings.search_learnings(
        db, team=team, decided_from=date(2026, 3, 1), decided_to=date(2026, 3, 31)
    )
    assert _titles(march) == ["Late", "Early"]
    assert _titles(learnings.search_learnings(db, team=team, decided_from=date(2026, 3, 2))) == [
        "April",
        "Late",
    ]
    assert _titles(learnings.search_learnings(db, team=team, decided_to=date(2026, 2, 28))) == []


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"stage": "Sale"}, "stage"),
        ({"lever": "money"}, "lever"),
        ({"subject": "landing"}, "subject"),
        ({"decided_from": "2026-03-01"}, "decided_from"),
        ({"decided_from": date(2026, 3, 2), "decided_to": date(2026, 3, 1)}, "decided_to"),
    ],
)
def test_invalid_filters_are_refused_per_field(db, team, kwargs, field):
    with pytest.raises(ValidationFailed) as caught:
        learnings.search_learnings(db, team=team, **kwargs)
    assert list(caught.value.fields) == [field]


def test_pages(db, team):
    for n in range(5):
        _decided(db, team, title=f"T{n}", when=datetime(2026, 3, 1 + n, tzinfo=UTC))

    first = learnings.search_learnings(db, team=team, per_page=2)
    last = learnings.search_learnings(db, team=team, per_page=2, page=99)

    assert (first.total, first.pages, _titles(first)) == (5, 3, ["T4", "T3"])
    assert first.has_next and not first.has_prev
    assert (last.page, _titles(last)) == (3, ["T0"])


def test_tag_win_rates(db, team):
    _decided(db, team, tags="copy, form", outcome="won")
    _decided(db, team, tags="copy", outcome="lost")
    _decided(db, team, tags="form", outcome="won")
    _decided(db, team, tags="pricing", outcome="inconclusive")
    _decided(db, team, tags="", outcome="won")
    # Undecided tests and other teams do not count.
    make_experiment_record(
        db,
        team=team,
        status="finished",
        hypothesis=make_hypothesis(db, team=team, tags="copy", status="finished"),
    )
    _decided(db, make_team(db, name="Elsewhere"), tags="copy", outcome="won")

    rates = learnings.tag_win_rates(db, team=team)

    assert [(r.tag, r.won, r.decided, r.percent) for r in rates] == [
        ("form", 2, 2, 100),
        ("copy", 1, 2, 50),
        ("pricing", 0, 1, 0),
    ]


def test_calibration_buckets_and_sentence(db, team):
    # Confidence >= 8: 2 of 9 won. Confidence 5-7: 3 of 4 won. Confidence <= 4: none decided.
    for n in range(9):
        outcome = "won" if n < 2 else ("lost" if n < 6 else "inconclusive")
        _decided(db, team, confidence=8 + n % 3, impact=3, outcome=outcome)
    for n in range(4):
        _decided(db, team, confidence=5 + n % 3, impact=9, outcome="won" if n < 3 else "lost")

    confidence, impact = learnings.calibration(db, team=team)

    assert confidence.dimension == "confidence" and impact.dimension == "impact"
    high, middle, low = reversed(confidence.buckets)
    assert (high.label, high.decided, high.won, high.lost, high.inconclusive) == (
        "8–10",
        9,
        2,
        4,
        3,
    )
    assert (middle.decided, middle.won, middle.lost) == (4, 3, 1)
    assert (low.decided, low.rate) == (0, None)
    assert confidence.sentences[0] == "Of tests scored Confidence ≥ 8, 2 of 9 won (22%)."
    assert confidence.sentences[1] == "Of tests scored Confidence 5–7, 3 of 4 won (75%)."
    assert len(confidence.sentences) == 2  # empty buckets say nothing
    assert "have not predicted wins" in confidence.summary
    assert "22%" in confidence.summary and "75%" in confidence.summary
    # Impact: 9 tests scored 3 (2 won), 4 scored 9 (3 won): high impact did predict.
    assert impact.sentences == [
        "Of tests scored Impact ≥ 8, 3 of 4 won (75%).",
        "Of tests scored Impact ≤ 4, 2 of 9 won (22%).",
    ]
    assert "pointed the right way" in impact.summary
    assert "hint" not in impact.summary  # 13 decided tests: enough to say it plainly


def test_calibration_without_decided_tests(db, team):
    make_experiment_record(db, team=team, status="running")

    confidence, _impact = learnings.calibration(db, team=team)

    assert confidence.decided == 0 and confidence.sentences == []
    assert "No decided tests yet" in confidence.summary


def test_calibration_warns_when_few_tests(db, team):
    _decided(db, team, confidence=9, outcome="won")
    _decided(db, team, confidence=2, outcome="lost")

    confidence, _impact = learnings.calibration(db, team=team)

    assert "Only 2 decided tests" in confidence.summary


def test_decision_without_outcome_counts_as_decided_only(db, team):
    _decided(db, team, confidence=9, outcome=None)

    confidence, _impact = learnings.calibration(db, team=team)
    high = confidence.buckets[-1]

    assert (high.decided, high.won, high.lost, high.inconclusive) == (1, 0, 0, 0)


def test_date_type_boundaries(db, team):
    # decided_to on the very day of a decision includes it, at any hour.
    _decided(db, team, title="Noon", when=datetime(2026, 5, 5, 12, tzinfo=UTC))
    page = learnings.search_learnings(
        db, team=team, decided_from=date(2026, 5, 5), decided_to=date(2026, 5, 5)
    )
    assert _titles(page) == ["Noon"]
    assert (
        learnings.search_learnings(
            db, team=team, decided_to=date(2026, 5, 5) - timedelta(days=1)
        ).total
        == 0
    )


def test_calibration_of_a_single_decided_test_says_test(db, team):
    _decided(db, team, confidence=9, outcome="won")

    confidence, _impact = learnings.calibration(db, team=team)

    assert "Only 1 decided test: read this as a hint" in confidence.summary
