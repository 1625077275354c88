"""Delivery through real receivers on the loopback: SMTP (aiosmtpd) and webhooks over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notification_sinks import HttpSink, SmtpSink
from sqlmodel import select

from hypotheses.db import get_engine
from hypotheses.domain.notifications import signing
from hypotheses.domain.notifications.delivery import deliver_all, retry
from hypotheses.domain.notifications.events import notify
from hypotheses.domain.notifications.secretbox import seal
from hypotheses.models import OutboxMessage, TeamWebhook


def _hooks(db, team, url):
    hooks = [
        TeamWebhook(
            team_id=team.id,
            kind="telegram",
            name="tg",
            target="-100500",
            secret_box=seal("123:telegram-token"),
            events=["test_started"],
        ),
        TeamWebhook(
            team_id=team.id,
            kind="slack",
            name="slack",
            target="",
            secret_box=seal(url + "/slack/T000/B000/XXX"),
            events=["test_started"],
        ),
        TeamWebhook(
            team_id=team.id,
            kind="json",
            name="json",
            target=url + "/json",
            secret_box=seal("json-signing-secret"),
            events=["test_started"],
        ),
    ]
    db.add_all(hooks)
    db.commit()


def test_every_channel_gets_the_event_once(app, db, team, users):
    with SmtpSink() as smtp, HttpSink() as http:
        app.config.update(smtp.config(), TELEGRAM_API_URL=http.url + "/tg")
        with app.app_context():
            _hooks(db, team, http.url)
            notify(
                db,
                "test_started",
                team_id=team.id,
                actor_id=users["lead"].id,
                recipients=[users["marketer"], users["viewer"]],
                context={"title": "Short form", "path": "/experiments/1"},
            )
            db.commit()
            report = deliver_all(get_engine(), worker="t")
            again = deliver_all(get_engine(), worker="t")
        assert (report.sent, report.failed, again.claimed) == (5, 0, 0)
        assert sorted(m["To"] for m in smtp.messages) == sorted(
            [users["marketer"].email, users["viewer"].email]
        )
        mail = smtp.messages[0]
        assert mail.get_body(("plain",)).get_content().startswith("Test started: Short form")
        assert (
            '<a href="http://127.0.0.1:5000/experiments/1"'
            in mail.get_body(("html",)).get_content()
        )
        paths = sorted(r["path"] for r in http.requests)
        assert paths == ["/json", "/slack/T000/B000/XXX", "/tg/bot123:telegram-token/sendMessage"]
        by_path = {r["path"]: r for r in http.requests}
        tg = by_path["/tg/bot123:telegram-token/sendMessage"]
        import json

        assert json.loads(tg["body"])["chat_id"] == "-100500"
        signed = by_path["/json"]
        header = signed["headers"][signing.HEADER]
        assert signing.verify("json-signing-secret", signed["body"], header)
        assert json.loads(signed["body"])["event"] == "test_started"
        assert not signing.verify("other-secret", signed["body"], header)
        assert not signing.verify("json-signing-secret", signed["body"] + b" ", header)
    rows = db.exec(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {"sent"} and all(r.attempts == 1 for r in rows)


def test_signature_replay_window():
    body = b'{"event": "test_started"}'
    now = 1_800_000_000
    header = signing.sign("s3cret", body, timestamp=now)
    assert signing.verify("s3cret", body, header, now=now + 299)
    assert not signing.verify("s3cret", body, header, now=now + 301)  # replayed later
    assert not signing.verify("s3cret", body, header, now=now - 301)
    assert not signing.verify("s3cret", body, "t=abc,v1=00", now=now)
    assert not signing.verify("s3cret", body, None, now=now)


def test_smtp_down_then_back(app, db, team, users):
    smtp = SmtpSink()
    app.config.update(smtp.config(), NOTIFY_RETRY_BASE_SECONDS=60)
    with app.app_context():
        notify(
            db,
            "hypothesis_approved",
            team_id=team.id,
            recipients=[users["marketer"]],
            context={"title": "T"},
        )
        db.commit()
        report = deliver_all(get_engine(), worker="t")
        assert (report.claimed, report.retrying) == (1, 1)
        message = db.exec(select(OutboxMessage)).one()
        assert message.status == "pending" and "127.0.0.1" in message.last_error
        db.rollback()  # end the test session's transaction: it holds SQLite's write lock
        with smtp:
            assert deliver_all(get_engine(), worker="t").claimed == 0  # waits for its backoff
            later = datetime.now(UTC) + timedelta(minutes=5)
            assert deliver_all(get_engine(), worker="t", now=later).sent == 1
        db.refresh(message)
        assert (message.status, message.attempts, len(smtp.messages)) == ("sent", 2, 1)


def test_a_repeated_send_carries_the_same_message_id(app, db, team, users):
    smtp = SmtpSink()
    app.config.update(smtp.config())
    with app.app_context():
        for person in ("marketer", "viewer"):
            notify(
                db,
                "hypothesis_approved",
                team_id=team.id,
                recipients=[users[person]],
                context={"title": "T"},
            )
        db.commit()
        with smtp:
            assert deliver_all(get_engine(), worker="t").sent == 2
            # The worker stopped after the server accepted one and before marking it sent.
            first = db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).first()
            first.status, first.sent_at = "pending", None
            db.commit()
            assert deliver_all(get_engine(), worker="t").sent == 1
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == 3 and ids.count(ids[0]) == 2 and len(set(ids)) == 2
    assert all(i.startswith("<") and i.endswith(">") and "@" in i for i in ids)
    assert f".outbox{first.id}@" in ids[0]


def test_failed_after_max_attempts_then_retried(app, db, team, users):
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=1, NOTIFY_MAX_ATTEMPTS=2, NOTIFY_RETRY_BASE_SECONDS=0
    )
    with app.app_context():
        notify(
            db,
            "hypothesis_approved",
            team_id=team.id,
            recipients=[users["marketer"]],
            context={"title": "T"},
        )
        db.commit()
        report = deliver_all(get_engine(), worker="t")
        assert (report.retrying, report.failed) == (1, 1)
        message = db.exec(select(OutboxMessage)).one()
        assert message.status == "failed"
        assert retry(db, message_id=message.id)
        db.refresh(message)
        assert (message.status, message.attempts) == ("pending", 0)


def test_each_event_reaches_each_chosen_channel_once(app, db, team, users):
    from hypotheses.domain.notifications.events import CHOOSABLE, WEBHOOK_EVENTS
    from hypotheses.domain.notifications.outbox import enqueue_email

    with SmtpSink() as smtp, HttpSink() as http:
        app.config.update(smtp.config())
        with app.app_context():
            db.add(
                TeamWebhook(
                    team_id=team.id,
                    kind="json",
                    name="all",
                    target=http.url + "/all",
                    secret_box=seal("s" * 20),
                    events=[e.value for e in WEBHOOK_EVENTS],
                )
            )
            db.commit()
            for event in CHOOSABLE:
                notify(
                    db,
                    event,
                    team_id=team.id,
                    recipients=[users["viewer"]],
                    context={"title": event.value, "path": "/"},
                )
            for event in ("invitation", "password_reset"):
                enqueue_email(db, to="new@example.com", subject=event, text=event, event=event)
            db.commit()
            assert deliver_all(get_engine(), worker="t").failed == 0
    import json

    mailed = sorted(m["Message-ID"].split("@")[0].split(".")[-1] for m in smtp.messages)
    assert len(mailed) == len(set(mailed)) == len(CHOOSABLE) + 2
    posted = [json.loads(r["body"])["event"] for r in http.requests]
    assert sorted(posted) == sorted(e.value for e in WEBHOOK_EVENTS)


def test_a_refused_webhook_post_waits_for_a_retry(app, db, team, users):
    with HttpSink(fail_rate=1.0) as http:
        with app.app_context():
            db.add(
                TeamWebhook(
                    team_id=team.id,
                    kind="slack",
                    name="chat",
                    target="",
                    secret_box=seal(http.url + "/services/T/B/secret-part"),
                    events=["test_started"],
                )
            )
            db.commit()
            notify(db, "test_started", team_id=team.id, recipients=[], context={"title": "T"})
            db.commit()
            assert deliver_all(get_engine(), worker="t").retrying == 1
    error = db.exec(select(OutboxMessage.last_error)).one()
    assert error.startswith("HTTP 503 from http://127.0.0.1:") and "secret-part" not in error
