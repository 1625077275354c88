"""Notification screens and flows: one's choices, the team's webhooks and days, the admins'
outbox; a lead's approval reaches the author by e-mail through a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factories
from conftest import fresh
from helpers import text
from notification_sinks import SmtpSink
from sqlmodel import select

from hypotheses.db import get_engine
from hypotheses.domain.notifications.delivery import deliver_all
from hypotheses.models import AuditEntry, NotificationPreference, OutboxMessage, TeamWebhook


def test_preferences_are_each_persons_own(client, auth, db, users):
    auth.login("viewer")
    page = client.get("/notifications/preferences")
    assert page.status_code == 200 and "Your hypothesis was approved" in text(page)
    response = client.post(
        "/notifications/preferences",
        data={"hypothesis_approved": "digest", "mentioned": "never"},
        follow_redirects=True,
    )
    assert "Your notification choices are saved." in text(response)
    rows = db.exec(select(NotificationPreference.event, NotificationPreference.choice)).all()
    assert ("hypothesis_approved", "digest") in rows and ("mentioned", "never") in rows
    db.rollback()
    refused = client.post("/notifications/preferences", data={"mentioned": "sometimes"})
    assert refused.status_code == 422 and "Not a valid choice" in text(refused)
    db.expire_all()
    rows = db.exec(select(NotificationPreference.event, NotificationPreference.choice)).all()
    assert dict(rows)["mentioned"] == "never"


def test_leads_manage_webhooks_secrets_never_shown_again(client, auth, db, team, users):
    auth.login("marketer")
    assert client.get("/notifications/team").status_code == 403
    auth.login("lead")
    bad = client.post(
        "/notifications/team/webhooks",
        data={
            "kind": "telegram",
            "name": "Chat",
            "target": "x",
            "secret": "nope",
            "events": ["test_started"],
        },
    )
    assert bad.status_code == 422
    assert "Enter the chat id" in text(bad) and "Enter the bot token" in text(bad)
    added = client.post(
        "/notifications/team/webhooks",
        data={
            "kind": "json",
            "name": "CRM",
            "target": "https://crm.example.com/hook",
            "secret": "",
            "events": ["test_started", "review_published"],
        },
    )
    assert added.status_code == 200
    hook_id, box, hint = db.exec(
        select(TeamWebhook.id, TeamWebhook.secret_box, TeamWebhook.hint)
    ).one()
    db.rollback()  # the test's reads hold SQLite's write lock until they end
    secret = text(added).split('<code class="user-select-all" translate="no">')[1].split("<")[0]
    assert len(secret) >= 32 and secret not in box
    page = text(client.get("/notifications/team"))
    assert "CRM" in page and secret not in page and hint in page
    days = client.post("/notifications/team/days", data={"digest_day": "2", "review_day": ""})
    assert days.status_code == 302
    assert (fresh(db, team).digest_day, fresh(db, team).review_day) == (2, None)
    db.rollback()
    assert client.post("/notifications/team/days", data={"digest_day": "9"}).status_code == 422
    assert client.post(f"/notifications/team/webhooks/{hook_id}/remove").status_code == 302
    assert db.exec(select(TeamWebhook)).all() == []
    actions = set(db.exec(select(AuditEntry.action)).all())
    assert {"webhook.add", "webhook.remove", "team.notifications"} <= actions


def test_approval_reaches_the_author_and_failures_show_to_admins(
    app, client, auth, db, team, users
):
    author = users["marketer"]
    hypothesis = factories.make_hypothesis(db, team=team, author=author)
    smtp = SmtpSink()
    app.config.update(smtp.config())
    auth.login("lead")
    assert (
        client.post(f"/backlog/{hypothesis.id}/approve", data={"version": "1"}).status_code == 302
    )
    with app.app_context():
        assert deliver_all(get_engine(), worker="t").retrying == 1  # the server is down
    auth.login("lead")
    assert client.get("/notifications/outbox").status_code == 403
    auth.login("admin")
    page = text(client.get("/notifications/outbox"))
    assert "Approved: " in page and "SMTP 127.0.0.1" in page and author.email in page
    message_id = db.exec(select(OutboxMessage.id)).one()
    db.rollback()
    assert client.post(f"/notifications/outbox/{message_id}/retry").status_code == 302
    with smtp, app.app_context():
        assert deliver_all(get_engine(), worker="t").sent == 1
        later = datetime.now(UTC) + timedelta(hours=2)
        assert deliver_all(get_engine(), worker="t", now=later).claimed == 0
    assert [m["To"] for m in smtp.messages] == [author.email]
    assert "Nothing here" in text(client.get("/notifications/outbox"))
