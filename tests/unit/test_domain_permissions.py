"""Permission-like rules live in the domain: called directly, the domain itself refuses.

The screens ask the same functions which actions to offer (``actions_for`` for a hypothesis,
``experiments.common.allowed_actions`` for a test), so a template never compares statuses.
"""

from __future__ import annotations

from datetime import date

import experiment_factories as ef
import factories
import pytest

from hypotheses.domain.backlog import lifecycle as backlog
from hypotheses.domain.backlog import rules as backlog_rules
from hypotheses.domain.core.errors import Forbidden, NotFound
from hypotheses.domain.experiments import ending as experiment_end
from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.domain.experiments.common import allowed_actions as experiment_actions
from hypotheses.domain.experiments.common import get_experiment
from hypotheses.domain.reviews import decisions as review_decisions
from hypotheses.domain.reviews import lifecycle as reviews
from hypotheses.domain.reviews import queries as review_queries
from hypotheses.enums import ExperimentStatus, Role, Status
from hypotheses.models import Experiment, Hypothesis


def rejected(db, team, users) -> Hypothesis:
    hypothesis = factories.make_hypothesis(db, team=team)
    return backlog.reject(
        db, hypothesis_id=hypothesis.id, team=team, actor=users["lead"], reason="Not now"
    )


def test_only_a_lead_may_restore_a_rejected_hypothesis(db, team, users):
    hypothesis = rejected(db, team, users)
    with pytest.raises(Forbidden, match="Only a lead"):
        backlog.restore(db, hypothesis_id=hypothesis.id, team=team, actor=users["marketer"])
    with pytest.raises(Forbidden, match="role"):
        backlog.restore(db, hypothesis_id=hypothesis.id, team=team, actor=users["viewer"])
    db.expire_all()
    assert db.get(Hypothesis, hypothesis.id).status == Status.REJECTED
    restored, _entered = backlog.restore(
        db, hypothesis_id=hypothesis.id, team=team, actor=users["lead"]
    )
    assert restored.status in (Status.BACKLOG, Status.IDEA)


def test_a_marketer_may_restore_an_archived_hypothesis(db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team)
    backlog.archive(db, hypothesis_id=hypothesis.id, team=team, actor=users["marketer"])
    restored, _entered = backlog.restore(
        db, hypothesis_id=hypothesis.id, team=team, actor=users["marketer"]
    )
    assert restored.status == Status.BACKLOG


def test_someone_outside_the_team_cannot_restore_a_rejected_hypothesis(db, team, users):
    hypothesis = rejected(db, team, users)
    stranger = factories.make_user(db, team=factories.make_team(db, "Elsewhere"), role="lead")
    with pytest.raises(Forbidden):
        backlog.restore(db, hypothesis_id=hypothesis.id, team=team, actor=stranger)


def test_an_author_cannot_approve_their_own_unless_the_team_allows(db, team, users):
    lead = users["lead"]
    own = factories.make_hypothesis(db, team=team, author=lead)
    with pytest.raises(Forbidden, match="another lead"):
        backlog.approve(db, hypothesis_id=own.id, team=team, actor=lead)
    assert "approve" not in backlog.actions_for(own, team=team, actor=lead, role=Role.LEAD)
    assert backlog.author_blocked(own, team=team, actor=lead)
    team.allow_self_approval = True
    db.add(team)
    db.commit()
    assert "approve" in backlog.actions_for(own, team=team, actor=lead, role=Role.LEAD)
    assert backlog.approve(db, hypothesis_id=own.id, team=team, actor=lead).status == "approved"


