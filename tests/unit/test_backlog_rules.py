"""Backlog rules: bounds, validation, lifecycle, separation of duties, audit and stale versions."""

from __future__ import annotations

import factories
import pytest
from helpers import count
from sqlmodel import select

from hypotheses.domain.backlog import lifecycle as backlog
from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.backlog import rules as backlog_rules
from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    LimitReached,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from hypotheses.models import AuditEntry, Experiment, Hypothesis

GOOD = {
    "title": "Shorter lead form",
    "change": "Cut the form to 3 fields",
    "audience": "All visitors",
    "expected_effect": "Lead rate +20%",
    "rationale": "40% drop-off on field 4",
    "stage": "lead",
    "lever": "conversion",
    "subject": "landing page",
    "impact": 7,
    "confidence": "6",
    "ease": 9,
}


def fill(db, team, n: int, status: str = "backlog", **kw) -> list[Hypothesis]:
    return [factories.make_hypothesis(db, team=team, status=status, **kw) for _ in range(n)]


def actions(db, hypothesis) -> list[str]:
    return [
        e.action
        for e, _u in reversed(audit.history(db, entity="hypothesis", entity_id=hypothesis.id))
    ]


# ------------------------------------------------------------------ bounds and health


def test_size_counts_backlog_and_approved_not_ideas_or_others(db, team):
    fill(db, team, 2, "backlog")
    fill(db, team, 1, "approved")
    fill(db, team, 3, "idea")
    fill(db, team, 1, "running")
    fill(db, team, 1, "archived")
    assert backlog_queries.backlog_size(db, team=team) == 3
    health = backlog_queries.health(db, team=team)
    assert (health.size, health.ideas, health.by_status["running"]) == (3, 3, 1)


def test_health_below_ok_full(db):
    team = factories.make_team(db, "Bounds", backlog_min=2, backlog_max=4)
    low = backlog_queries.health(db, team=team)
    assert (
        low.state == "below"
        and "The backlog is empty" in low.message
        and "minimum is 2" in low.message
    )
    fill(db, team, 1)
    assert "Only 1 in the backlog" in backlog_queries.health(db, team=team).message
    fill(db, team, 1, "idea")
    assert "1 idea waits in the inbox" in backlog_queries.health(db, team=team).message
    fill(db, team, 1, "idea")
    assert "2 ideas wait in the inbox" in backlog_queries.health(db, team=team).message
    fill(db, team, 1)
    ok = backlog_queries.health(db, team=team)
    assert ok.state == "ok" and ok.message.startswith("2 in the backlog") and "2–4" in ok.message
    assert (ok.percent, ok.min_percent) == (50, 50)
    fill(db, team, 2, "approved")
    full = backlog_queries.health(db, team=team)
    assert full.state == "full" and "full (4 of 4)" in full.message and full.percent == 100


def test_create_enters_backlog_until_the_maximum_then_stays_an_idea(db, users):
    team = factories.make_team(db, "Small", backlog_min=0, backlog_max=2)
    actor = users["marketer"]
    from hypotheses.domain.accounts.memberships import set_membership

    set_membership(db, user=actor, team=team, role="marketer")
    db.commit()
    statuses = []
    for n in range(3):
        hypothesis, entered = backlog.create_hypothesis(
            db, team=team, actor=actor, data={**GOOD, "title": f"H{n}"}
        )
        statuses.append((hypothesis.status, entered))
    assert statuses == [("backlog", True), ("backlog", True), ("idea", False)]
    assert "stays an idea" in backlog_queries.full_message(team, 2)
    # Promote is refused while full, with the explanation; allowed once one leaves.
    idea = db.exec(select(Hypothesis).where(Hypothesis.title == "H2")).one()
    with pytest.raises(LimitReached, match="full"):
        backlog.promote(db, hypothesis_id=idea.id, team=team, actor=actor)
    first = db.exec(select(Hypothesis).where(Hypothesis.title == "H0")).one()
    backlog.archive(db, hypothesis_id=first.id, team=team, actor=actor)
    assert backlog.promote(db, hypothesis_id=idea.id, team=team, actor=actor).status == "backlog"


# ------------------------------------------------------------------ create and validation


