"""Data commands: create-token, backup, export, import, analyze (registered by cli.register_cli)."""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from hypotheses.db import get_engine
from hypotheses.domain.accounts import tokens
from hypotheses.domain.accounts.users import normalise_email
from hypotheses.domain.backlog import csv_import as csv_io
from hypotheses.domain.core import csvfiles as csv_read
from hypotheses.domain.core.errors import DomainError, ValidationFailed
from hypotheses.domain.overview import csv_export
from hypotheses.models import Team, User


def _session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


def _team(session: Session, name: str) -> Team:
    team = session.exec(select(Team).where(Team.name == name.strip())).first()
    if team is None:
        raise click.ClickException(f"There is no team called {name!r}.")
    return team


def _user(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        raise click.ClickException(f"There is no user with the e-mail {email!r}.")
    return user


def _fail(error: DomainError) -> click.ClickException:
    lines = [error.message]
    for name, messages in error.fields.items():
        lines.extend(f"  {name}: {message}" for message in messages)
    return click.ClickException("\n".join(lines))


# ---------------------------------------------------------------- create-token


@click.command("create-token")
@click.option("--email", required=True, help="The user the token acts for.")
@click.option(
    "--team",
    "team_name",
    required=True,
    help="The team it acts in (the user's role there applies).",
)
@click.option("--name", default="", help="A label to recognise the token later.")
@with_appcontext
def create_token_command(email: str, team_name: str, name: str) -> None:
    """Create an API token; it is printed once, as the last line of the output."""
    with _session() as session:
        user, team = _user(session, email), _team(session, team_name)
        try:
            token, raw = tokens.create_token(session, user=user, team=team, name=name)
        except DomainError as error:
            raise _fail(error) from error
        click.echo(
            f"Token {token.name!r} ({token.prefix}…) acts for {user.email} in team {team.name!r}."
        )
        click.echo("It is shown only now; store it safely. Revoke it on the profile page.")
        click.echo(raw)


# ---------------------------------------------------------------- backup


def sqlite_backup(source: str, target: Path) -> str:
    """Copy the live SQLite database *source* to *target* with the online backup API.

    The copy is written next to *target* and checked with ``PRAGMA integrity_check`` before it
    replaces *target*, so a failed backup never leaves a half-written file. Returns the check's
    result ("ok").
    """
    target = target.resolve()
    fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".sqlite", dir=target.parent)
    os.close(fd)
    try:
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(tmp)
        try:
            with dst:
                src.backup(dst)  # a consistent snapshot, even while the app writes (WAL)
            result = dst.execute("PRAGMA integrity_check").fetchone()[0]
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            dst.close()
            src.close()
        if result != "ok":
            raise click.ClickException(f"The copy failed its integrity check: {result}")
        os.replace(tmp, target)
        return result
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH when it exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Write an online, consistent copy of the SQLite database to PATH (PostgreSQL: how to)."""
    url = make_url(current_app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite":
        safe = url.render_as_string(hide_password=True)
        click.echo(
            "This database is PostgreSQL; back it up with its own tools, e.g.:\n"
            f"  pg_dump --format=custom --file {path} '{safe}'\n"
            "Restore into an empty database with:\n"
            f"  pg_restore --clean --if-exists --no-owner --dbname '<database URL>' {path}\n"
            "(pg_dump takes a consistent snapshot while the app runs.)",
            err=True,
        )
        sys.exit(2)
    source = url.database
    if not source or source == ":memory:" or not Path(source).exists():
        raise click.ClickException(f"There is no SQLite database file at {source!r}.")
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; choose another name or pass --force.")
    if not path.parent.is_dir():
        raise click.ClickException(f"The folder {path.parent} does not exist.")
    if path.resolve() == Path(source).resolve():
        raise click.ClickException("The backup cannot overwrite the database itself.")
    sqlite_backup(source, path)
    size = path.stat().st_size
    click.echo(f"Backup written to {path} ({size:,} bytes); integrity check: ok.")
    click.echo(
        "To restore: stop the app, then copy the file over the database path "
        f"({source}) and delete any '-wal' and '-shm' files next to it."
    )


# ---------------------------------------------------------------- export / import


@click.command("export")
@click.argument("kind", type=click.Choice(list(csv_export.EXPORTS)))
@click.option("--team", "team_name", required=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (default: standard output).",
)
@with_appcontext
def export_command(kind: str, team_name: str, output: Path | None) -> None:
    """Export the backlog, experiments, results, analyses or reviews as CSV."""
    with _session() as session:
        text = csv_export.export(session, team=_team(session, team_name), kind=kind)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")
        click.echo(f"Wrote {output} ({text.count(chr(10)) - 1} rows).", err=True)


def _parse_mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, header = pair.partition("=")
        if not sep or not field.strip():
            raise click.BadParameter(f"{pair!r}: write FIELD=Column header", param_hint="--map")
        mapping[field.strip()] = header.strip()
    return mapping


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--team", "team_name", required=True)
@click.option("--as", "email", default=None, help="E-mail of the member recorded as the author.")
@click.option(
    "--map",
    "pairs",
    multiple=True,
    help="FIELD=Column header (repeatable); unmapped fields are guessed from the header.",
)
@click.option("--dry-run", is_flag=True, help="Check every row and show the plan; import nothing.")
@with_appcontext
def import_command(
    file: Path, team_name: str, email: str | None, pairs: tuple[str, ...], dry_run: bool
) -> None:
    """Import a backlog CSV into a team: every row or none; the same file is refused twice."""
    data = file.read_bytes()
    with _session() as session:
        team = _team(session, team_name)
        actor = _user(session, email) if email else None
        try:
            table = csv_read.read_table(data)
            mapping = {**csv_io.guess_mapping(table.headers), **_parse_mapping(pairs)}
            click.echo("Columns: " + ", ".join(f"{k} ← {v!r}" for k, v in mapping.items() if v))
            if dry_run:
                rows = csv_io.check_rows(session, team=team, table=table, mapping=mapping)
                session.rollback()
                bad = csv_io.row_errors(rows)
                if bad:
                    raise ValidationFailed(bad, f"{len(bad)} rows have errors.")
                click.echo(f"{len(rows)} rows are valid; nothing imported (dry run).")
                return
            result = csv_io.import_backlog(
                session, team=team, actor=actor, data=data, mapping=mapping, file_name=file.name
            )
        except DomainError as error:
            raise _fail(error) from error
    click.echo(
        f"Imported {result.created} hypotheses into {team.name!r}: {result.in_backlog} in "
        f"the backlog, {result.ideas} as ideas (the backlog was full)."
    )


# ---------------------------------------------------------------- analyze


@click.command(
    "analyze",
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    },
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def analyze_command(args: tuple[str, ...]) -> None:
    """Analyse a per-user CSV in the terminal (the statistics engine's own command line).

    FILE.csv --variant-column V --conversion-column C [--value-column X] ...; --help lists all.
    """
    from stats.__main__ import main

    sys.exit(main(list(args)))


COMMANDS = (create_token_command, backup_command, export_command, import_command, analyze_command)
