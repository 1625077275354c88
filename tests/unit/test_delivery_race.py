"""Never lost, never doubled: 1,000 events, a flaky SMTP server, two workers racing."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from notification_sinks import SmtpProcess
from sqlmodel import func, select

from hypotheses.db import get_engine
from hypotheses.domain.notifications.delivery import deliver_due
from hypotheses.domain.notifications.events import notify
from hypotheses.models import OutboxMessage

EVENTS = 1000


@pytest.mark.slow
def test_thousand_events_two_workers_flaky_smtp(app, db, team, users, tmp_path):
    with SmtpProcess(tmp_path / "accepted.log", fail_rate=0.2, seed=15) as smtp:
        app.config.update(smtp.config(), NOTIFY_RETRY_BASE_SECONDS=0, NOTIFY_MAX_ATTEMPTS=100)
        with app.app_context():
            for n in range(EVENTS):
                notify(
                    db,
                    "hypothesis_approved",
                    team_id=team.id,
                    recipients=[users["marketer"]],
                    context={"title": f"H{n}"},
                )
            db.commit()
        errors: list[BaseException] = []

        def work(name: str) -> None:
            try:
                with app.app_context():
                    while deliver_due(get_engine(), worker=name, limit=25).claimed:
                        pass
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        workers = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        assert not errors
        with app.app_context():  # anything a retry left waiting for the last round
            while deliver_due(get_engine(), worker="last").claimed:
                pass
        accepted = Counter(smtp.message_ids())
    statuses = dict(
        db.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    )
    assert statuses == {"sent": EVENTS}
    assert len(accepted) == EVENTS and max(accepted.values()) == 1  # 0 lost, 0 doubled
    attempts = db.exec(select(func.sum(OutboxMessage.attempts))).one()
    assert attempts > EVENTS * 1.1  # the failures really happened and were retried