def test_create_cleans_values_defaults_owner_and_audits(db, team, users):
    data = {
        **GOOD,
        "title": "  Trim me  ",
        "tags": "Form, #UX , form,, speed",
        "links": "https://example.com/a\n\nhttp://example.org/b ",
    }
    hypothesis, entered = backlog.create_hypothesis(
        db, team=team, actor=users["marketer"], data=data
    )
    assert entered and hypothesis.status == "backlog" and hypothesis.version == 1
    assert hypothesis.title == "Trim me" and hypothesis.confidence == 6
    assert hypothesis.tags == "form, ux, speed"
    assert hypothesis.link_list == ["https://example.com/a", "http://example.org/b"]
    assert hypothesis.owner_id == hypothesis.created_by_id == users["marketer"].id
    entry = db.exec(select(AuditEntry).where(AuditEntry.entity_id == hypothesis.id)).one()
    assert entry.action == "hypothesis.create" and entry.version == 1
    assert entry.changes["title"] == [None, "Trim me"]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"rationale": "r" * 10_000}, "rationale"),
        ({"change": "a\x00b"}, "change"),
        ({"impact": 0}, "impact"),
        ({"confidence": 11}, "confidence"),
        ({"ease": "nan"}, "ease"),
        ({"ease": float("nan")}, "ease"),
        ({"impact": "1_000"}, "impact"),
        ({"impact": True}, "impact"),
        ({"impact": 7.5}, "impact"),
        ({"impact": "١٢"}, "impact"),
        ({"stage": "moon"}, "stage"),
        ({"lever": None}, "lever"),
        ({"subject": ""}, "subject"),
        ({"links": "javascript:alert(1)"}, "links"),
        ({"links": "ftp://example.com/x"}, "links"),
        ({"links": "https://"}, "links"),
        ({"links": "\n".join(f"https://e.com/{i}" for i in range(11))}, "links"),
        ({"tags": ",".join(f"t{i}" for i in range(21))}, "tags"),
        ({"tags": "x" * 41}, "tags"),
        ({"owner_id": "abc"}, "owner_id"),
    ],
)
def test_bad_input_is_refused_by_field(changes, field):
    with pytest.raises(ValidationFailed) as caught:
        backlog_rules.clean_fields({**GOOD, **changes}, rice=False, partial=False)
    assert set(caught.value.errors) == {field} and caught.value.errors[field][0]


def test_create_refuses_bad_input_and_writes_nothing(db, team, users):
    for changes in ({"title": ""}, {"impact": "nan"}, {"links": "javascript:alert(1)"}):
        with pytest.raises(ValidationFailed):
            backlog.create_hypothesis(
                db, team=team, actor=users["marketer"], data={**GOOD, **changes}
            )
        assert count(db) == 0 and count(db, AuditEntry) == 0


def test_create_reports_every_wrong_field_at_once(db, team, users):
    with pytest.raises(ValidationFailed) as caught:
        backlog.create_hypothesis(
            db, team=team, actor=users["marketer"], data={"title": "", "impact": 0, "stage": "x"}
        )
    assert {"title", "impact", "stage", "lever", "subject"} <= caught.value.errors.keys()


def test_owner_must_belong_to_the_team(db, team, users):
    other_team = factories.make_team(db, "Other")
    stranger = factories.make_user(db, team=other_team)
    with pytest.raises(ValidationFailed) as caught:
        backlog.create_hypothesis(
            db, team=team, actor=users["marketer"], data={**GOOD, "owner_id": stranger.id}
        )
    assert "owner_id" in caught.value.errors and count(db) == 0
    hypothesis, _ = backlog.create_hypothesis(
        db, team=team, actor=users["marketer"], data={**GOOD, "owner_id": str(users["lead"].id)}
    )
    assert hypothesis.owner_id == users["lead"].id
    nobody, _ = backlog.create_hypothesis(
        db, team=team, actor=users["marketer"], data={**GOOD, "owner_id": ""}
    )
    assert nobody.owner_id is None


def test_rice_inputs_only_when_the_team_uses_rice(db, users):
    team = factories.make_team(db, "Rice", rice_enabled=True)
    from hypotheses.domain.accounts.memberships import set_membership

    set_membership(db, user=users["marketer"], team=team, role="marketer")
    db.commit()
    hypothesis, _ = backlog.create_hypothesis(
        db, team=team, actor=users["marketer"], data={**GOOD, "reach": "1000", "effort": "2.5"}
    )
    assert (hypothesis.reach, hypothesis.effort) == (1000, 2.5)
    for bad in ({"reach": -1}, {"effort": 0}, {"effort": "inf"}, {"reach": 10**12}):
        with pytest.raises(ValidationFailed) as caught:
            backlog.create_hypothesis(db, team=team, actor=users["marketer"], data={**GOOD, **bad})
        assert set(caught.value.errors) == set(bad)
    plain, _ = backlog.create_hypothesis(
        db, team=factories.make_team(db), actor=None, data={**GOOD, "reach": -5, "effort": "x"}
    )
    assert plain.reach is None and plain.effort is None


