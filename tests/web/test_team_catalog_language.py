"""A new team's metric catalog is in its creator's language (first-run setup, the admin's
team page, the command line), and the command line speaks the machine's language."""

from __future__ import annotations

from sqlmodel import select

from hypotheses.domain.reviews.metrics import default_catalog, list_metrics
from hypotheses.models import Team

RU = {"Accept-Language": "ru"}


def _catalog(db, name: str) -> list[str]:
    team = db.exec(select(Team).where(Team.name == name)).one()
    names = [m.name for m in list_metrics(db, team=team)]
    db.rollback()  # end the read transaction: on SQLite it holds the write lock
    return names


def _names(language: str) -> list[str]:
    return [name for name, *_rest in default_catalog(language)]


def test_first_run_setup_in_russian_gets_a_russian_catalog(client, db):
    response = client.post(
        "/auth/setup",
        headers=RU,
        data={
            "team": "Рост",
            "name": "Ада",
            "email": "ada@example.com",
            "password": "first admin pass",
            "confirm": "first admin pass",
        },
    )
    assert response.status_code == 302
    assert _catalog(db, "Рост") == _names("ru") != _names("en")


def test_admin_creates_a_team_in_their_language(client, auth, db, team, users):
    auth.login("admin")
    response = client.post("/admin/teams", data={"name": "Продажи"}, headers=RU)
    assert response.status_code == 302
    assert _catalog(db, "Продажи") == _names("ru")
    response = client.post("/admin/teams", data={"name": "Sales"})
    assert response.status_code == 302
    assert _catalog(db, "Sales") == _names("en")


def test_command_line_creates_the_team_and_speaks_the_machine_language(runner, db, monkeypatch):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    args = ["create-user", "--email", "lead@example.com", "--name", "Лид", "--role", "lead"]
    result = runner.invoke(args=[*args, "--team", "Маркетинг", "--password", "long enough pass"])
    assert result.exit_code == 0, result.output
    assert "в команде «Маркетинг»" in result.output
    assert _catalog(db, "Маркетинг") == _names("ru")
    result = runner.invoke(args=["export", "backlog", "--team", "Нет такой"])
    assert result.exit_code == 1 and "Команды «Нет такой» нет." in result.output
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    result = runner.invoke(args=["export", "backlog", "--team", "Nope"])
    assert result.exit_code == 1 and "There is no team called “Nope”." in result.output
