"""Command-line interface: flask --app hypotheses <command>."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlmodel import Session

from hypotheses.db import get_engine
from hypotheses.demo.content import LANGUAGES as DEMO_LANGUAGES
from hypotheses.domain.accounts import memberships, teams
from hypotheses.domain.accounts import users as accounts
from hypotheses.domain.core.errors import DomainError


def _session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


def environment_language(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command's body in this machine's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG:
    ru for a Russian locale, else en), so its messages read in the terminal's language. Put it
    under @with_appcontext."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from hypotheses.demo import language_from_environment

        with force_locale(language_from_environment()):
            return command(*args, **kwargs)

    return run


def _print_demo_logins() -> None:
    from hypotheses.demo import saved_logins

    logins = saved_logins(current_app.instance_path)
    if logins:
        click.echo(_("Demo logins (one per role):"))
        for role, email, password in logins:
            click.echo(f"  {role:<9} {email:<28} " + _("password: %(password)s", password=password))


def _demo_language(language: str | None) -> str:
    """Return the demo's language: the --lang given, else this machine's (see the option)."""
    from hypotheses.demo import language_from_environment

    return language.lower() if language else language_from_environment()


demo_language_option = click.option(
    "--lang",
    "language",
    type=click.Choice(DEMO_LANGUAGES, case_sensitive=False),
    default=None,
    help="The demo's language: en or ru. By default this machine's language: ru when "
    "LANGUAGE, LC_ALL, LC_MESSAGES or LANG names a Russian locale (ru_RU.UTF-8), else en.",
)


@click.command("init-db")
@click.option(
    "--demo-if-empty", is_flag=True, help="Load the demo team when the database is empty."
)
@demo_language_option
@with_appcontext
@environment_language
def init_db_command(demo_if_empty: bool, language: str | None) -> None:
    """Create or upgrade the database schema, optionally loading the demo team."""
    from hypotheses.migrate import upgrade_database

    upgrade_database(get_engine())
    url = get_engine().url.render_as_string(hide_password=True)
    click.echo(_("Database ready: %(url)s", url=url))
    if demo_if_empty:
        from hypotheses.demo import load_demo_if_empty

        language = _demo_language(language)
        with _session() as session:
            loaded = load_demo_if_empty(
                session, instance_path=current_app.instance_path, language=language
            )
        click.echo(
            _("Demo team loaded (%(language)s).", language=language)
            if loaded
            else _("Existing data kept (the demo loads only into an empty database).")
        )
        _print_demo_logins()


@click.command("seed-demo")
@demo_language_option
@with_appcontext
@environment_language
def seed_demo_command(language: str | None) -> None:
    """Load the demo team into the database (refused when it already exists)."""
    from hypotheses.demo import DemoExists, load_demo
    from hypotheses.migrate import upgrade_database

    language = _demo_language(language)
    upgrade_database(get_engine())
    with _session() as session:
        try:
            team = load_demo(session, instance_path=current_app.instance_path, language=language)
        except DemoExists as error:
            raise click.ClickException(str(error)) from error
    click.echo(_("Demo team loaded (%(language)s): %(team)s", language=language, team=team.name))
    _print_demo_logins()


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "lead", "marketer", "viewer"]))
@click.option(
    "--team", "team_name", required=True, help="Team name; created when it does not exist."
)
@click.option("--password", default=None, help="Prompted for (hidden) when left out.")
@with_appcontext
@environment_language
def create_user_command(
    email: str, name: str, role: str, team_name: str, password: str | None
) -> None:
    """Create a user with a role in a team (the team is created when missing)."""
    if password is None:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    with _session() as session:
        try:
            # a new team's metric catalog in this machine's language
            team = teams.get_or_create_team(session, team_name, language=str(get_locale() or "en"))
            user = accounts.create_user(
                session,
                email=email,
                name=name,
                password=password,
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            )
            memberships.set_membership(session, user=user, team=team, role=role)
            session.commit()
        except DomainError as error:
            session.rollback()
            raise click.ClickException(error.message) from error
    click.echo(
        _(
            "Created %(role)s %(email)s in team “%(team)s”.",
            role=role,
            email=user.email,
            team=team.name,
        )
    )


def register_cli(app: Flask) -> None:
    """Register every command on *app*."""
    for command in (init_db_command, seed_demo_command, create_user_command):
        app.cli.add_command(command)
    from hypotheses.cli_data import (
        COMMANDS as DATA_COMMANDS,
    )  # create-token, backup, export, import

    for command in DATA_COMMANDS:
        app.cli.add_command(command)
    from hypotheses.notifications.cli import COMMANDS as NOTIFICATION_COMMANDS  # worker, deliver

    for command in NOTIFICATION_COMMANDS:
        app.cli.add_command(command)
    from hypotheses.sources.cli import sources_cli  # rotate-key, refresh --due (issue 16)

    app.cli.add_command(sources_cli)
