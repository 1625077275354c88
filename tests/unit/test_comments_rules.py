"""Comment rules (issue 15 item 4) without the web: safe Markdown, mentions, the edit window,
delete rights, the viewers' setting, audit entries and the mention notification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factories
import pytest
from account_helpers import all_rows
from sqlmodel import select

from hypotheses.domain.comments import lifecycle, rules
from hypotheses.domain.comments.markdown import Member, render
from hypotheses.domain.core.errors import DomainError, Forbidden
from hypotheses.models import AuditEntry, Comment, OutboxMessage

PEOPLE = [
    Member(1, "Anna Petrova", "anna@example.com"),
    Member(2, "Anna", "a.k@example.com"),
    Member(3, "Борис Иванов", "boris@example.com"),
    Member(4, "Dup One", "same@one.example"),
    Member(5, "Dup Two", "same@two.example"),
]


@pytest.mark.parametrize(
    ("body", "ids", "shown"),
    [
        ("@Anna Petrova, look", [1], '<span class="mention">@Anna Petrova</span>,'),
        ("@anna petrova and @Anna", [1, 2], '<span class="mention">@Anna</span>'),
        ("@Борис Иванов привет", [3], '<span class="mention">@Борис Иванов</span>'),
        ("ping @boris", [3], '<span class="mention">@Борис Иванов</span>'),  # e-mail handle
        ("ping @same", [], "ping @same"),  # a handle two members share mentions nobody
        ("mail me at x@Anna.org", [], "x@Anna.org"),  # inside a word: not a mention
        ("@Annabel", [], "@Annabel"),  # a longer word is someone else
        ("`@Anna`", [], "<code>@Anna</code>"),  # code is literal
        ("@Anna @Anna", [2], "@Anna"),  # once per person
    ],
)
def test_mentions(body, ids, shown):
    html, mentioned = render(body, PEOPLE)
    assert mentioned == ids
    assert shown in html


@pytest.mark.parametrize(
    ("body", "absent", "present"),
    [
        ("<script>alert(1)</script>", "<script", "&lt;script&gt;"),
        ("<img src=x onerror=alert(1)>", "<img", "&lt;img"),
        ("[a](javascript:alert(1))", "href", "[a](javascript:alert(1))"),
        ("[a](JaVaScRiPt:alert(1))", "href", "[a]"),
        ("[a](vbscript:x) [b](data:text/html,x)", "href", "[b]"),
        ("<a href='javascript:alert(1)'>x</a>", "<a ", "&lt;a"),
        ("![i](https://tracker.example/p.png)", "<img", ""),
        ('<div style="position:fixed">x</div>', "<div", "&lt;div"),
    ],
)
def test_markdown_output_is_inert(body, absent, present):
    html, _ = render(body, PEOPLE)
    assert absent not in html
    assert present in html


def test_markdown_keeps_the_useful_parts():
    html, _ = render("**b** *i* ~~s~~ `c`\n\n- one\n- two\n\n[site](https://example.com)")
    for piece in ("<strong>b</strong>", "<em>i</em>", "<s>s</s>", "<code>c</code>", "<li>one</li>"):
        assert piece in html
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">site</a>' in html


def test_body_rules():
    assert rules.clean_body("  hi \r\n there ") == "hi \n there"
    for bad in ("", "   ", None, "x" * (rules.MAX_BODY + 1)):
        with pytest.raises(DomainError) as refused:
            rules.clean_body(bad)
        assert refused.value.field == "body"


def test_who_may_comment(db, team):
    assert [rules.may_comment(team, r) for r in ("viewer", "marketer", "lead", "admin")] == [
        False, True, True, True,
    ]  # fmt: skip
    team.viewers_may_comment = True
    assert rules.may_comment(team, "viewer") and not rules.may_comment(team, None)


def test_edit_window_and_delete_rights(db, team, users):
    author, other = users["marketer"], users["viewer"]
    now = datetime.now(UTC)
    comment = Comment(team_id=team.id, target_kind="hypothesis", target_id=1,
                      author_id=author.id, body="x", created_at=now)  # fmt: skip
    assert rules.may_edit(comment, author, now=now + timedelta(minutes=15))
    assert not rules.may_edit(comment, author, now=now + timedelta(minutes=15, seconds=1))
    assert not rules.may_edit(comment, other, now=now)
    assert rules.may_delete(comment, author, "marketer")
    assert rules.may_delete(comment, other, "lead") and rules.may_delete(comment, other, "admin")
    assert not rules.may_delete(comment, other, "viewer")
    assert not rules.may_delete(comment, other, "marketer")


def _target(db, team, users):
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"])
    return lifecycle.get_target(
        db, team=team, kind="hypothesis", target_id=hypothesis.id, role="lead"
    )


def test_use_cases_audit_and_notify(app, db, team, users):
    with app.test_request_context():
        target = _target(db, team, users)
        lead, marketer = users["lead"], users["marketer"]
        comment = lifecycle.add_comment(
            db, team=team, target=target, author=marketer, role="marketer",
            body=f"@{lead.name} have a look", link="/backlog/1",
        )  # fmt: skip
        outbox = all_rows(db, select(OutboxMessage))
        assert [(m.event, m.user_id) for m in outbox] == [("mentioned", lead.id)]
        assert lifecycle.edit_comment(
            db, team=team, target=target, comment=comment, user=marketer,
            body=f"@{lead.name} have a look now", link="/backlog/1",
        )  # fmt: skip
        assert len(all_rows(db, select(OutboxMessage))) == 1  # already mentioned: told once
        with pytest.raises(Forbidden):
            lifecycle.delete_comment(db, team=team, target=target, comment=comment,
                                     user=users["viewer"], role="viewer")  # fmt: skip
        lifecycle.delete_comment(db, team=team, target=target, comment=comment, user=lead,
                                 role="lead")  # fmt: skip
    actions = [
        e.action
        for e in all_rows(
            db, select(AuditEntry).where(AuditEntry.entity == "comment").order_by(AuditEntry.id)
        )
    ]
    assert actions == ["comment.create", "comment.edit", "comment.delete"]
    assert all_rows(db, select(Comment)) == []


def test_viewer_refused_unless_allowed(app, db, team, users):
    with app.test_request_context():
        target = _target(db, team, users)
        with pytest.raises(Forbidden):
            lifecycle.add_comment(db, team=team, target=target, author=users["viewer"],
                                  role="viewer", body="hi", link="/")  # fmt: skip
        assert lifecycle.set_viewers_may_comment(db, team=team, allowed=True, actor=users["lead"])
        assert not lifecycle.set_viewers_may_comment(
            db, team=team, allowed=True, actor=users["lead"]
        )
        lifecycle.add_comment(db, team=team, target=target, author=users["viewer"],
                              role="viewer", body="hi", link="/")  # fmt: skip
    assert len(all_rows(db, select(Comment))) == 1
