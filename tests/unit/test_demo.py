"""The demo team: loads into an empty database once, and fills every screen.

Each test loads the whole demo (about a second), so related checks share a test.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from conftest import FAST_HASH
from helpers import visible_text as _text
from sqlmodel import col, func, select

from hypotheses.demo import DEMO_TEAM, DemoExists, load_demo, load_demo_if_empty, saved_logins
from hypotheses.domain.experiments import learnings
from hypotheses.domain.overview import dashboard
from hypotheses.models import (
    Analysis,
    AuditEntry,
    Experiment,
    Hypothesis,
    Membership,
    ResultSet,
    Team,
    Variant,
    utcnow,
)


@pytest.fixture
def demo(app, db):
    # CPU time, not wall time: other processes on a busy test machine must not fail this.
    started = time.process_time()
    team = load_demo(db, instance_path=app.instance_path, hash_method=FAST_HASH)
    elapsed = time.process_time() - started
    db.expire_all()
    return team, elapsed


def _experiments(db, team, status):
    return db.exec(
        select(Experiment).where(Experiment.team_id == team.id, Experiment.status == status)
    ).all()


def test_loads_once_fast_with_the_promised_counts(app, db, demo):
    team, elapsed = demo
    assert elapsed < 5, f"the demo took {elapsed:.1f} s"

    roles = sorted(db.exec(select(Membership.role).where(Membership.team_id == team.id)).all())
    assert roles == ["admin", "lead", "marketer", "viewer"]
    hypotheses = db.exec(select(func.count()).where(Hypothesis.team_id == team.id)).one()
    assert hypotheses == 31  # the 20 backlog hypotheses + 11 that became tests
    assert len(_experiments(db, team, "running")) == 2
    assert len(_experiments(db, team, "decided")) == 8
    assert len(_experiments(db, team, "finished")) == 1  # waiting for the lead's decision
    health = dashboard.dashboard(db, team=team).health
    assert health.min <= health.size <= health.max

    with pytest.raises(DemoExists):
        load_demo(db, instance_path=app.instance_path, hash_method=FAST_HASH)
    db.rollback()
    assert not load_demo_if_empty(db, instance_path=app.instance_path, hash_method=FAST_HASH)
    assert db.exec(select(func.count()).select_from(Hypothesis)).one() == hypotheses
    assert db.exec(select(func.count()).select_from(Team).where(Team.name == DEMO_TEAM)).one() == 1


def _comparisons(db, result_set):
    analysis = db.exec(select(Analysis).where(Analysis.result_set_id == result_set.id)).one()
    assert analysis.verdict and analysis.engine_version
    return analysis, analysis.output


def test_tests_follow_the_rules_and_the_engine(db, demo):
    team, _elapsed = demo
    now = utcnow()

    running = _experiments(db, team, "running")
    assert sorted((now - e.started_at).days for e in running) == [6, 11]
    for experiment in running:
        assert experiment.slot in (1, 2, 3)
        (looks,) = db.exec(select(ResultSet).where(ResultSet.experiment_id == experiment.id)).all()
        assert not looks.final
        _analysis, output = _comparisons(db, looks)
        assert output["early_look"] and "early_look" in {w["code"] for w in output["warnings"]}

    decided = _experiments(db, team, "decided")
    kinds, arms, warnings = set(), set(), set()
    for experiment in decided:
        assert experiment.per_variant and experiment.duration_days and experiment.daily_visitors
        assert experiment.learning and len(experiment.learning) <= 200
        assert now - timedelta(weeks=8, days=1) < experiment.decided_at < now
        assert experiment.started_at < experiment.ended_at <= experiment.decided_at
        variants = db.exec(select(Variant).where(Variant.experiment_id == experiment.id)).all()
        arms.add(len(variants))
        kinds.add(experiment.metric_kind)
        final = db.exec(
            select(ResultSet).where(
                ResultSet.experiment_id == experiment.id, col(ResultSet.final).is_(True)
            )
        ).one()
        rows = final.data
        assert len(rows) == len(variants)
        assert min(r.get("visitors", r.get("n")) for r in rows) >= experiment.per_variant
        assert experiment.started_at < final.created_at <= experiment.ended_at
        _analysis, output = _comparisons(db, final)
        warnings |= {w["code"] for w in output["warnings"]}
        best = output["comparisons"][0]
        # The recorded outcome agrees with what the real engine found.
        if experiment.outcome == "won":
            assert best["significant"] and best["rel_lift"] > 0 and not output["srm"]["mismatch"]
        elif experiment.outcome == "lost":
            assert best["significant"] and best["rel_lift"] < 0
        else:
            assert not best["significant"] or output["srm"]["mismatch"]
    assert kinds == {"conversion", "continuous"}
    assert 3 in arms
    assert "srm" in warnings
    assert {e.outcome for e in decided} == {"won", "lost", "inconclusive"}
    assert {e.decision for e in decided} == {"ship", "iterate", "kill"}

    # Never more than the limit running at once, over the whole history.
    finished = _experiments(db, team, "finished")
    spans = [(e.started_at, e.ended_at or now) for e in running + decided + finished]
    for start, _end in spans:
        assert sum(1 for s, e in spans if s <= start < e) <= team.active_test_limit

    entries = db.exec(
        select(AuditEntry).where(AuditEntry.team_id == team.id, AuditEntry.entity == "experiment")
    ).all()
    actions = [e.action for e in entries]
    assert actions.count("experiment.start") == 11
    assert actions.count("experiment.results") == 11
    assert actions.count("experiment.finish") == 9
    assert actions.count("experiment.decide") == 8
    assert all(e.created_at < now - timedelta(hours=1) for e in entries)
    for experiment in decided:
        decide = next(
            e for e in entries if e.entity_id == experiment.id and e.action == "experiment.decide"
        )
        assert decide.created_at == experiment.decided_at


def test_fills_the_dashboard_and_the_learnings(app, client, db, demo):
    team, _elapsed = demo
    board = dashboard.dashboard(db, team=team)
    assert len(board.running) == 2 and board.free_slots == 1
    assert [h.title for _e, h in board.awaiting_decision] == ["A number in the ad headline"]
    for test in board.running:
        assert test.early_look and 0 < test.observed < test.planned and test.days_left > 0
    assert board.waiting and board.stale_count > 0

    rates = learnings.tag_win_rates(db, team=team)
    assert len(rates) >= 5 and any(r.decided >= 2 for r in rates)
    assert 0 < sum(r.won for r in rates) < sum(r.decided for r in rates)
    confidence, impact = learnings.calibration(db, team=team)
    assert confidence.decided == impact.decided == 8
    assert sum(1 for b in confidence.buckets if b.decided) >= 2
    assert learnings.search_learnings(db, team=team).total == 8

    db.rollback()  # end the read transaction: on SQLite it holds the write lock
    logins = {role: (email, password) for role, email, password in saved_logins(app.instance_path)}
    email, password = logins["viewer"]
    assert (
        client.post("/auth/login", data={"email": email, "password": password}).status_code == 302
    )
    home = _text(client.get("/"))
    assert "WhatsApp button" in home, home[:3000]
    assert "1 of 3 test slots free" in home, home[:3000]
    assert "Early look" in home
    library = _text(client.get("/learnings/"))
    assert "8 decided tests so far" in library and "Of tests scored Confidence ≥ 8" in library


@pytest.mark.slow
def test_a_failed_load_leaves_nothing_behind(app, db, monkeypatch):
    import hypotheses.demo.reviews as demo_reviews

    def broken(session, *, team, people):
        raise RuntimeError("reviews loader failed")

    monkeypatch.setattr(demo_reviews, "load", broken)
    with pytest.raises(RuntimeError):
        load_demo(db, instance_path=app.instance_path, hash_method=FAST_HASH)
    db.expire_all()
    assert db.exec(select(func.count(col(Team.id)))).one() == 0
    assert db.exec(select(func.count(col(Hypothesis.id)))).one() == 0
    assert db.exec(select(func.count(col(AuditEntry.id)))).one() == 0
    db.rollback()
    monkeypatch.undo()
    assert load_demo_if_empty(db, instance_path=app.instance_path, hash_method=FAST_HASH)
