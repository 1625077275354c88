"""``flask --app hypotheses worker`` and ``deliver --once``: the outbox's delivery and schedule."""

from __future__ import annotations

import signal
import threading
import time
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from hypotheses.cli import environment_language
from hypotheses.db import get_engine
from hypotheses.domain.notifications.delivery import deliver_all
from hypotheses.domain.notifications.schedule import run_schedule


def _run_once(name: str) -> tuple[int, object]:
    made = run_schedule(get_engine(), datetime.now(UTC))
    return made, deliver_all(get_engine(), worker=name)


@click.command("deliver")
@click.option("--once", is_flag=True, help="Run the schedule and deliver what is due, then exit.")
@click.option("--name", default="cron", show_default=True, help="This worker's name in the outbox.")
@with_appcontext
@environment_language
def deliver_command(once: bool, name: str) -> None:
    """Deliver the notifications due now (for cron: every minute with --once)."""
    if not once:
        raise click.UsageError(_("Say --once (for cron), or run the worker command instead."))
    made, report = _run_once(name)
    click.echo(
        _(
            "Reminders made: %(made)d; sent: %(sent)d, to retry: %(retrying)d, failed: %(failed)d.",
            made=made,
            sent=report.sent,
            retrying=report.retrying,
            failed=report.failed,
        )
    )


@click.command("worker")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
@click.option("--name", default=None, help="This worker's name in the outbox (default: pid).")
@with_appcontext
@environment_language
def worker_command(interval: float, name: str | None) -> None:
    """Deliver notifications and run the schedule until stopped (Ctrl-C or SIGTERM)."""
    import os

    name = name or f"worker-{os.getpid()}"
    stop = threading.Event()

    def halt(_signum, _frame) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, halt)
    signal.signal(signal.SIGINT, halt)
    click.echo(_("Worker %(name)s delivering notifications; Ctrl-C stops it.", name=name))
    last_schedule = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() - last_schedule >= 60:
                run_schedule(get_engine(), datetime.now(UTC))
                last_schedule = time.monotonic()
            report = deliver_all(get_engine(), worker=name)
            if report.claimed:
                current_app.logger.info(
                    "outbox: %s sent, %s to retry, %s failed",
                    report.sent,
                    report.retrying,
                    report.failed,
                )
        except Exception:  # the database was away: log, wait, go on
            current_app.logger.exception("notification worker round failed")
        stop.wait(interval)
    click.echo(_("Worker stopped."))


COMMANDS = (deliver_command, worker_command)
