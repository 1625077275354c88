"""``flask --app hypotheses sources ...``: key rotation and the daily refresh for cron."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _
from sqlmodel import Session

from hypotheses.db import get_engine

sources_cli = AppGroup("sources", help="SQL data sources: key rotation and scheduled refreshes.")


@sources_cli.command("new-key")
def new_key_command() -> None:
    """Print a fresh key for SOURCES_ENCRYPTION_KEYS."""
    from hypotheses.domain.sources.keys import new_key

    click.echo(new_key())


@sources_cli.command("ensure-key")
@with_appcontext
def ensure_key_command() -> None:
    """Create instance/sources_key when SOURCES_ENCRYPTION_KEYS is not set (make run does)."""
    import os

    from flask import current_app

    from hypotheses.domain.sources.keys import KEY_ENV, KEY_FILE, configured_keys

    configured_keys()  # creates the instance key on first use when no key is configured
    if not (current_app.config.get("SOURCES_ENCRYPTION_KEYS") or os.environ.get(KEY_ENV)):
        click.echo(f"{current_app.instance_path}/{KEY_FILE}")


@sources_cli.command("rotate-key")
@with_appcontext
def rotate_key_command() -> None:
    """Re-encrypt every stored connection under the first key of SOURCES_ENCRYPTION_KEYS."""
    from hypotheses.cli import environment_language
    from hypotheses.domain.sources.catalog import rotate_keys
    from hypotheses.domain.sources.keys import KeyUnusable

    @environment_language
    def run() -> None:
        with Session(get_engine(), expire_on_commit=False) as session:
            try:
                count = rotate_keys(session)
            except KeyUnusable as error:
                raise click.ClickException(str(error)) from None
        click.echo(_("Re-encrypted %(n)d connection(s) under the first key.", n=count))

    run()


@sources_cli.command("refresh")
@click.option("--due", is_flag=True, help="Refresh running tests not refreshed yet today (UTC).")
@with_appcontext
def refresh_command(due: bool) -> None:
    """Refresh running tests from their sources (for cron: once a day with --due)."""
    from hypotheses.cli import environment_language
    from hypotheses.domain.sources.refresh import refresh_due

    @environment_language
    def run() -> None:
        if not due:
            raise click.UsageError(_("Say --due: refresh the running tests that are due."))
        with Session(get_engine(), expire_on_commit=False) as session:
            done = refresh_due(session)
        failed = 0
        for experiment_id, outcome in done:
            failed += outcome != "ok"
            click.echo(f"test {experiment_id}: {outcome}")
        click.echo(_("%(n)d test(s) refreshed, %(f)d failed.", n=len(done) - failed, f=failed))
        if failed:
            raise SystemExit(1)

    run()
