"""The dashboard: running tests with progress, slots, backlog health, queues, this week's review."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from factories import make_experiment_record, make_hypothesis, make_team

from hypotheses.domain.experiments.common import sample_total
from hypotheses.domain.overview import dashboard as dash
from hypotheses.models import Review, utcnow

TODAY = date(2026, 3, 18)  # a Wednesday in ISO week 2026-W12


def _at(days_ago: int) -> datetime:
    return datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=UTC) - timedelta(days=days_ago)


def test_iso_week():
    assert dash.iso_week(TODAY) == "2026-W12"
    assert dash.iso_week(date(2027, 1, 1)) == "2026-W53"
    assert dash.iso_week(date(2026, 1, 5)) == "2026-W02"


def test_running_test_progress_days_left_and_early_look(db, team):
    hypothesis = make_hypothesis(
        db, team=team, title="Phone number in the header", status="running"
    )
    make_experiment_record(
        db,
        team=team,
        hypothesis=hypothesis,
        status="running",
        per_variant=5000,
        duration_days=20,
        started_at=_at(11),
        metric_name="Lead rate",
        results=[{"visitors": 2100, "conversions": 70}, {"visitors": 2110, "conversions": 81}],
    )

    board = dash.dashboard(db, team=team, today=TODAY)

    (test,) = board.running
    assert test.title == "Phone number in the header" and test.metric == "Lead rate"
    assert (test.observed, test.planned, test.percent) == (4210, 10000, 42)
    assert test.days_left == 9 and test.end_date == date(2026, 3, 27)
    assert test.early_look and not test.overdue
    assert board.limit == 3 and board.free_slots == 2


def test_running_test_without_results_and_overdue(db, team):
    make_experiment_record(
        db,
        team=team,
        status="running",
        per_variant=100,
        duration_days=5,
        started_at=_at(8),
        metric_kind="continuous",
        variants=3,
    )

    (test,) = dash.dashboard(db, team=team, today=TODAY).running

    assert test.observed is None and test.percent is None and not test.early_look
    assert test.planned == 300 and test.variants == 3
    assert test.days_left == -3 and test.overdue


def test_full_sample_is_not_an_early_look(db, team):
    make_experiment_record(
        db,
        team=team,
        status="running",
        per_variant=100,
        started_at=_at(1),
        results=[{"n": 120, "mean": 50.0, "sd": 9.0}, {"n": 110, "mean": 52.0, "sd": 9.5}],
    )

    (test,) = dash.dashboard(db, team=team, today=TODAY).running

    assert test.observed == 230 and test.percent == 115 and test.bar_percent == 100
    assert not test.early_look


def test_free_slots_follow_the_team_limit(db):
    team = make_team(db, name="Small team", active_test_limit=2)
    for days in (3, 6):
        make_experiment_record(db, team=team, status="running", started_at=_at(days))
    make_experiment_record(db, team=team, status="design")
    make_experiment_record(db, team=team, status="decided")

    board = dash.dashboard(db, team=team, today=TODAY)

    assert len(board.running) == 2 and board.free_slots == 0
    # Earliest started first.
    assert board.running[0].started_at < board.running[1].started_at


def test_observed_total_tolerates_odd_data():
    assert sample_total([{"visitors": 10, "conversions": 1}, {"visitors": 12}]) == 22
    assert sample_total([{"n": 5, "mean": 1, "sd": 1}]) == 5
    assert sample_total([]) is None
    assert sample_total("not json") is None
    assert sample_total([{"visitors": "ten"}]) is None
    assert sample_total([{"visitors": True}]) is None


def test_stale_ideas_are_ideas_and_backlog_untouched_for_30_days(db, team):
    now = utcnow()
    old_idea = make_hypothesis(
        db, team=team, title="Old idea", status="idea", updated_at=now - timedelta(days=45)
    )
    make_hypothesis(
        db, team=team, title="Old backlog", status="backlog", updated_at=now - timedelta(days=31)
    )
    make_hypothesis(
        db, team=team, title="Fresh", status="backlog", updated_at=now - timedelta(days=29)
    )
    make_hypothesis(
        db, team=team, title="Old approved", status="approved", updated_at=now - timedelta(days=90)
    )
    make_hypothesis(
        db, team=team, title="Old rejected", status="rejected", updated_at=now - timedelta(days=90)
    )

    board = dash.dashboard(db, team=team)

    assert board.stale_count == 2
    assert [h.title for h in board.stale] == ["Old idea", "Old backlog"]
    assert board.stale[0].id == old_idea.id


def test_subject_mix_warns_above_60_percent(db, team):
    for _ in range(4):
        make_hypothesis(db, team=team, subject="creative", status="backlog")
    make_hypothesis(db, team=team, subject="offer", status="approved")
    make_hypothesis(db, team=team, subject="offer", status="idea")  # ideas are not the backlog

    board = dash.dashboard(db, team=team)

    assert [(s.subject, s.count, s.percent) for s in board.subject_mix] == [
        ("creative", 4, 80),
        ("offer", 1, 20),
    ]
    assert board.subject_warning is not None
    assert "80%" in board.subject_warning and "Creative" in board.subject_warning


def test_subject_mix_at_60_percent_or_tiny_backlog_does_not_warn(db, team):
    for subject in ("creative", "creative", "creative", "offer", "segment"):
        make_hypothesis(db, team=team, subject=subject, status="backlog")
    assert dash.dashboard(db, team=team).subject_warning is None  # exactly 60%

    tiny = make_team(db, name="Tiny")
    for _ in range(3):
        make_hypothesis(db, team=tiny, subject="creative", status="backlog")
    board = dash.dashboard(db, team=tiny)
    assert board.subject_mix[0].percent == 100 and board.subject_warning is None


def test_waiting_for_approval_top_five_by_score(db, team):
    for n in range(7):
        make_hypothesis(
            db, team=team, title=f"B{n}", status="backlog", impact=3 + n, confidence=5, ease=5
        )
    make_hypothesis(
        db, team=team, title="Approved", status="approved", impact=10, confidence=10, ease=10
    )
    make_hypothesis(db, team=team, title="Idea", status="idea", impact=10, confidence=10, ease=10)

    board = dash.dashboard(db, team=team)

    assert [row.hypothesis.title for row in board.waiting] == ["B6", "B5", "B4", "B3", "B2"]
    assert board.waiting_total == 7
    assert board.waiting[0].score == (9 + 5 + 5) / 3


def test_awaiting_decision_lists_finished_undecided_tests(db, team):
    first = make_experiment_record(db, team=team, status="finished", ended_at=_at(5))
    second = make_experiment_record(db, team=team, status="finished", ended_at=_at(1))
    make_experiment_record(db, team=team, status="decided")
    make_experiment_record(db, team=team, status="stopped")

    board = dash.dashboard(db, team=team, today=TODAY)

    assert [e.id for e, _h in board.awaiting_decision] == [first.id, second.id]


def test_this_weeks_review(db, team):
    board = dash.dashboard(db, team=team, today=TODAY)
    assert board.iso_week == "2026-W12" and board.review is None

    db.add(Review(team_id=team.id, iso_week="2026-W11", status="published"))
    db.add(Review(team_id=team.id, iso_week="2026-W12", status="draft"))
    other = make_team(db, name="Other")
    db.add(Review(team_id=other.id, iso_week="2026-W13", status="draft"))
    db.commit()

    board = dash.dashboard(db, team=team, today=TODAY)
    assert board.review is not None and board.review.status == "draft"
    assert dash.dashboard(db, team=team, today=TODAY + timedelta(days=7)).review is None


def test_other_teams_tests_never_show(db, team):
    other = make_team(db, name="Other")
    make_experiment_record(db, team=other, status="running", started_at=_at(2))
    make_experiment_record(db, team=other, status="finished")
    make_hypothesis(db, team=other, status="backlog")

    board = dash.dashboard(db, team=team, today=TODAY)

    assert board.running == [] and board.awaiting_decision == [] and board.waiting == []
    assert board.free_slots == 3 and board.health.size == 0


def test_latest_learnings_newest_first(db, team):
    for day, title in ((1, "Oldest"), (5, "Middle"), (9, "Newest"), (7, "Second")):
        hypothesis = make_hypothesis(db, team=team, title=title, status="decided")
        make_experiment_record(
            db,
            team=team,
            hypothesis=hypothesis,
            learning=f"Learned from {title}.",
            decided_at=datetime(2026, 3, day, tzinfo=UTC),
        )

    board = dash.dashboard(db, team=team, today=TODAY)

    assert [row.learning for row in board.learnings] == [
        "Learned from Newest.",
        "Learned from Second.",
        "Learned from Middle.",
    ]
