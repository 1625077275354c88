"""The one formula for days left and progress (issue 13 item 6): every page and the API agree."""

from datetime import UTC, date, datetime

from hypotheses.domain.experiments import progress
from hypotheses.models import Experiment


def _running(started_at, duration_days=14, status="running"):
    return Experiment(
        team_id=1,
        hypothesis_id=1,
        status=status,
        started_at=started_at,
        duration_days=duration_days,
    )


def test_days_left_counts_calendar_days_whatever_the_start_time():
    late = _running(datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    early = _running(datetime(2026, 3, 1, 0, 5, tzinfo=UTC))
    for test in (late, early):
        assert progress.planned_end(test.started_at, 14) == date(2026, 3, 15)
        assert progress.days_left(test, date(2026, 3, 1)) == 14
        assert progress.days_left(test, date(2026, 3, 2)) == 13
        assert progress.days_left(test, date(2026, 3, 15)) == 0
        assert progress.days_left(test, date(2026, 3, 18)) == -3  # overdue


def test_days_left_only_for_running_tests_with_a_plan():
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert progress.days_left(_running(start, status="finished"), date(2026, 3, 2)) is None
    assert progress.days_left(_running(None), date(2026, 3, 2)) is None
    assert progress.days_left(_running(start, duration_days=None), date(2026, 3, 2)) is None


def test_progress_is_floored_and_not_capped():
    assert progress.percent(4210, 10000) == 42
    assert progress.percent(9999, 10000) == 99  # never 100 % below the plan
    assert progress.percent(230, 200) == 115
    assert progress.percent(None, 100) is None and progress.percent(10, None) is None
    assert progress.share(50, 200) == 0.25


def test_every_page_reads_the_same_days_left(db, team, users):
    """The Tests page, the dashboard and the review agenda give the same number."""
    from experiment_factories import running

    from hypotheses.domain.experiments.common import list_experiments
    from hypotheses.domain.overview.dashboard import running_tests as board_tests
    from hypotheses.domain.reviews.agenda import running_tests as agenda_tests
    from hypotheses.models import utcnow

    hypothesis = running(db, team=team, lead=users["lead"])
    today = utcnow().date()
    (row,) = [r for r in list_experiments(db, team=team) if r.hypothesis.id == hypothesis.id]
    (board,) = board_tests(db, team=team, today=today)
    (line,) = agenda_tests(db, team=team, today=today)
    assert row.days_left == board.days_left == line.days_left == row.experiment.duration_days
