"""Sign-in throttling: an exponential delay after five failures, per e-mail and per IP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hypotheses.domain.accounts import throttle
from hypotheses.models import LoginThrottle, utcnow


class Clock:
    """A settable utcnow for the throttle module."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(throttle, "utcnow", clock)
    return clock


def _delay(db, keys, max_delay=30):
    return throttle.login_delay(db, keys, free=5, window=900, max_delay=max_delay)


def test_delay_grows_exponentially_after_five_failures(db, clock):
    keys = ["email:a@example.com", "ip:1.2.3.4"]
    for _ in range(4):
        throttle.note_failure(db, keys, window=900)
    assert _delay(db, keys) == 0
    throttle.note_failure(db, keys, window=900)
    assert _delay(db, keys) == 1
    clock.advance(1.01)
    assert _delay(db, keys) == 0
    expected = [2, 4, 8, 16, 30, 30]
    for wait in expected:
        throttle.note_failure(db, keys, window=900)
        assert _delay(db, keys) == wait
        clock.advance(wait - 0.5)
        assert _delay(db, keys) == 1  # half a second left rounds up, never "0 seconds"
        clock.advance(0.6)
        assert _delay(db, keys) == 0


def test_one_key_is_enough_to_throttle(db, clock):
    for n in range(5):
        throttle.note_failure(db, [f"email:user{n}@example.com", "ip:9.9.9.9"], window=900)
    assert _delay(db, ["email:fresh@example.com", "ip:9.9.9.9"]) == 1
    assert _delay(db, ["email:fresh@example.com", "ip:8.8.8.8"]) == 0


def test_window_expiry_and_clearing(db, clock):
    keys = ["email:b@example.com"]
    for _ in range(7):
        throttle.note_failure(db, keys, window=900)
    assert _delay(db, keys) == 4
    clock.advance(901)
    assert _delay(db, keys) == 0
    throttle.note_failure(db, keys, window=900)
    assert db.get(LoginThrottle, "email:b@example.com").failures == 1  # a new window
    throttle.clear_failures(db, keys)
    db.commit()
    assert db.get(LoginThrottle, "email:b@example.com") is None


def test_parallel_attempts_are_counted_atomically(app):
    """30 simultaneous wrong guesses: exactly the free attempts get through to a check."""
    import threading

    from sqlmodel import Session

    from hypotheses.db import ENGINE_KEY

    engine = app.extensions[ENGINE_KEY]
    barrier = threading.Barrier(30)
    allowed: list[int] = []

    def guess() -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            wait = throttle.reserve_attempt(
                session,
                [("pair:target@example.com|10.0.0.1", 5), ("ip:10.0.0.1", 50)],
                window=900,
                max_delay=30,
            )
            if wait == 0:
                allowed.append(1)

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 5
    with Session(engine) as session:
        assert session.get(LoginThrottle, "pair:target@example.com|10.0.0.1").failures == 5


def test_success_releases_the_address_and_clears_the_pair(db):
    limits = [("pair:a@example.com|10.0.0.2", 5), ("ip:10.0.0.2", 50)]
    assert throttle.reserve_attempt(db, limits, window=900, max_delay=30) == 0
    assert throttle.reserve_attempt(db, limits, window=900, max_delay=30) == 0
    throttle.attempt_succeeded(db, clear=["pair:a@example.com|10.0.0.2"], release=["ip:10.0.0.2"])
    db.commit()
    assert db.get(LoginThrottle, "pair:a@example.com|10.0.0.2") is None
    assert db.get(LoginThrottle, "ip:10.0.0.2").failures == 1