def test_parent_must_be_a_hypothesis_of_the_same_team(db, team, users):
    parent = factories.make_hypothesis(db, team=team)
    foreign = factories.make_hypothesis(db, team=factories.make_team(db, "Other"))
    child, _ = backlog.create_hypothesis(
        db, team=team, actor=users["marketer"], data={**GOOD, "parent_id": parent.id}
    )
    assert child.parent_id == parent.id
    with pytest.raises(NotFound):
        backlog.create_hypothesis(
            db, team=team, actor=users["marketer"], data={**GOOD, "parent_id": foreign.id}
        )


# ------------------------------------------------------------------ reading


def test_another_teams_hypothesis_is_not_found(db, team, users):
    foreign = factories.make_hypothesis(db, team=factories.make_team(db, "Other"))
    with pytest.raises(NotFound):
        backlog_queries.get_hypothesis(db, team=team, hypothesis_id=foreign.id)
    for action in (backlog.approve, backlog.archive, backlog.promote):
        with pytest.raises(NotFound):
            action(db, hypothesis_id=foreign.id, team=team, actor=users["lead"])
    with pytest.raises(NotFound):
        backlog.update_hypothesis(
            db,
            hypothesis_id=foreign.id,
            team=team,
            actor=users["lead"],
            data={"title": "mine now"},
            version=1,
        )
    assert factories_title(db, foreign) != "mine now"


def factories_title(db, hypothesis) -> str:
    db.expire_all()
    return db.get(Hypothesis, hypothesis.id).title


# ------------------------------------------------------------------ edit, stale versions, audit


def test_update_records_a_field_diff_and_bumps_the_version(db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"])
    old_title = hypothesis.title
    updated, reset = backlog.update_hypothesis(
        db,
        hypothesis_id=hypothesis.id,
        team=team,
        actor=users["marketer"],
        data={"title": "Better title", "impact": "8", "tags": "A"},
        version=1,
    )
    assert not reset and updated.version == 2 and updated.title == "Better title"
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "hypothesis.edit")).one()
    assert entry.changes == {
        "title": [old_title, "Better title"],
        "impact": [5, 8],
        "tags": ["", "a"],
    }
    assert entry.version == 2 and entry.actor_id == users["marketer"].id


def test_an_unchanged_save_writes_nothing(db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team)
    same, _ = backlog.update_hypothesis(
        db,
        hypothesis_id=hypothesis.id,
        team=team,
        actor=users["lead"],
        data={"title": hypothesis.title},
        version=1,
    )
    assert same.version == 1 and count(db, AuditEntry) == 0


def test_stale_version_is_refused_with_the_changes_since(db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, title="Original")
    backlog.update_hypothesis(
        db,
        hypothesis_id=hypothesis.id,
        team=team,
        actor=users["lead"],
        data={"title": "First save"},
        version=1,
    )
    with pytest.raises(StaleVersion) as caught:
        backlog.update_hypothesis(
            db,
            hypothesis_id=hypothesis.id,
            team=team,
            actor=users["marketer"],
            data={"title": "Second save"},
            version=1,
        )
    error = caught.value
    assert error.current_version == 2 and error.status == 409
    assert error.changes[0]["who"] == users["lead"].name
    assert error.changes[0]["changes"]["title"] == ["Original", "First save"]
    assert factories_title(db, hypothesis) == "First save"
    with pytest.raises(StaleVersion):
        backlog.set_scores(
            db,
            hypothesis_id=hypothesis.id,
            team=team,
            actor=users["marketer"],
            impact=9,
            confidence=9,
            ease=9,
            version=1,
        )
    with pytest.raises(DomainError) as missing:
        backlog.update_hypothesis(
            db,
            hypothesis_id=hypothesis.id,
            team=team,
            actor=users["lead"],
            data={"title": "x"},
            version=None,
        )
    assert missing.value.field == "version"


def test_a_concurrent_writer_is_caught_by_the_version_column(app, db, team, users):
    """Simulate PostgreSQL's race: both read version 1, the other commits first."""
    from sqlmodel import Session

    from hypotheses.db import ENGINE_KEY

    hypothesis = factories.make_hypothesis(db, team=team, title="Original")
    loaded = backlog_queries.get_hypothesis(db, team=team, hypothesis_id=hypothesis.id)
    assert loaded.version == 1
    db.commit()  # release SQLite's write lock; the loaded object keeps version 1 in memory
    with Session(app.extensions[ENGINE_KEY]) as other:
        row = other.get(Hypothesis, hypothesis.id)
        row.title = "Other writer"
        other.commit()
    # Our session still believes version 1 (identity map), so only the UPDATE's WHERE version=1
    # can notice: StaleDataError, turned into StaleVersion.
    with pytest.raises(StaleVersion) as caught:
        backlog.set_scores(
            db,
            hypothesis_id=hypothesis.id,
            team=team,
            actor=users["lead"],
            impact=9,
            confidence=9,
            ease=9,
            version=1,
        )
    assert caught.value.current_version == 2
    assert factories_title(db, hypothesis) == "Other writer"


