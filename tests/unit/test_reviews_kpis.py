"""Rules of the weekly review's numbers: KPI deltas by direction, the tracked-metric range,
the agenda built from tests and backlog, the Markdown export and the sparkline."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import factories
import pytest
from sqlmodel import select

from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.reviews import decisions as review_decisions
from hypotheses.domain.reviews import kpis
from hypotheses.domain.reviews import lifecycle as reviews
from hypotheses.domain.reviews.agenda import agenda
from hypotheses.domain.reviews.export import review_markdown
from hypotheses.domain.reviews.metrics import list_metrics, update_metric
from hypotheses.models import (
    Analysis,
    Experiment,
    KpiValue,
    ResultSet,
    Variant,
)

TODAY = date(2026, 11, 18)  # a Wednesday in 2026-W47


def _open(db, team, user, week):
    return reviews.open_review(db, team=team, actor=user, iso_week=week, today=TODAY)


def _decide(db, team, user, review, text="Ship the short form", owner=None, **extra):
    return review_decisions.add_decision(
        db,
        team=team,
        actor=user,
        review=review,
        text=text,
        owner_id=(owner or user).id,
        due=TODAY + timedelta(days=7),
        **extra,
    )


# ---------------------------------------------------------------- KPIs


def _metric(db, team, name):
    return next(m for m in list_metrics(db, team=team) if m.name == name)


def test_kpi_delta_and_direction(db, team, users):
    lead = users["lead"]
    leads, cac = _metric(db, team, "Leads"), _metric(db, team, "CAC")
    nps = _metric(db, team, "NPS")
    w45 = _open(db, team, lead, "2026-W45")
    kpis.save_kpis(
        db, team=team, actor=lead, review=w45, values={leads.id: 100, "cac": 50, "NPS": 0}
    )
    w47 = _open(db, team, lead, "2026-W47")  # no review in W46: compare with the latest earlier one
    kpis.save_kpis(
        db, team=team, actor=lead, review=w47, values={"Leads": 120, cac.id: 60.0, nps.id: 0}
    )
    rows = {r.metric.name: r for r in kpis.kpi_table(db, team=team, review=w47).rows}
    up = rows["Leads"]
    assert (up.value, up.previous, up.previous_week, up.delta, up.delta_pct, up.good, up.arrow) == (
        120,
        100,
        "2026-W45",
        20,
        20,
        True,
        "▲",
    )
    down = rows["CAC"]
    assert (down.delta, down.delta_pct, down.good, down.arrow) == (
        10,
        20,
        False,
        "▲",
    )  # CAC up is bad
    flat = rows["NPS"]
    assert (flat.delta, flat.delta_pct, flat.good, flat.arrow) == (
        0,
        None,
        None,
        "→",
    )  # from 0: no %
    assert rows["Revenue"].value is None and rows["Revenue"].good is None
    assert [w for w, _v in up.trend] == [
        "2026-W40",
        "2026-W41",
        "2026-W42",
        "2026-W43",
        "2026-W44",
        "2026-W45",
        "2026-W46",
        "2026-W47",
    ]
    assert up.trend_values == [None] * 5 + [100, None, 120]
    assert kpis.compare(cac, 40, 50)[2] is True  # CAC down is good


def test_save_kpis_refuses_non_finite_values_and_saves_nothing(db, team, users):
    review = _open(db, team, users["marketer"], "2026-W47")
    leads, cost = _metric(db, team, "Leads"), _metric(db, team, "Time to first contact")
    for bad in (math.nan, math.inf, -math.inf, True, "12", 1e13):
        with pytest.raises(ValidationFailed) as caught:
            kpis.save_kpis(
                db,
                team=team,
                actor=users["marketer"],
                review=review,
                values={"Revenue": 1, leads.id: bad},
            )
        assert f"kpi_{leads.id}" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        kpis.save_kpis(db, team=team, actor=users["marketer"], review=review, values={cost.id: -5})
    assert "negative" in caught.value.fields[f"kpi_{cost.id}"][0]
    with pytest.raises(ValidationFailed) as caught:
        kpis.save_kpis(
            db, team=team, actor=users["marketer"], review=review, values={"No such metric": 1}
        )
    assert "kpis" in caught.value.fields
    assert db.exec(select(KpiValue)).all() == []
    kpis.save_kpis(db, team=team, actor=users["marketer"], review=review, values={leads.id: 7})
    kpis.save_kpis(db, team=team, actor=users["marketer"], review=review, values={leads.id: None})
    assert db.exec(select(KpiValue)).all() == []


def test_tracked_metric_count_outside_5_to_12_warns(db, team, users):
    review = _open(db, team, users["lead"], "2026-W47")
    assert kpis.kpi_table(db, team=team, review=review).warning is None  # 10 tracked by default
    for metric in list_metrics(db, team=team)[:6]:
        update_metric(
            db,
            team=team,
            actor=users["lead"],
            metric_id=metric.id,
            name=metric.name,
            unit=metric.unit,
            direction=metric.direction,
            fmt=str(metric.fmt),
            tracked=False,
        )
    table = kpis.kpi_table(db, team=team, review=review)
    assert len(table.rows) == 4 and "Only 4 metrics" in table.warning
    assert "13 metrics" in kpis.tracked_warning(13)
    assert kpis.tracked_warning(1).startswith("Only 1 metric is tracked;")
    assert kpis.tracked_warning(0).startswith("No metric is tracked yet;")
    assert kpis.tracked_warning(5) is None


# ---------------------------------------------------------------- agenda and export


def _experiment(db, team, status, **fields):
    hypothesis = factories.make_hypothesis(db, team=team, status=status, title=f"Test {status}")
    experiment = Experiment(team_id=team.id, hypothesis_id=hypothesis.id, status=status, **fields)
    db.add(experiment)
    db.commit()
    for position, name in enumerate(("A", "B")):
        db.add(Variant(experiment_id=experiment.id, position=position, name=name, split=0.5))
    db.commit()
    return hypothesis, experiment


def test_agenda_lists_ended_and_running_tests_backlog_and_open_decisions(db, team, users):
    lead = users["lead"]
    last = _open(db, team, lead, "2026-W46")
    _decide(db, team, lead, last, text="Carry me")
    reviews.publish(
        db, team=team, actor=lead, review=last, reason="Short week: fewer decisions and KPI values."
    )
    now = datetime.now(UTC)
    _h, done = _experiment(db, team, "decided", ended_at=now, decided_at=now, decision="ship")
    _experiment(
        db, team, "finished", ended_at=last.published_at - timedelta(days=3)
    )  # before: left out
    _h2, running = _experiment(
        db,
        team,
        "running",
        slot=1,
        per_variant=1000,
        duration_days=14,
        started_at=now - timedelta(days=4),
    )
    result = ResultSet(
        experiment_id=running.id,
        data=[{"visitors": 300, "conversions": 9}, {"visitors": 200, "conversions": 8}],
    )
    db.add(result)
    db.commit()
    db.add(
        Analysis(
            experiment_id=done.id,
            result_set_id=result.id,
            engine_version="1",
            inputs={},
            output={},
            verdict="Variant B raised lead rate.",
        )
    )
    db.commit()
    for score in (9, 3):
        factories.make_hypothesis(
            db, team=team, impact=score, confidence=score, ease=score, title=f"Idea {score}"
        )
    this_week = _open(db, team, lead, "2026-W47")
    plan = agenda(db, team=team, review=this_week, today=now.date())
    assert [(t.experiment.id, t.verdict) for t in plan.ended] == [
        (done.id, "Variant B raised lead rate.")
    ]
    (line,) = plan.running
    assert (line.collected, line.planned, line.percent, line.days_left) == (500, 2000, 25, 10)
    assert plan.health.size >= 2
    assert [h.title for h, _s in plan.waiting][:2] == ["Idea 9", "Idea 3"]
    assert [d.decision.text for d in plan.open_decisions] == ["Carry me"]


def test_markdown_export_has_kpis_decisions_and_escapes_markup(db, team, users):
    lead = users["lead"]
    review = _open(db, team, lead, "2026-W47")
    kpis.save_kpis(
        db, team=team, actor=lead, review=review, values={"Leads": 1234, "Cost per lead": 12.5}
    )
    _decide(db, team, lead, review, text="Ship | the [short](x) form")
    reviews.update_details(
        db,
        team=team,
        actor=lead,
        review=review,
        attendees="Lena Lead",
        notes="Line one\nLine two",
        version=review.version,
    )
    reviews.publish(
        db,
        team=team,
        actor=lead,
        review=review,
        reason="Short week: fewer decisions and KPI values.",
    )
    text = review_markdown(db, team=team, review=review)
    assert text.startswith("# Test team: weekly review 2026-W47")
    assert "| Leads | 1,234 |" in text and "| Cost per lead | 12.50 |" in text
    assert "- [ ] Ship \\| the \\[short\\]\\(x\\) form" in text
    assert f"owner: {lead.name}" in text and "Lena Lead" in text and "Line two" in text


# ---------------------------------------------------------------- sparkline


def test_sparkline_is_an_accessible_svg_with_gaps_and_escaped_title():
    from hypotheses.sparkline import sparkline_svg

    svg = str(sparkline_svg([1, None, 3, 2], title='Leads <b>"8 weeks"</b>', width=100, height=20))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title>Leads &lt;b&gt;&#34;8 weeks&#34;&lt;/b&gt;</title>" in svg
    points = svg.split('points="')[1].split('"')[0].split()
    assert len(points) == 3  # the week without a value is skipped, its x slot kept
    xs = [float(p.split(",")[0]) for p in points]
    ys = [float(p.split(",")[1]) for p in points]
    assert xs == [3.0, 65.67, 97.0] and ys[1] == 3.0 and ys[0] == 17.0  # max at top, min at bottom
    flat = str(sparkline_svg([5, 5], title="Flat"))
    assert "polyline" in flat and flat.count("16.0") >= 2  # a flat series sits in the middle
    empty = str(sparkline_svg([None, None], title="Nothing yet"))
    assert "polyline" not in empty and "<title>Nothing yet</title>" in empty
