"""The Russian demo: the same story as the English one, told by a Russian growth team.

Each load takes about a second, so related checks share a test.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import FAST_HASH
from conftest import test_config as make_config
from helpers import visible_text
from sqlmodel import Session, col, func, select

from hypotheses import create_app
from hypotheses.db import ENGINE_KEY
from hypotheses.demo import (
    content_en,
    content_en_reviews,
    content_ru,
    content_ru_reviews,
    language_from_environment,
    load_demo,
    saved_logins,
)
from hypotheses.demo.content import content_for
from hypotheses.domain.reviews.metrics import DEFAULT_CATALOG, default_catalog, list_metrics
from hypotheses.models import (
    Analysis,
    Experiment,
    Hypothesis,
    KpiValue,
    Membership,
    ResultSet,
    Review,
    ReviewDecision,
    Team,
    User,
    Variant,
)

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
LATIN_WORD = re.compile(r"[A-Za-z]{4,}")
# Latin words a Russian growth team writes as they are: brands, channels, acronyms.
LATIN_OK = {"Telegram", "email", "Email", "Ads"}
# The English demo's counts (tests/unit/test_demo.py and the loaders' data).
HYPOTHESES_BY_STATUS = {
    "approved": 2,
    "backlog": 13,
    "idea": 3,
    "rejected": 2,
    "running": 2,
    "finished": 1,
    "decided": 8,
}


def _russian(text: str | None) -> bool:
    """Whether *text* is Russian: Cyrillic, and no English word beyond the allowed few."""
    if not text or not CYRILLIC.search(text):
        return False
    return not (set(LATIN_WORD.findall(text)) - LATIN_OK)


@pytest.fixture
def demo_ru(app, db):
    team = load_demo(db, instance_path=app.instance_path, hash_method=FAST_HASH, language="ru")
    db.expire_all()
    return team


def test_the_russian_content_mirrors_the_english_one():
    """Same number of ideas, tests, variants, learnings, notes, decisions (owners and links)."""
    assert len(content_ru.IDEAS) == len(content_en.IDEAS)
    assert len(content_ru.TESTS) == len(content_en.TESTS)
    for ru, en in zip(content_ru.TESTS, content_en.TESTS, strict=True):
        assert len(ru.arms) == len(en.arms) and bool(ru.learning) == bool(en.learning)
        assert len(ru.learning) <= 200 and all(len(arm) <= 60 for arm in ru.arms)
    assert len(content_ru_reviews.NOTES) == len(content_en_reviews.NOTES)
    titles = {idea.title for idea in content_ru.IDEAS}
    for ru_week, en_week in zip(
        content_ru_reviews.DECISIONS, content_en_reviews.DECISIONS, strict=True
    ):
        assert [(role, bool(link)) for _t, role, link in ru_week] == [
            (role, bool(link)) for _t, role, link in en_week
        ]
        assert all(link in titles for _t, _r, link in ru_week if link)
    assert set(content_ru.PEOPLE) == set(content_en.PEOPLE)
    assert content_for(None) is content_en and content_for("ru") is content_ru
    with pytest.raises(ValueError, match="not 'de'"):
        content_for("de")


def test_loads_in_russian_through_the_real_use_cases(app, client, db, demo_ru):
    team = demo_ru
    assert team.name == content_ru.TEAM and team.default_language == "ru"
    members = db.exec(
        select(User, Membership.role).join(Membership, col(Membership.user_id) == col(User.id))
    ).all()
    assert sorted(role for _u, role in members) == ["admin", "lead", "marketer", "viewer"]
    for user, role in members:  # Latin e-mails, Russian names, the team's language
        assert user.language == "ru" and user.name == content_ru.PEOPLE[role]
        assert user.email == f"{role}@demo.example"

    hypotheses = db.exec(select(Hypothesis).where(Hypothesis.team_id == team.id)).all()
    statuses: dict[str, int] = {}
    for hypothesis in hypotheses:
        statuses[hypothesis.status] = statuses.get(hypothesis.status, 0) + 1
        for text in (
            hypothesis.title,
            hypothesis.change,
            hypothesis.audience,
            hypothesis.expected_effect,
            hypothesis.rationale,
        ):
            assert _russian(text), text
    assert statuses == HYPOTHESES_BY_STATUS
    rejected = [h for h in hypotheses if h.status == "rejected"]
    assert all(h.reject_reason == content_ru.REJECT_REASON for h in rejected)
    subjects = {h.subject for h in hypotheses}
    assert {"offer", "lead handling", "segment", "pricing", "message", "landing page"} <= subjects

    # The metric catalog speaks Russian, in the default catalog's order and formats.
    metrics = list_metrics(db, team=team)
    assert [(m.name, m.unit, m.direction, m.fmt) for m in metrics] == default_catalog("ru")
    assert [m.name for m in metrics][:3] == [
        "Лиды",
        "Стоимость лида",
        "Конверсия из лида в продажу",
    ]
    assert sum(1 for m in metrics if m.tracked) == 8

    # The tests: the same story (statuses, outcomes, decisions), Russian metrics and variants.
    experiments = db.exec(select(Experiment).where(Experiment.team_id == team.id)).all()
    assert sorted(e.status for e in experiments) == ["decided"] * 8 + ["finished"] + ["running"] * 2
    decided = [e for e in experiments if e.status == "decided"]
    assert {e.outcome for e in decided} == {"won", "lost", "inconclusive"}
    assert {e.decision for e in decided} == {"ship", "iterate", "kill"}
    assert {e.metric_kind for e in experiments} == {"conversion", "continuous"}
    for experiment in experiments:
        assert _russian(experiment.metric_name), experiment.metric_name
        variants = db.exec(select(Variant).where(Variant.experiment_id == experiment.id)).all()
        assert all(CYRILLIC.search(v.name) or v.name[0].isdigit() for v in variants)
        if experiment.status == "decided":
            assert _russian(experiment.learning), experiment.learning
            final = db.exec(
                select(ResultSet).where(
                    ResultSet.experiment_id == experiment.id, col(ResultSet.final).is_(True)
                )
            ).one()
            analysis = db.exec(select(Analysis).where(Analysis.result_set_id == final.id)).one()
            output = analysis.output
            output = json.loads(output) if isinstance(output, str) else output  # TEXT or JSON
            best = output["comparisons"][0]
            # The recorded outcome agrees with what the real engine found, as in English.
            if experiment.outcome == "won":
                assert best["significant"] and best["rel_lift"] > 0
            elif experiment.outcome == "lost":
                assert best["significant"] and best["rel_lift"] < 0
            else:
                assert not best["significant"] or output["srm"]["mismatch"]
    (money,) = [e for e in experiments if e.metric_kind == "continuous"]
    assert money.baseline == 64.0 * content_ru.MONEY  # the average order in rubles

    # The reviews: six published weeks and a draft, Russian notes and decisions, KPI values.
    reviews = db.exec(select(Review).where(Review.team_id == team.id)).all()
    assert sorted(r.status for r in reviews) == ["draft"] + ["published"] * 6
    published = [r for r in reviews if r.status == "published"]
    assert all(_russian(r.notes) for r in published)
    assert any(content_ru_reviews.GUEST in r.attendees for r in published)
    decisions = db.exec(select(ReviewDecision).where(ReviewDecision.team_id == team.id)).all()
    assert len(decisions) == 29 and all(_russian(d.text) for d in decisions)
    assert sum(1 for d in decisions if d.hypothesis_id) == 13  # linked to backlog hypotheses
    values = db.exec(select(func.count()).select_from(KpiValue)).one()
    assert values == 6 * 10

    db.rollback()  # end the read transaction: on SQLite it holds the write lock
    logins = {role: (email, password) for role, email, password in saved_logins(app.instance_path)}
    email, password = logins["viewer"]
    response = client.post("/auth/login", data={"email": email, "password": password})
    assert response.status_code == 302
    home = client.get("/")
    assert '<html lang="ru"' in home.get_data(as_text=True)
    assert "Кнопка Telegram рядом с формой заявки" in visible_text(home)


def test_the_english_catalog_is_unchanged():
    assert default_catalog() == default_catalog("en") == DEFAULT_CATALOG
    assert default_catalog("de") == DEFAULT_CATALOG  # an unknown language: English
    assert [unit for _n, unit, _d, _f in default_catalog("ru")] == [
        unit for _n, unit, _d, _f in DEFAULT_CATALOG
    ]


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "ru_UA.UTF-8"}, "ru"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "ru_RU.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "ru:en"}, "ru"),
        ({"LANG": "C.UTF-8", "LANGUAGE": "ru"}, "en"),  # gettext ignores LANGUAGE under C
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_machine_language_comes_from_the_locale(environ, language):
    assert language_from_environment(environ) == language


@pytest.fixture
def fresh_app(tmp_path):
    """An app on its own empty SQLite file, as `make run` finds it the first time."""
    app = create_app(
        make_config(f"sqlite:///{tmp_path / 'fresh.sqlite'}"), instance_path=tmp_path / "instance"
    )
    yield app
    app.extensions[ENGINE_KEY].dispose()


def _demo_team(app) -> tuple[Team, int]:
    with Session(app.extensions[ENGINE_KEY]) as db:
        team = db.exec(select(Team)).one()
        users = db.exec(select(func.count()).select_from(User).where(User.language == "ru")).one()
        return team, users


def test_seed_demo_takes_a_language_and_refuses_an_unknown_one(fresh_app, monkeypatch):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")  # the flag wins over the machine's language
    runner = fresh_app.test_cli_runner()

    result = runner.invoke(args=["seed-demo", "--lang", "de"])
    assert result.exit_code == 2
    assert "--lang" in result.output and "'de'" in result.output and "ru" in result.output

    result = runner.invoke(args=["seed-demo", "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert f"Demo team loaded (ru): {content_ru.TEAM}" in result.output
    assert "lead@demo.example" in result.output
    team, russian_users = _demo_team(fresh_app)
    assert team.name == content_ru.TEAM and team.default_language == "ru" and russian_users == 4

    result = runner.invoke(args=["seed-demo", "--lang", "ru"])
    assert result.exit_code == 1 and "already exists" in result.output


def test_init_db_loads_the_demo_in_the_machine_language(fresh_app, monkeypatch):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    result = fresh_app.test_cli_runner().invoke(args=["init-db", "--demo-if-empty"])
    assert result.exit_code == 0, result.output
    # the command speaks the machine's language too
    assert "Демо-команда загружена (ru)." in result.output
    team, russian_users = _demo_team(fresh_app)
    assert team.name == content_ru.TEAM and team.default_language == "ru" and russian_users == 4
    with Session(fresh_app.extensions[ENGINE_KEY]) as db:
        names = [m.name for m in list_metrics(db, team=team)]
    assert names == [name for name, *_rest in default_catalog("ru")]
