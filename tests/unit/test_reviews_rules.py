"""Rules of the weekly review: ISO weeks, one review per week, decisions, carry-over,
publishing, KPI deltas by direction, read receipts, stale edits and the Markdown export."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import factories
import pytest
from sqlmodel import select

from hypotheses.domain.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    StaleVersion,
    ValidationFailed,
)
from hypotheses.domain.core.weeks import iso_week_of, parse_iso_week
from hypotheses.domain.reviews import decisions as review_decisions
from hypotheses.domain.reviews import kpis
from hypotheses.domain.reviews import lifecycle as reviews
from hypotheses.domain.reviews import queries as review_queries
from hypotheses.domain.reviews.metrics import list_metrics
from hypotheses.models import (
    AuditEntry,
    ReviewDecision,
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


# ---------------------------------------------------------------- ISO weeks


def test_iso_week_of_uses_the_iso_year():
    assert iso_week_of(date(2026, 11, 16)) == "2026-W47"
    assert iso_week_of(date(2027, 1, 1)) == "2026-W53"  # 2026 has 53 ISO weeks
    assert iso_week_of(date(2024, 12, 30)) == "2025-W01"
    assert iso_week_of(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)) == "2026-W47"


@pytest.mark.parametrize(
    "text", ["2026-W60", "2025-W53", "2026-W00", "2026-47", "W47", "2026-w47", "", "２０２６-W01"]
)
def test_malformed_or_missing_weeks_are_refused(text):
    with pytest.raises(DomainError) as caught:
        parse_iso_week(text)
    assert caught.value.field == "iso_week"
    assert "ISO week" in caught.value.message or "does not exist" in caught.value.message


def test_week_60_message_says_which_weeks_exist():
    with pytest.raises(DomainError, match="2026 has ISO weeks 01 to 53"):
        parse_iso_week("2026-W60")
    assert parse_iso_week("2026-W53") == (2026, 53)


# ---------------------------------------------------------------- one review per week


def test_one_review_per_team_per_week(db, team, users):
    first = _open(db, team, users["marketer"], "2026-W47")
    with pytest.raises(Conflict) as caught:
        _open(db, team, users["lead"], "2026-W47")
    assert caught.value.details["existing_id"] == first.id
    assert caught.value.details["iso_week"] == "2026-W47"
    other = factories.make_team(db, name="Other team")
    assert _open(db, other, users["lead"], "2026-W47").id != first.id


def test_open_defaults_to_this_week_and_refuses_the_future(db, team, users):
    review = reviews.open_review(db, team=team, actor=users["lead"], today=TODAY)
    assert review.iso_week == "2026-W47" and review.status == "draft"
    with pytest.raises(DomainError, match="not started yet"):
        _open(db, team, users["lead"], "2026-W48")
    assert (
        db.exec(select(AuditEntry).where(AuditEntry.action == "review.open")).one().entity_id
        == review.id
    )


# ---------------------------------------------------------------- decisions


def test_decision_range_warning():
    assert "0 decisions" in review_queries.decision_range_warning(0)
    assert review_queries.decision_range_warning(2) is not None
    assert review_queries.decision_range_warning(3) is None
    assert review_queries.decision_range_warning(7) is None
    assert "8 decisions" in review_queries.decision_range_warning(8)


def test_decision_needs_text_team_owner_due_date_and_own_hypothesis(db, team, users):
    review = _open(db, team, users["marketer"], "2026-W47")
    outsider = factories.make_user(db, role="lead")  # no membership in this team
    other_team = factories.make_team(db, name="Elsewhere")
    foreign = factories.make_hypothesis(db, team=other_team)
    with pytest.raises(ValidationFailed) as caught:
        review_decisions.add_decision(
            db,
            team=team,
            actor=users["marketer"],
            review=review,
            text="  ",
            owner_id=outsider.id,
            due=None,
            hypothesis_id=foreign.id,
        )
    assert set(caught.value.fields) == {"text", "owner_id", "due", "hypothesis_id"}
    assert db.exec(select(ReviewDecision)).all() == []
    own = factories.make_hypothesis(db, team=team)
    decision = _decide(
        db, team, users["marketer"], review, owner=users["viewer"], hypothesis_id=own.id
    )
    assert (decision.owner_id, decision.hypothesis_id, decision.status) == (
        users["viewer"].id,
        own.id,
        "open",
    )


def test_update_and_remove_decision_only_in_its_draft(db, team, users):
    review = _open(db, team, users["marketer"], "2026-W47")
    decision = _decide(db, team, users["marketer"], review)
    changes = review_decisions.update_decision(
        db,
        team=team,
        actor=users["lead"],
        review=review,
        decision_id=decision.id,
        text="Kill the long form",
        owner_id=users["lead"].id,
        due=TODAY,
    )
    assert changes["text"] == ["Ship the short form", "Kill the long form"]
    review_decisions.remove_decision(
        db, team=team, actor=users["lead"], review=review, decision_id=decision.id
    )
    assert db.get(ReviewDecision, decision.id) is None


# ---------------------------------------------------------------- publishing


def test_publish_rules(db, team, users):
    review = _open(db, team, users["marketer"], "2026-W47")
    with pytest.raises(Conflict, match="at least one decision"):
        reviews.publish(
            db,
            team=team,
            actor=users["lead"],
            review=review,
            reason="Short week: fewer decisions and KPI values.",
        )
    _decide(db, team, users["marketer"], review)
    with pytest.raises(Forbidden):
        reviews.publish(db, team=team, actor=users["marketer"], review=review)
    with pytest.raises(DomainError, match="Only 1 decision recorded") as refused:
        reviews.publish(db, team=team, actor=users["lead"], review=review)  # outside 3–7
    assert refused.value.field == "reason" and review.status == "draft"
    warnings = reviews.publish(
        db, team=team, actor=users["lead"], review=review, reason="Quiet week, one decision."
    )
    assert any("1 decisions so far" in w for w in warnings)  # with a reason: published, warned
    assert review.publish_reason == "Quiet week, one decision."
    assert review.status == "published" and review.published_by_id == users["lead"].id
    assert review.published_at is not None
    with pytest.raises(Conflict, match="read-only"):
        _decide(db, team, users["lead"], review)
    with pytest.raises(Conflict, match="read-only"):
        kpis.save_kpis(db, team=team, actor=users["lead"], review=review, values={"Leads": 5})
    with pytest.raises(Conflict):
        reviews.publish(
            db,
            team=team,
            actor=users["lead"],
            review=review,
            reason="Short week: fewer decisions and KPI values.",
        )


def test_publish_with_three_decisions_has_no_range_warning(db, team, users):
    review = _open(db, team, users["lead"], "2026-W47")
    for n in range(3):
        _decide(db, team, users["lead"], review, text=f"Decision {n}")
    values = {m.id: 10.0 for m in list_metrics(db, team=team, tracked_only=True)}
    kpis.save_kpis(db, team=team, actor=users["lead"], review=review, values=values)
    assert reviews.publish(db, team=team, actor=users["lead"], review=review) == []


def test_addenda_only_after_publishing_and_audited(db, team, users):
    review = _open(db, team, users["lead"], "2026-W47")
    with pytest.raises(Conflict):
        reviews.add_addendum(db, team=team, actor=users["lead"], review=review, text="Fix")
    _decide(db, team, users["lead"], review)
    reviews.publish(
        db,
        team=team,
        actor=users["lead"],
        review=review,
        reason="Short week: fewer decisions and KPI values.",
    )
    with pytest.raises(DomainError):
        reviews.add_addendum(db, team=team, actor=users["lead"], review=review, text="   ")
    reviews.add_addendum(
        db, team=team, actor=users["lead"], review=review, text="Revenue was 41,000, not 14,000."
    )
    assert [a.text for a, _u in review_queries.addenda_of(db, review=review)] == [
        "Revenue was 41,000, not 14,000."
    ]
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "review.addendum")).one()
    assert "41,000" in entry.changes["addendum"][1]


# ---------------------------------------------------------------- carry-over


def test_carry_over_and_done_for_earlier_open_decisions(db, team, users):
    lead = users["lead"]
    last_week = _open(db, team, lead, "2026-W46")
    a = _decide(db, team, lead, last_week, text="Call leads within 15 minutes")
    b = _decide(db, team, lead, last_week, text="Rewrite the offer block")
    reviews.publish(
        db,
        team=team,
        actor=lead,
        review=last_week,
        reason="Short week: fewer decisions and KPI values.",
    )
    this_week = _open(db, team, lead, "2026-W47")
    assert [
        line.decision.id for line in review_decisions.earlier_open(db, team=team, review=this_week)
    ] == [a.id, b.id]

    review_decisions.close_previous_decision(
        db, team=team, actor=lead, review=this_week, decision_id=a.id, status="done"
    )
    copy = review_decisions.close_previous_decision(
        db, team=team, actor=lead, review=this_week, decision_id=b.id, status="carried"
    )
    assert (a.status, a.closed_in_review_id) == ("done", this_week.id)
    assert (b.status, b.closed_in_review_id) == ("carried", this_week.id)
    assert (copy.review_id, copy.carried_from_id, copy.status, copy.text) == (
        this_week.id,
        b.id,
        "open",
        "Rewrite the offer block",
    )
    assert review_decisions.earlier_open(db, team=team, review=this_week) == []
    assert {line.decision.id for line in review_decisions.closed_in(db, review=this_week)} == {
        a.id,
        b.id,
    }
    with pytest.raises(Conflict, match="already closed"):
        review_decisions.close_previous_decision(
            db, team=team, actor=lead, review=this_week, decision_id=a.id, status="carried"
        )
    with pytest.raises(ValidationFailed):
        review_decisions.close_previous_decision(
            db, team=team, actor=lead, review=this_week, decision_id=a.id, status="maybe"
        )
    # Removing the carried copy re-opens the original.
    review_decisions.remove_decision(
        db, team=team, actor=lead, review=this_week, decision_id=copy.id
    )
    db.refresh(b)
    assert (b.status, b.closed_in_review_id) == ("open", None)
    summary = {s.review.iso_week: s for s in review_queries.list_reviews(db, team=team, user=lead)}
    assert (summary["2026-W46"].total, summary["2026-W46"].done, summary["2026-W46"].open) == (
        2,
        1,
        1,
    )


def test_only_earlier_decisions_can_be_closed_here(db, team, users):
    review = _open(db, team, users["lead"], "2026-W47")
    own = _decide(db, team, users["lead"], review)
    with pytest.raises(Conflict, match="earlier weeks"):
        review_decisions.close_previous_decision(
            db, team=team, actor=users["lead"], review=review, decision_id=own.id, status="done"
        )


# ---------------------------------------------------------------- attendees, notes, reading


def test_stale_details_form_is_refused_with_what_changed(db, team, users):
    review = _open(db, team, users["marketer"], "2026-W47")
    loaded = review.version
    reviews.update_details(
        db,
        team=team,
        actor=users["lead"],
        review=review,
        attendees="Lena, Mark",
        notes="Discussed CAC.",
        version=loaded,
    )
    with pytest.raises(StaleVersion) as caught:
        reviews.update_details(
            db,
            team=team,
            actor=users["marketer"],
            review=review,
            attendees="Mark",
            notes="Mine",
            version=loaded,
        )
    assert caught.value.changes[0]["changes"]["notes"] == ["", "Discussed CAC."]
    assert review.notes == "Discussed CAC." and review.attendees == "Lena, Mark"


def test_mark_read_is_idempotent_and_needs_a_published_review(db, team, users):
    review = _open(db, team, users["lead"], "2026-W47")
    with pytest.raises(Conflict):
        reviews.mark_read(db, team=team, actor=users["viewer"], review=review)
    _decide(db, team, users["lead"], review)
    reviews.publish(
        db,
        team=team,
        actor=users["lead"],
        review=review,
        reason="Short week: fewer decisions and KPI values.",
    )
    assert reviews.mark_read(db, team=team, actor=users["viewer"], review=review) is True
    assert reviews.mark_read(db, team=team, actor=users["viewer"], review=review) is False
    read = {
        user.id: when for user, _role, when in review_queries.readers(db, team=team, review=review)
    }
    assert read[users["viewer"].id] is not None and read[users["marketer"].id] is None
    outsider = factories.make_user(db, role="viewer")
    with pytest.raises(Forbidden):
        reviews.mark_read(db, team=team, actor=outsider, review=review)
