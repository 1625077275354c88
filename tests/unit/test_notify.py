"""notify() and enqueue_email(): outbox rows in the caller's transaction, each person's choice,
the recipient's language, webhooks subscribed to the event."""

from __future__ import annotations

import factories
from helpers import count
from sqlmodel import select

from hypotheses.domain.notifications.events import notify
from hypotheses.domain.notifications.outbox import enqueue_email
from hypotheses.domain.notifications.preferences import set_choices
from hypotheses.domain.notifications.secretbox import seal
from hypotheses.models import DigestItem, OutboxMessage, TeamWebhook


def _notify(db, team, recipients, actor=None, event="hypothesis_approved", **context):
    return notify(
        db,
        event,
        team_id=team.id,
        recipients=recipients,
        context={"title": "Shorter form", "path": "/backlog/1", **context},
        actor_id=actor.id if actor else None,
    )


def test_notify_writes_in_the_callers_transaction(app, db, team, users):
    with app.app_context():
        _notify(db, team, [users["marketer"], users["viewer"].id], actor=users["lead"])
        db.rollback()
        assert count(db, OutboxMessage) == 0
        _notify(db, team, [users["marketer"], users["lead"]], actor=users["lead"])
        db.commit()
    rows = db.exec(select(OutboxMessage)).all()
    assert [(r.recipient, r.channel, r.status) for r in rows] == [
        (users["marketer"].email, "email", "pending")
    ]  # the actor is not told of their own act
    assert "Shorter form" in rows[0].subject and users["lead"].name in rows[0].body_text
    assert "http://127.0.0.1:5000/backlog/1" in rows[0].body_html


def test_choices_language_and_bypass(app, db, team, users):
    marketer, viewer = users["marketer"], users["viewer"]
    viewer.language = "ru"
    db.commit()
    with app.app_context():
        set_choices(db, user=marketer, choices={"hypothesis_approved": "digest"})
        _notify(db, team, [marketer, viewer])
        set_choices(db, user=marketer, choices={"hypothesis_approved": "never"})
        _notify(db, team, [marketer])
        enqueue_email(
            db, to="new@example.com", subject="Join", text="Hi", event="invitation", team_id=None
        )
        db.commit()
    emails = db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.recipient for m in emails] == [viewer.email, "new@example.com"]
    assert emails[0].subject == "Одобрено: Shorter form" and 'lang="ru"' in emails[0].body_html
    assert "одобряет вашу гипотезу «Shorter form»" in emails[0].body_text
    digest = db.exec(select(DigestItem)).all()
    assert [(d.user_id, d.event) for d in digest] == [(marketer.id, "hypothesis_approved")]


def test_webhooks_subscribed_to_the_event_get_one_post(app, db, team, users):
    with app.app_context():
        for kind, events in (("slack", ["test_started"]), ("json", ["hypothesis_approved"])):
            db.add(
                TeamWebhook(
                    team_id=team.id,
                    kind=kind,
                    name=kind,
                    target="",
                    secret_box=seal("s" * 20),
                    events=events,
                )
            )
        db.commit()
        _notify(db, team, [users["marketer"]], actor=users["lead"])
        db.commit()
    channels = sorted(m.channel for m in db.exec(select(OutboxMessage)).all())
    assert channels == ["email", "json"]
    other = factories.make_team(db, name="Other team")
    with app.app_context():
        _notify(db, other, [])
        db.commit()
    assert count(db, OutboxMessage) == 2
