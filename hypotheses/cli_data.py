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
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from hypotheses.cli import environment_language
from hypotheses.db import get_engine
from hypotheses.domain.accounts import tokens
from hypotheses.domain.accounts.credentials import normalise_email
from hypotheses.domain.backlog import csv_import as csv_io
from hypotheses.domain.backlog import csv_mapping
from hypotheses.domain.core import csvdialects
from hypotheses.domain.core import csvfiles as csv_read
from hypotheses.domain.core.errors import DomainError, ValidationFailed
from hypotheses.domain.overview import csv_export
from hypotheses.models import Team, User


def _session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


def _team(session: Session, name: str) -> Team:
    team = session.exec(select(Team).where(Team.name == name.strip())).first()
    if team is None:
        raise click.ClickException(_("There is no team called “%(name)s”.", name=name))
    return team


def _user(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        raise click.ClickException(_("There is no user with the e-mail %(email)s.", email=email))
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
@environment_language
def create_token_command(email: str, team_name: str, name: str) -> None:
    """Create an API token; it is printed once, as the last line of the output."""
    with _session() as session:
        user, team = _user(session, email), _team(session, team_name)
        try:
            token, raw = tokens.create_token(session, user=user, team=team, name=name)
        except DomainError as error:
            raise _fail(error) from error
        click.echo(
            _(
                "Token “%(name)s” (%(prefix)s…) acts for %(email)s in team “%(team)s”.",
                name=token.name,
                prefix=token.prefix,
                email=user.email,
                team=team.name,
            )
        )
        click.echo(_("It is shown only now; store it safely. Revoke it on the profile page."))
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
            raise click.ClickException(
                _("The copy failed its integrity check: %(result)s", result=result)
            )
        os.replace(tmp, target)
        return result
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH when it exists.")
@with_appcontext
@environment_language
def backup_command(path: Path, force: bool) -> None:
    """Write an online, consistent copy of the SQLite database to PATH (PostgreSQL: how to)."""
    url = make_url(current_app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite":
        safe = url.render_as_string(hide_password=True)
        click.echo(
            _("This database is PostgreSQL; back it up with its own tools, e.g.:")
            + f"\n  pg_dump --format=custom --file {path} '{safe}'\n"
            + _("Restore into an empty database with:")
            + f"\n  pg_restore --clean --if-exists --no-owner --dbname '<database URL>' {path}\n"
            + _("(pg_dump takes a consistent snapshot while the app runs.)"),
            err=True,
        )
        sys.exit(2)
    source = url.database
    if not source or source == ":memory:" or not Path(source).exists():
        raise click.ClickException(
            _("There is no SQLite database file at %(path)s.", path=repr(source))
        )
    if path.exists() and not force:
        raise click.ClickException(
            _("%(path)s exists; choose another name or pass --force.", path=path)
        )
    if not path.parent.is_dir():
        raise click.ClickException(_("The folder %(path)s does not exist.", path=path.parent))
    if path.resolve() == Path(source).resolve():
        raise click.ClickException(_("The backup cannot overwrite the database itself."))
    sqlite_backup(source, path)
    size = path.stat().st_size
    click.echo(
        _(
            "Backup written to %(path)s (%(size)s bytes); integrity check: ok.",
            path=path,
            size=format_decimal(size, format="#,##0"),
        )
    )
    click.echo(
        _(
            "To restore: stop the app, then copy the file over the database path "
            "(%(source)s) and delete any '-wal' and '-shm' files next to it.",
            source=source,
        )
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
@click.option(
    "--dialect",
    type=click.Choice(list(csvdialects.DIALECTS)),
    default=csvdialects.STANDARD.name,
    show_default=True,
    help="standard: ',' and a decimal point; excel-ru: ';', a decimal comma and a BOM.",
)
@with_appcontext
@environment_language
def export_command(kind: str, team_name: str, output: Path | None, dialect: str) -> None:
    """Export the backlog, experiments, results, analyses or reviews as CSV."""
    chosen = csvdialects.DIALECTS[dialect]
    with _session() as session:
        text = csv_export.export(session, team=_team(session, team_name), kind=kind, dialect=chosen)
    text = ("\ufeff" if chosen.bom else "") + text
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")
        rows = text.count(chr(10)) - 1
        wrote = ngettext(
            "Wrote %(path)s (%(num)d row).", "Wrote %(path)s (%(num)d rows).", rows, path=output
        )
        click.echo(wrote, err=True)


def _parse_mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, header = pair.partition("=")
        if not sep or not field.strip():
            raise click.BadParameter(
                _("%(pair)s: write FIELD=Column header", pair=repr(pair)), param_hint="--map"
            )
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
@environment_language
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
            mapping = {**csv_mapping.guess_mapping(table.headers), **_parse_mapping(pairs)}
            columns = ", ".join(f"{k} ← {v!r}" for k, v in mapping.items() if v)
            click.echo(_("Columns: %(columns)s", columns=columns))
            if dry_run:
                rows = csv_io.check_rows(session, team=team, table=table, mapping=mapping)
                session.rollback()
                bad = csv_io.row_errors(rows)
                if bad:
                    raise ValidationFailed(
                        bad,
                        ngettext("%(num)d row has errors.", "%(num)d rows have errors.", len(bad)),
                    )
                click.echo(
                    ngettext(
                        "%(num)d row is valid; nothing imported (dry run).",
                        "%(num)d rows are valid; nothing imported (dry run).",
                        len(rows),
                    )
                )
                return
            result = csv_io.import_backlog(
                session, team=team, actor=actor, data=data, mapping=mapping, file_name=file.name
            )
        except DomainError as error:
            raise _fail(error) from error
    click.echo(
        ngettext(
            "Imported %(num)d hypothesis into “%(team)s”: %(backlog)d in the backlog, "
            "%(ideas)d as ideas (the backlog was full).",
            "Imported %(num)d hypotheses into “%(team)s”: %(backlog)d in the backlog, "
            "%(ideas)d as ideas (the backlog was full).",
            result.created,
            team=team.name,
            backlog=result.in_backlog,
            ideas=result.ideas,
        )
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
