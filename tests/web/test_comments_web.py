"""Comments (issue 15 item 4): each role posts or is refused, the 15-minute edit window, delete
rights, the viewers' team setting, audit entries, mentions notifying only the mentioned member,
and safe Markdown, on the hypothesis, test and review pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import factories
import pytest
from account_helpers import all_rows, now_row
from helpers import text
from sqlmodel import select

from hypotheses.models import AuditEntry, Comment, OutboxMessage, Review


def _post(client, kind, target_id, body):
    return client.post(f"/comments/{kind}/{target_id}", data={"body": body})


def _comments(db):
    return all_rows(db, select(Comment).order_by(Comment.id))


def _audit(db, action):
    return all_rows(db, select(AuditEntry).where(AuditEntry.action == action))


def _outbox(db):
    return all_rows(db, select(OutboxMessage).order_by(OutboxMessage.id))


@pytest.fixture
def hyp(db, team, users):
    return factories.make_hypothesis(db, team=team, author=users["marketer"])


@pytest.mark.parametrize("role", ["marketer", "lead", "admin"])
def test_members_comment_and_it_shows_on_the_page(client, auth, db, hyp, role):
    auth.login(role)
    response = _post(client, "hypothesis", hyp.id, "Looks **promising**")
    assert response.status_code == 302
    (comment,) = _comments(db)
    assert response.headers["Location"].endswith(f"/backlog/{hyp.id}#comment-{comment.id}")
    page = text(client.get(f"/backlog/{hyp.id}"))
    assert f'id="comment-{comment.id}"' in page
    assert "Looks <strong>promising</strong>" in page
    (entry,) = _audit(db, "comment.create")
    assert entry.entity == "comment" and entry.entity_id == comment.id
    assert entry.changes == {"body": [None, "Looks **promising**"]}
    assert entry.note == f"hypothesis:{hyp.id}"


def test_viewer_comments_only_when_the_team_allows(client, auth, db, team, hyp, users):
    auth.login("viewer")
    page = text(client.get(f"/backlog/{hyp.id}"))
    assert 'id="comments-closed"' in page and 'id="comment-body"' not in page
    assert _post(client, "hypothesis", hyp.id, "I see").status_code == 403
    assert _comments(db) == []
    # a viewer cannot switch it on
    assert client.post("/comments/setting", data={"viewers_may_comment": "y"}).status_code == 403
    auth.login("lead")
    response = client.post("/comments/setting", data={"viewers_may_comment": "y"})
    assert response.status_code == 302
    assert now_row(db, team).viewers_may_comment is True
    (entry,) = _audit(db, "team.settings")
    assert entry.changes == {"viewers_may_comment": [False, True]}
    auth.login("viewer")
    assert 'id="comment-body"' in text(client.get(f"/backlog/{hyp.id}"))
    assert _post(client, "hypothesis", hyp.id, "I see").status_code == 302
    assert [c.body for c in _comments(db)] == ["I see"]


def test_the_setting_shows_on_the_team_settings_page(client, auth):
    auth.login("lead")
    page = text(client.get("/admin/settings"))
    assert 'id="comment-setting"' in page and "Viewers may comment" in page


def test_empty_or_too_long_comment_is_refused_next_to_the_field(client, auth, db, hyp):
    auth.login("marketer")
    response = _post(client, "hypothesis", hyp.id, "   ")
    assert response.status_code == 422
    assert "Write something first." in text(response)
    response = _post(client, "hypothesis", hyp.id, "x" * 5001)
    assert response.status_code == 422
    assert "invalid-feedback" in text(response)
    assert _comments(db) == []


def test_unknown_or_other_teams_target_is_404(client, auth, db, users):
    other = factories.make_team(db, "Other team")
    foreign = factories.make_hypothesis(db, team=other)
    auth.login("lead")
    assert _post(client, "hypothesis", foreign.id, "hi").status_code == 404
    assert _post(client, "hypothesis", 999999, "hi").status_code == 404
    assert _post(client, "nothing", 1, "hi").status_code == 404


def test_author_edits_within_15_minutes_only(client, auth, db, hyp, users):
    auth.login("marketer")
    _post(client, "hypothesis", hyp.id, "first")
    (comment,) = _comments(db)
    assert client.get(f"/comments/{comment.id}/edit").status_code == 200
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "second"})
    assert response.status_code == 302
    row = now_row(db, comment)
    assert row.body == "second" and row.edited_at is not None
    (entry,) = _audit(db, "comment.edit")
    assert entry.changes == {"body": ["first", "second"]}
    # another member (even a lead) cannot edit it
    auth.login("lead")
    client.post(f"/comments/{comment.id}/edit", data={"body": "lead's"})
    assert now_row(db, comment).body == "second"
    # past the window the author cannot either
    comment = db.get(Comment, comment.id)
    comment.created_at = datetime.now(UTC) - timedelta(minutes=16)
    db.add(comment)
    db.commit()
    auth.login("marketer")
    response = client.get(f"/comments/{comment.id}/edit", follow_redirects=True)
    assert "for 15 minutes after posting" in text(response)
    assert f"/comments/{comment.id}/edit" not in text(response)  # no edit link any more
    client.post(f"/comments/{comment.id}/edit", data={"body": "third"})
    assert now_row(db, comment).body == "second"
    assert len(_audit(db, "comment.edit")) == 1


@pytest.mark.parametrize(
    ("deleter", "allowed"),
    [("marketer", True), ("lead", True), ("admin", True), ("other_marketer", False)],
)
def test_delete_by_author_or_lead(client, auth, db, team, hyp, users, deleter, allowed):
    auth.login("marketer")
    _post(client, "hypothesis", hyp.id, "to be deleted")
    (comment,) = _comments(db)
    who = factories.make_user(db, team=team) if deleter == "other_marketer" else users[deleter]
    auth.login(who)
    response = client.post(f"/comments/{comment.id}/delete")
    assert response.status_code == (302 if allowed else 403)
    assert (_comments(db) == []) is allowed
    entries = _audit(db, "comment.delete")
    if allowed:
        assert entries[0].changes == {"body": ["to be deleted", None]}
        assert entries[0].actor_id == who.id
    else:
        assert entries == []


def test_mention_notifies_the_mentioned_member_only(client, auth, db, team, hyp, users):
    anna = factories.make_user(db, team=team, name="Anna Petrova", email="anna@example.com")
    outsider = factories.make_user(db, name="Anna Outsider", email="out@example.com")
    auth.login("marketer")
    _post(client, "hypothesis", hyp.id, "@Anna Petrova please check; @Anna Outsider too")
    messages = _outbox(db)
    assert [m.recipient for m in messages] == ["anna@example.com"]
    assert messages[0].event == "mentioned" and messages[0].user_id == anna.id
    assert f"/backlog/{hyp.id}#comment-" in messages[0].body_text
    assert outsider.id not in {m.user_id for m in messages}
    page = text(client.get(f"/backlog/{hyp.id}"))
    assert '<span class="mention">@Anna Petrova</span>' in page
    # editing keeps old mentions quiet and tells the newly mentioned
    (comment,) = _comments(db)
    lead = users["lead"]
    client.post(
        f"/comments/{comment.id}/edit",
        data={"body": f"@Anna Petrova please check; @{lead.name} too"},
    )
    assert sorted(m.recipient for m in _outbox(db)) == sorted(["anna@example.com", lead.email])


def test_self_mention_does_not_notify(client, auth, db, hyp, users):
    me = auth.login("marketer")
    _post(client, "hypothesis", hyp.id, f"note to self @{me.name}")
    assert _outbox(db) == []


def test_members_json_lists_the_team(client, auth, db, team, users):
    factories.make_user(db, name="Not in team")
    auth.login("viewer")
    data = client.get("/comments/members").get_json()
    names = [m["name"] for m in data["members"]]
    assert sorted(names) == sorted(u.name for u in users.values())
    assert set(data["members"][0]) == {"id", "name"}  # no e-mail addresses


def test_unsafe_markdown_renders_inert(client, auth, db, hyp):
    auth.login("marketer")
    body = (
        "<script>alert(1)</script> <img src=x onerror=alert(2)> "
        '[click](javascript:alert(3)) <a href="javascript:alert(4)">x</a>'
    )
    _post(client, "hypothesis", hyp.id, body)
    page = text(client.get(f"/backlog/{hyp.id}"))
    start = page.index('<div class="comment-body">')
    shown = page[start : page.index("</div>", start)]
    assert not re.search(r"<(script|img|iframe)\b", shown, re.I)
    assert not re.search(r"<a\s[^>]*href=.javascript", shown, re.I)
    assert " onerror=" not in shown.replace("&lt;img src=x onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown


def test_comments_on_a_test_and_a_review(client, auth, db, team, users):
    experiment = factories.make_experiment_record(db, team=team, status="running")
    review = Review(team_id=team.id, iso_week="2026-W48", status="draft")
    db.add(review)
    db.commit()
    auth.login("marketer")
    assert _post(client, "experiment", experiment.id, "test note").status_code == 302
    assert "test note" in text(client.get(f"/experiments/{experiment.id}"))
    response = _post(client, "review", review.id, "review note")
    assert response.headers["Location"].endswith("/reviews/2026-W48#comment-2")
    assert "review note" in text(client.get("/reviews/2026-W48"))
    # a viewer cannot see (nor comment on) a draft review, even when viewers may comment
    team = db.get(type(team), team.id)
    team.viewers_may_comment = True
    db.add(team)
    db.commit()
    auth.login("viewer")
    assert _post(client, "review", review.id, "peek").status_code == 404
