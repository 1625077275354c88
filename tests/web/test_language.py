"""Choosing the interface language: browser, profile, signed-out switch, team default, API."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import factories
import pytest
from account_helpers import now_row
from sqlmodel import select

from hypotheses import languages
from hypotheses.domain.accounts import memberships
from hypotheses.domain.accounts import tokens as token_domain
from hypotheses.models import User

RU = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def _lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, "no <html lang>"
    return match.group(1)


def test_the_browser_language_is_the_default(client, users):
    russian = client.get("/auth/login", headers=RU)
    assert russian.status_code == 200
    assert _lang(russian) == "ru"
    assert "Войти" in russian.get_data(as_text=True)
    english = client.get("/auth/login", headers=EN)
    assert _lang(english) == "en"
    assert "Sign in" in english.get_data(as_text=True)
    assert _lang(client.get("/auth/login")) == "en"  # no header: the default locale


def test_signed_out_switch_remembers_the_choice_in_a_cookie(client, users):
    page = client.get("/auth/login", headers=EN).get_data(as_text=True)
    assert 'action="/auth/language"' in page and 'value="ru"' in page
    response = client.post(
        "/auth/language", data={"language": "ru", "next": "/auth/login"}, headers=EN
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/login")
    assert "HttpOnly" in response.headers["Set-Cookie"]
    again = client.get("/auth/login", headers=EN)
    assert _lang(again) == "ru" and "Войти" in again.get_data(as_text=True)
    client.post("/auth/language", data={"language": "en", "next": "/auth/login"}, headers=RU)
    assert _lang(client.get("/auth/login", headers=RU)) == "en"


def test_signed_out_switch_refuses_unknown_languages_and_foreign_redirects(client, users):
    assert client.post("/auth/language", data={"language": "de"}).status_code == 400
    response = client.post("/auth/language", data={"language": "ru", "next": "//evil.example"})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_profile_setting_overrides_the_browser(client, auth, users, db):
    user = auth.login("marketer")
    page = client.get("/auth/profile", headers=RU)
    assert _lang(page) == "ru"  # "as the browser" by default
    assert 'name="language"' in page.get_data(as_text=True)
    saved = client.post(
        "/auth/profile/language", data={"language": "en"}, headers=RU, follow_redirects=True
    )
    assert saved.status_code == 200
    assert _lang(saved) == "en" and "Language saved." in saved.get_data(as_text=True)
    assert now_row(db, user).language == "en"
    assert _lang(client.get("/auth/profile", headers=RU)) == "en"
    client.post("/auth/language", data={"language": "ru"})  # the cookie does not outrank it
    assert _lang(client.get("/auth/profile", headers=RU)) == "en"
    russian = client.post(
        "/auth/profile/language", data={"language": "ru"}, headers=EN, follow_redirects=True
    )
    assert _lang(russian) == "ru" and "Язык сохранён." in russian.get_data(as_text=True)
    client.post("/auth/profile/language", data={"language": ""})
    assert now_row(db, user).language is None
    # "As the browser": this browser's switch first, then its Accept-Language.
    assert _lang(client.get("/auth/profile", headers=EN)) == "ru"
    client.delete_cookie(languages.COOKIE)
    assert _lang(client.get("/auth/profile", headers=EN)) == "en"


def test_profile_language_refuses_an_unknown_value(client, auth, users, db):
    user = auth.login("viewer")
    response = client.post("/auth/profile/language", data={"language": "xx"})
    assert response.status_code == 422
    assert now_row(db, user).language is None


def test_team_default_language_is_given_to_new_members_without_one(client, auth, users, db, team):
    auth.login("admin")
    settings = client.get("/admin/settings", headers=EN).get_data(as_text=True)
    assert 'name="default_language"' in settings
    team.default_language = "ru"
    db.add(team)
    db.commit()
    response = client.post(
        "/admin/users/new",
        data={
            "name": "Новый маркетолог",
            "email": "new@example.com",
            "password": "long enough password",
            "team": team.id,
            "role": "marketer",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    newcomer = db.exec(select(User).where(User.email == "new@example.com")).one()
    assert newcomer.language == "ru"
    # Someone who chose a language keeps it when added to a team with another default.
    other = factories.make_team(db, name="English team")
    other.default_language = "en"
    db.add(other)
    db.commit()
    with client.application.test_request_context():
        memberships.save_membership(
            db, user=newcomer, team=other, role="viewer", actor=users["admin"]
        )
    assert now_row(db, newcomer).language == "ru"


def test_team_settings_save_the_default_language(client, auth, users, db, team):
    auth.login("lead")
    form = {
        "backlog_min": "10",
        "backlog_max": "30",
        "active_test_limit": "3",
        "score_formula": "mean",
        "default_language": "ru",
    }
    assert client.post("/admin/settings", data=form).status_code == 302
    assert now_row(db, team).default_language == "ru"
    refused = client.post("/admin/settings", data={**form, "default_language": "de"})
    assert refused.status_code == 422
    assert client.post("/admin/settings", data={**form, "default_language": ""}).status_code == 302
    assert now_row(db, team).default_language is None


@pytest.fixture
def lead_token(app, db, team, users):
    with app.test_request_context():
        return token_domain.create_token(db, user=users["lead"], team=team, name="t")[1]


def test_api_messages_follow_accept_language_but_names_and_values_do_not(client, lead_token, users):
    anonymous = client.get("/api/v1/hypotheses", headers=RU)
    assert anonymous.status_code == 401
    assert anonymous.json["error"]["code"] == "unauthorized"
    assert "API-токен" in anonymous.json["error"]["message"]
    assert "API token" in client.get("/api/v1/hypotheses", headers=EN).json["error"]["message"]

    bearer = {"Authorization": f"Bearer {lead_token}"}
    body = {
        "title": "",
        "change": "Убрать 3 поля из 7",
        "audience": "Мобильные посетители",
        "expected_effect": "+15% лидов",
        "rationale": "Меньше полей — меньше трения",
        "stage": "lead",
        "lever": "conversion",
        "subject": "landing page",
        "impact": 8,
        "confidence": 5,
        "ease": 7,
    }
    refused = client.post("/api/v1/hypotheses", json=body, headers={**bearer, **RU})
    assert refused.status_code == 422
    assert list(refused.json["error"]["fields"]) == ["title"]  # field names stay English
    assert re.search("[а-яё]", refused.json["error"]["fields"]["title"][0])
    created = client.post(
        "/api/v1/hypotheses", json={**body, "title": "Короткая форма"}, headers={**bearer, **RU}
    )
    assert created.status_code == 201
    data = created.json
    assert (data["stage"], data["lever"], data["subject"]) == ("lead", "conversion", "landing page")
    assert data["status"] in {"backlog", "idea"}


def test_profile_choice_does_not_leak_into_the_api(client, lead_token, users, db):
    lead = db.get(User, users["lead"].id)
    lead.language = "ru"
    db.add(lead)
    db.commit()
    bearer = {"Authorization": f"Bearer {lead_token}"}
    response = client.get("/api/v1/hypotheses/999999", headers={**bearer, **EN})
    assert response.status_code == 404
    assert re.search("[a-z]", response.json["error"]["message"])
    assert not re.search("[а-яё]", response.json["error"]["message"])


@pytest.mark.parametrize(
    ("headers", "day", "moment", "percent"),
    [
        (RU, "2 дек. 2026", "2 дек. 2026, 14:05", "1\u00a0234,5\u00a0%"),
        (EN, "Dec 2, 2026", "Dec 2, 2026, 14:05", "1,234.5%"),
    ],
)
def test_dates_and_percentages_follow_the_language(app, headers, day, moment, percent):
    with app.test_request_context("/", headers=headers):
        assert languages.day(date(2026, 12, 2)) == day
        assert languages.moment(datetime(2026, 12, 2, 14, 5, tzinfo=UTC)) == moment
        assert languages.day(None) == "—"
        assert languages.percent(1234.5, 1) == percent
        assert languages.percent(None) == "—"