@pytest.mark.parametrize(
    ("action", "extra", "allowed"),
    [
        ("approve", {}, {"lead"}),
        ("reject", {"reason": "Not now"}, {"lead"}),
        ("archive", {}, {"lead", "marketer"}),
    ],
)
def test_backlog_status_changes_check_the_role_in_the_domain(
    db, team, users, action, extra, allowed
):
    """Called directly, approve, reject and archive refuse a role the table does not allow."""
    use_case = getattr(backlog, action)
    for role in ("viewer", "marketer", "lead"):
        hypothesis = factories.make_hypothesis(db, team=team, author=users["admin"])
        if role in allowed:
            changed = use_case(
                db, hypothesis_id=hypothesis.id, team=team, actor=users[role], **extra
            )
            assert changed.status != Status.BACKLOG
            continue
        with pytest.raises(Forbidden, match="role"):
            use_case(db, hypothesis_id=hypothesis.id, team=team, actor=users[role], **extra)
        db.expire_all()
        assert db.get(Hypothesis, hypothesis.id).status == Status.BACKLOG


def test_a_viewer_cannot_promote_an_idea(db, team, users):
    idea = factories.make_hypothesis(db, team=team, status="idea")
    with pytest.raises(Forbidden):
        backlog.promote(db, hypothesis_id=idea.id, team=team, actor=users["viewer"])
    promoted = backlog.promote(db, hypothesis_id=idea.id, team=team, actor=users["marketer"])
    assert promoted.status == Status.BACKLOG


def test_hypothesis_actions_follow_status_role_and_the_special_rules():
    def offered(status, role, **kw):
        return backlog_rules.permitted_actions(status, role, **kw)

    assert offered(Status.BACKLOG, Role.LEAD) == {"edit", "approve", "reject", "archive"}
    assert offered(Status.BACKLOG, Role.MARKETER) == {"edit", "archive"}
    assert offered(Status.BACKLOG, Role.VIEWER) == set()
    assert offered(Status.BACKLOG, Role.LEAD, author_blocked=True) == {"edit", "reject", "archive"}
    assert "restore" in offered(Status.REJECTED, Role.LEAD)
    assert "restore" not in offered(Status.REJECTED, Role.MARKETER)
    assert "restore" in offered(Status.ARCHIVED, Role.MARKETER)
    assert offered(Status.RUNNING, Role.ADMIN) == set()
    for status in Status:
        for role in Role:
            assert offered(status, role) <= backlog_rules.allowed_actions(status)


def test_experiment_actions_by_status_and_role(db, team):
    def actions(status, role=None, **kw):
        return experiment_actions(
            Experiment(team_id=team.id, hypothesis_id=1, status=status), role, **kw
        )

    assert actions(ExperimentStatus.DESIGN) == {"edit_design", "start"}
    assert actions(ExperimentStatus.DESIGN, Role.MARKETER) == {"edit_design"}
    assert actions(ExperimentStatus.RUNNING, Role.LEAD) == {
        "update_traffic",
        "enter_results",
        "stop",
    }
    # finishing is a lead's action (issue 13)
    assert "finish" in actions(ExperimentStatus.RUNNING, Role.LEAD, has_results=True)
    assert "finish" not in actions(ExperimentStatus.RUNNING, Role.MARKETER, has_results=True)
    assert actions(ExperimentStatus.FINISHED, Role.LEAD) == {"enter_results", "decide"}
    assert actions(ExperimentStatus.FINISHED, Role.MARKETER) == {"enter_results"}
    assert actions(ExperimentStatus.STOPPED, Role.LEAD) == {"decide"}
    assert actions(ExperimentStatus.DECIDED, Role.ADMIN) == {"correct"}  # a lead corrects it
    assert actions(ExperimentStatus.DECIDED, Role.MARKETER) == set()
    assert actions(ExperimentStatus.RUNNING, Role.VIEWER, has_results=True) == set()
    approved = Hypothesis(
        team_id=team.id,
        title="t",
        stage="lead",
        lever="traffic",
        subject="other",
        status=Status.APPROVED,
    )
    assert experiment_actions(None, Role.MARKETER, hypothesis=approved) == {"design"}
    assert experiment_actions(None, Role.VIEWER, hypothesis=approved) == set()
    approved.status = Status.BACKLOG
    assert experiment_actions(None, Role.LEAD, hypothesis=approved) == set()
    designed = Experiment(team_id=team.id, hypothesis_id=1, status=ExperimentStatus.DESIGN)
    assert "edit_design" not in experiment_actions(designed, hypothesis=approved)