def test_editing_an_approved_hypothesis_resets_the_approval(db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"])
    approved = backlog.approve(db, hypothesis_id=hypothesis.id, team=team, actor=users["lead"])
    assert approved.approved_by_id == users["lead"].id and approved.approved_version == 1
    # Scores, owner, tags and links are not substance: the approval stays.
    same, reset = backlog.update_hypothesis(
        db,
        hypothesis_id=hypothesis.id,
        team=team,
        actor=users["marketer"],
        data={"ease": 9, "tags": "x"},
        version=approved.version,
    )
    assert not reset and same.status == "approved"
    edited, reset = backlog.update_hypothesis(
        db,
        hypothesis_id=hypothesis.id,
        team=team,
        actor=users["marketer"],
        data={"change": "Other change"},
        version=same.version,
    )
    assert reset and edited.status == "backlog"
    assert (edited.approved_by_id, edited.approved_at, edited.approved_version) == (
        None,
        None,
        None,
    )
    last = audit.history(db, entity="hypothesis", entity_id=hypothesis.id)[0][0]
    assert last.changes["status"] == ["approved", "backlog"]


def test_editing_a_tested_or_archived_hypothesis_is_refused(db, team, users):
    for status in ("running", "finished", "decided", "archived", "stopped"):
        _refused_edit(db, team, users, status)


def _refused_edit(db, team, users, status):
    hypothesis = factories.make_hypothesis(db, team=team, status=status)
    with pytest.raises(Conflict, match="can no longer be edited"):
        backlog.update_hypothesis(
            db,
            hypothesis_id=hypothesis.id,
            team=team,
            actor=users["lead"],
            data={"title": "Changed"},
            version=1,
        )
    with pytest.raises(Conflict):
        backlog.set_scores(
            db,
            hypothesis_id=hypothesis.id,
            team=team,
            actor=users["lead"],
            impact=1,
            confidence=1,
            ease=1,
            version=1,
        )
    assert factories_title(db, hypothesis) == hypothesis.title


def test_set_scores_validates_and_audits(db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team)
    with pytest.raises(ValidationFailed) as caught:
        backlog.set_scores(
            db,
            hypothesis_id=hypothesis.id,
            team=team,
            actor=users["lead"],
            impact=0,
            confidence=11,
            ease="nan",
            version=1,
        )
    assert set(caught.value.errors) == {"impact", "confidence", "ease"}
    scored = backlog.set_scores(
        db,
        hypothesis_id=hypothesis.id,
        team=team,
        actor=users["lead"],
        impact=9,
        confidence=5,
        ease="2",
        version=1,
    )
    assert (scored.impact, scored.ease, scored.version) == (9, 2, 2)
    assert actions(db, hypothesis) == ["hypothesis.score"]


# ------------------------------------------------------------------ approve, reject, archive


def test_the_author_cannot_approve_their_own_unless_the_team_allows(db, team, users):
    lead = users["lead"]
    own = factories.make_hypothesis(db, team=team, author=lead)
    with pytest.raises(Forbidden, match="another lead"):
        backlog.approve(db, hypothesis_id=own.id, team=team, actor=lead)
    assert fresh_status(db, own) == "backlog"
    team.allow_self_approval = True
    db.add(team)
    db.commit()
    assert backlog.approve(db, hypothesis_id=own.id, team=team, actor=lead).status == "approved"


def fresh_status(db, hypothesis) -> str:
    db.expire_all()
    return db.get(Hypothesis, hypothesis.id).status


def test_approve_states_and_idempotence(db, users):
    team = factories.make_team(db, "Approve", backlog_min=0, backlog_max=1)
    lead = factories.make_user(db, team=team, role="lead")
    idea = factories.make_hypothesis(db, team=team, status="idea")
    assert backlog.approve(db, hypothesis_id=idea.id, team=team, actor=lead).status == "approved"
    again = backlog.approve(db, hypothesis_id=idea.id, team=team, actor=lead)
    assert again.status == "approved" and actions(db, idea) == ["hypothesis.approve"]
    # The backlog is now full (1 of 1): approving another idea would overflow it.
    second = factories.make_hypothesis(db, team=team, status="idea")
    with pytest.raises(LimitReached):
        backlog.approve(db, hypothesis_id=second.id, team=team, actor=lead)
    running = factories.make_hypothesis(db, team=team, status="running")
    with pytest.raises(Conflict):
        backlog.approve(db, hypothesis_id=running.id, team=team, actor=lead)
    with pytest.raises(StaleVersion):
        backlog.approve(db, hypothesis_id=idea.id, team=team, actor=lead, version=1)


def test_reject_needs_a_reason_and_clears_the_approval(db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team)
    backlog.approve(db, hypothesis_id=hypothesis.id, team=team, actor=users["lead"])
    for reason in ("", "   ", None, "x" * 1001):
        with pytest.raises(ValidationFailed) as caught:
            backlog.reject(
                db, hypothesis_id=hypothesis.id, team=team, actor=users["lead"], reason=reason
            )
        assert "reason" in caught.value.errors
    assert fresh_status(db, hypothesis) == "approved"
    rejected = backlog.reject(
        db, hypothesis_id=hypothesis.id, team=team, actor=users["lead"], reason=" Not our audience "
    )
    assert rejected.status == "rejected" and rejected.reject_reason == "Not our audience"
    assert rejected.approved_by_id is None
    with pytest.raises(Conflict):
        backlog.reject(
            db, hypothesis_id=hypothesis.id, team=team, actor=users["lead"], reason="again"
        )


def test_archive_and_restore(db, team, users):
    running = factories.make_hypothesis(db, team=team, status="running")
    with pytest.raises(Conflict, match="cannot be archived"):
        backlog.archive(db, hypothesis_id=running.id, team=team, actor=users["marketer"])
    hypothesis = factories.make_hypothesis(db, team=team)
    archived = backlog.archive(db, hypothesis_id=hypothesis.id, team=team, actor=users["marketer"])
    assert archived.status == "archived"
    restored, entered = backlog.restore(
        db, hypothesis_id=hypothesis.id, team=team, actor=users["lead"]
    )
    assert entered and restored.status == "backlog"
    with pytest.raises(Conflict):
        backlog.restore(db, hypothesis_id=hypothesis.id, team=team, actor=users["lead"])
    tested = factories.make_hypothesis(db, team=team, status="decided")
    db.add(Experiment(team_id=team.id, hypothesis_id=tested.id, status="decided"))
    db.commit()
    backlog.archive(db, hypothesis_id=tested.id, team=team, actor=users["lead"])
    with pytest.raises(Conflict, match="follow-up"):
        backlog.restore(db, hypothesis_id=tested.id, team=team, actor=users["lead"])
    assert actions(db, hypothesis) == ["hypothesis.archive", "hypothesis.restore"]


def test_allowed_actions_follow_the_status(db, team):
    def allowed(status):
        return backlog.allowed_actions(
            Hypothesis(
                team_id=team.id,
                title="t",
                stage="lead",
                lever="traffic",
                subject="other",
                status=status,
            )
        )

    assert allowed("idea") == {"edit", "approve", "reject", "archive", "promote"}
    assert allowed("backlog") == {"edit", "approve", "reject", "archive"}
    assert allowed("approved") == {"edit", "reject", "archive"}
    assert allowed("running") == set()
    assert allowed("rejected") == {"edit", "archive", "restore"}
    assert allowed("archived") == {"restore"}


# ------------------------------------------------------------------ merging a refused form


def test_merge_after_conflict_keeps_typed_fields_and_takes_theirs_elsewhere():
    current = {"title": "Their title", "impact": 8, "tags": "a, b", "owner_id": 3}
    changes = [{"changes": {"title": ["Opened", "Their title"], "impact": [5, 8]}}]
    typed = {"title": "Opened", "impact": 6, "tags": "A,b", "owner_id": 3}
    merged = backlog_rules.merge_after_conflict(current, changes, typed)
    # Title untouched by me -> theirs; impact typed (5 -> 6) -> mine; tags equal once normalised.
    assert merged == {"title": "Their title", "impact": 6, "tags": "a, b", "owner_id": 3}


def test_every_recorded_hypothesis_action_has_a_readable_label():
    """The history names every action the domain records on a hypothesis, never a raw code."""
    import re
    from pathlib import Path

    from hypotheses.audit_notes import ACTIONS

    domain = Path(__file__).resolve().parents[2] / "hypotheses" / "domain"
    recorded = set()
    for path in domain.rglob("*.py"):
        recorded |= set(re.findall(r'"(hypothesis\.[a-z_]+)"', path.read_text()))
    assert recorded, "the scan should find the recorded actions"
    assert recorded <= set(ACTIONS), sorted(recorded - set(ACTIONS))
