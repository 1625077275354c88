"""Crawl every screen of the Russian demo as each role: not one English word (issue 11).

The Russian demo team (`seed-demo --lang ru`): its users read the interface in Russian. The
crawler of tests/web/test_crawl.py visits every screen each role reaches; on each page the
visible text (text nodes, placeholders, titles, aria-labels, alt texts, button values) must hold
no English word beyond a small allow-list (tests/english_words.py) and the team's own data.
A few forms are also sent with invalid values, so their error messages are read too.
"""

from __future__ import annotations

import time

import pytest
from conftest import FAST_HASH
from crawling import ROLES, crawl, csrf_app, csrf_token, sign_in
from english_words import DEMO_WORDS, english_words, page_texts
from sqlmodel import select

from hypotheses.demo import load_demo, saved_logins
from hypotheses.models import Experiment, Hypothesis

ROLE_BUDGET_SECONDS = 20  # CPU seconds per role, as the English crawl


def english_on(url: str, html: str) -> list[str]:
    """The crawl's page check: the English words of the page, with its URL."""
    words = english_words(page_texts(html), user_data=DEMO_WORDS)
    return [f"{url}: English {word}" for word in words]


@pytest.fixture
def app(tmp_path, _template_db):
    with csrf_app(tmp_path, _template_db) as app:
        yield app


@pytest.fixture
def ru_logins(app, db):
    """Load the Russian demo; return role -> (e-mail, password)."""
    load_demo(db, instance_path=app.instance_path, hash_method=FAST_HASH, language="ru")
    db.commit()
    return {role: (email, password) for role, email, password in saved_logins(app.instance_path)}


def _post_invalid(client, page_url: str, action: str, data: dict[str, str]) -> list[str]:
    """Send *data* to the form *action* on *page_url*; read the page that refuses it."""
    page = client.get(page_url)
    if page.status_code != 200 or f'action="{action}"' not in page.get_data(as_text=True):
        return []  # the role has no such form: nothing to read
    token = csrf_token(page.get_data(as_text=True))
    response = client.post(action, data={**data, "csrf_token": token}, follow_redirects=True)
    html = response.get_data(as_text=True)
    where = f"POST {action} (refused)"
    problems = english_on(where, html)
    if response.status_code >= 500 or "invalid" not in html:
        problems.append(f"{where}: HTTP {response.status_code}, no error shown")
    return problems


def invalid_forms(client, db) -> list[str]:
    """The forms a role can open, each sent once with values it refuses; their errors read."""
    backlog = db.exec(select(Hypothesis).where(Hypothesis.status == "backlog")).first()
    approved = db.exec(select(Hypothesis).where(Hypothesis.status == "approved")).first()
    running = db.exec(select(Experiment).where(Experiment.status == "running")).first()
    db.commit()
    design = f"/experiments/design/{approved.id}"
    forms = [
        ("/backlog/new", "/backlog/new", {"title": "", "impact": "11", "reach": "-1"}),
        (f"/backlog/{backlog.id}/edit", f"/backlog/{backlog.id}/edit", {"title": ""}),
        (design, design, {"metric_kind": "conversion", "baseline": "abc", "mde": "-1"}),
        (
            f"/experiments/{running.id}",
            f"/experiments/{running.id}/results",
            {"rows-0-visitors": "много", "rows-0-conversions": "-5"},
        ),
        ("/admin/users/new", "/admin/users/new", {"email": "не адрес", "name": ""}),
        ("/auth/profile", "/auth/profile", {"current_password": "x", "new_password": "y"}),
        ("/reviews/metrics", "/reviews/metrics/new", {"name": "", "unit": ""}),
        ("/data/tokens", "/data/tokens", {"name": "я" * 121}),
    ]
    problems: list[str] = []
    for page_url, action, data in forms:
        problems += _post_invalid(client, page_url, action, data)
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_screen_a_role_reaches_is_in_russian(app, db, ru_logins, role):
    client = app.test_client()
    sign_in(client, *ru_logins[role])
    started = time.process_time()
    problems, statuses = crawl(client, on_page=english_on)
    problems += invalid_forms(client, db)
    elapsed = time.process_time() - started
    assert statuses["pages"] >= 40, f"{role} reached only {statuses['pages']} pages"
    assert not problems, f"{len(problems)} problems for {role}:\n" + "\n".join(problems)
    assert elapsed < ROLE_BUDGET_SECONDS, f"crawl as {role} took {elapsed:.1f} s of CPU"


def test_the_checker_reads_what_a_user_sees():
    html = """<html lang="ru"><head><title>Обзор</title><style>.x{color:red}</style></head><body>
    <script>var hidden = "English";</script><h1>Бэклог</h1><p>Saved for ICE and CSV</p>
    <input placeholder="Search here"><img alt="Chart"><input type="submit" value="Apply">
    <code>variant,visitors</code><pre translate="no">{"alpha": 0.05}</pre><br translate="no">
    <p>lead@demo.example, 2026-W49, https://example.org/a, /api/v1/hypotheses, p = 0,05</p>
    <p>Telegram Ads и My token</p></body></html>"""
    words = english_words(page_texts(html), user_data=["Telegram", "My token"])
    assert [w.split()[0] for w in words] == ["Saved", "for", "and", "Search", "here"] + [
        "Chart",
        "Apply",
        "Ads",
    ]
    assert words[-1] == "Ads in «Telegram Ads и»"  # a typed phrase is removed, a word allowed