def test_a_viewer_cannot_read_a_draft_review(db, team, users):
    def read(role, week="2026-W47"):
        return review_queries.readable_review(db, team=team, iso_week=week, role=role)

    review = reviews.open_review(
        db, team=team, actor=users["marketer"], iso_week="2026-W47", today=date(2026, 11, 18)
    )
    with pytest.raises(review_queries.NotPublished, match="not published yet") as hidden:
        read(Role.VIEWER)
    assert hidden.value.review.id == review.id and isinstance(hidden.value, NotFound)
    with pytest.raises(review_queries.NotPublished):
        read(None)  # no role in the team
    for role in (Role.MARKETER, Role.LEAD, Role.ADMIN):
        assert read(role).id == review.id
    with pytest.raises(NotFound):
        read(Role.LEAD, "2026-W40")
    lead = users["lead"]
    review_decisions.add_decision(
        db,
        team=team,
        actor=lead,
        review=review,
        text="Ship the short form",
        owner_id=lead.id,
        due=date(2026, 11, 25),
    )
    reviews.publish(
        db,
        team=team,
        actor=lead,
        review=review,
        reason="Short week: fewer decisions and KPI values.",
    )
    assert read(Role.VIEWER).id == review.id
    assert not review_queries.may_see_drafts(Role.VIEWER)
    assert review_queries.may_see_drafts(Role.MARKETER)


def test_only_a_lead_starts_stops_and_decides_a_test(db, team, users):
    lead = users["lead"]
    stranger = factories.make_user(db, team=factories.make_team(db, "Elsewhere"), role="lead")
    hypothesis = ef.designed(db, team=team, actor=users["marketer"])
    hid = hypothesis.id
    for actor in (users["marketer"], users["viewer"], stranger, None):
        with pytest.raises(Forbidden, match="role"):
            experiments.start(db, team=team, actor=actor, hypothesis_id=hid)
    assert get_experiment(db, team=team, hypothesis_id=hid).status == ExperimentStatus.DESIGN
    experiments.start(db, team=team, actor=lead, hypothesis_id=hid)
    for actor in (users["marketer"], users["viewer"], stranger, None):
        with pytest.raises(Forbidden, match="role"):
            experiment_end.stop(db, team=team, actor=actor, hypothesis_id=hid, reason="Broken")
    db.expire_all()
    assert get_experiment(db, team=team, hypothesis_id=hid).status == ExperimentStatus.RUNNING
    experiment_end.stop(db, team=team, actor=users["admin"], hypothesis_id=hid, reason="Broken")
    decision = {"decision": "kill", "outcome": "inconclusive", "learning": "Tracking first"}
    for actor in (users["marketer"], users["viewer"], stranger, None):
        with pytest.raises(Forbidden, match="role"):
            experiment_end.decide(db, team=team, actor=actor, hypothesis_id=hid, **decision)
    db.expire_all()
    assert get_experiment(db, team=team, hypothesis_id=hid).status == ExperimentStatus.STOPPED
    exp, _child = experiment_end.decide(db, team=team, actor=lead, hypothesis_id=hid, **decision)
    assert exp.status == ExperimentStatus.DECIDED and exp.decided_by_id == lead.id


def test_a_viewer_cannot_design_or_enter_results(db, team, users):
    viewer = users["viewer"]
    hypothesis = ef.approved(db, team=team)
    with pytest.raises(Forbidden, match="role"):
        experiments.save_design(
            db, team=team, actor=viewer, hypothesis_id=hypothesis.id, data=ef.design_data()
        )
    running = ef.running(db, team=team, lead=users["lead"])
    rows = ef.conversion_results()
    with pytest.raises(Forbidden, match="role"):
        experiment_results.record_results(
            db, team=team, actor=viewer, hypothesis_id=running.id, variants=rows, final=False
        )
    with pytest.raises(Forbidden, match="role"):
        experiment_results.finish(db, team=team, actor=viewer, hypothesis_id=running.id)
    with pytest.raises(Forbidden, match="role"):  # no actor holds no role
        experiment_results.finish(db, team=team, actor=None, hypothesis_id=running.id)
