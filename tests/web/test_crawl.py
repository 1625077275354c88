"""Crawl every screen of the demo as each role: no errors, no dead or refused links, clean HTML.

DESIGN.md §8 "done": every page works for the role that sees it, and every page is usable by
keyboard and screen reader (labels, alt texts, one <h1>, a language), with CSRF fields on
every POST form. The crawler follows every same-site <a href> (and every GET form with its
default values) from the dashboard, breadth first, as a real user of each role would.
"""

from __future__ import annotations

import time

import pytest
from conftest import FAST_HASH, PASSWORD
from crawling import BASE, ROLES, crawl, csrf_app, sign_in
from page_checks import check_page, get_form_urls, links, parse

from hypotheses.demo import load_demo, saved_logins
from hypotheses.domain.accounts.memberships import set_membership
from hypotheses.domain.accounts.teams import get_or_create_team
from hypotheses.domain.accounts.users import create_user

ROLE_BUDGET_SECONDS = 20  # CPU seconds; four roles stay well under a minute


@pytest.fixture
def app(tmp_path, _template_db):
    """The test app with CSRF protection on, as in production, so forms render their token."""
    with csrf_app(tmp_path, _template_db) as app:
        yield app


@pytest.fixture
def demo_logins(app, db):
    """Load the real demo; return role -> (e-mail, password)."""
    load_demo(db, instance_path=app.instance_path, hash_method=FAST_HASH)
    return {role: (email, password) for role, email, password in saved_logins(app.instance_path)}


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_every_page_reachable_by_a_role_is_clean(app, demo_logins, role):
    client = app.test_client()
    sign_in(client, *demo_logins[role])
    started = time.process_time()  # CPU, not wall time: a busy machine must not fail this
    problems, statuses = crawl(client)
    elapsed = time.process_time() - started
    # The demo fills every area, so each role reaches a fair number of screens.
    assert statuses["pages"] >= 40, (
        f"{role} reached only {statuses['pages']} pages: {dict(statuses)}"
    )
    assert not problems, f"{len(problems)} problems for {role}:\n" + "\n".join(problems)
    assert elapsed < ROLE_BUDGET_SECONDS, (
        f"crawl as {role} took {elapsed:.1f} s of CPU ({dict(statuses)})"
    )


def test_pages_outside_the_crawl_are_clean(app, client, db):
    """First-admin setup, sign-in, no-team, error pages, and a second team's switcher."""
    problems: list[str] = []

    def check(url: str, expected: int) -> str:
        response = client.get(url)
        assert response.status_code == expected, f"{url}: HTTP {response.status_code}"
        html = response.get_data(as_text=True)
        if expected != 302:
            problems.extend(f"{url}: {p}" for p in check_page(html))
        return html

    check("/auth/setup", 200)  # empty database
    team = get_or_create_team(db, "First team")
    other = get_or_create_team(db, "Second team")
    create_user(
        db, email="lonely@example.com", name="Lonely", password=PASSWORD, hash_method=FAST_HASH
    )
    both = create_user(
        db, email="both@example.com", name="Both", password=PASSWORD, hash_method=FAST_HASH
    )
    set_membership(db, user=both, team=team, role="viewer")
    set_membership(db, user=both, team=other, role="lead")
    db.commit()
    check("/auth/login", 200)
    check("/backlog/999999", 302)
    response = sign_in(client, "lonely@example.com", "wrong password", expected=401)
    problems.extend(f"login error: {p}" for p in check_page(response.get_data(as_text=True)))

    sign_in(client, "lonely@example.com", PASSWORD)
    check("/auth/no-team", 200)
    check("/auth/profile", 200)

    sign_in(client, "both@example.com", PASSWORD)
    html = check("/", 200)
    assert "Second team" in html, "the team switcher lists the other team"
    check("/backlog/999999", 404)
    check("/backlog/new", 403)  # a viewer in the first team
    check("/admin/users", 403)
    assert not problems, "\n".join(problems)


BAD_PAGE = """<!doctype html><html><body>
<h1>One</h1><h1>Two</h1>
<form method="post" action="/x"><input name="title" id="t"><select name="s"></select>
  <textarea name="n"></textarea><input type="hidden" name="v"></form>
<label for="missing">Ghost</label><section aria-labelledby="nowhere"></section>
<img src="/a.png"><svg><circle r="1"/></svg>
<a href="javascript:alert(1)" id="dup">x</a><span id="dup"></span>
<button type="submit"><span aria-hidden="true">↑</span></button><a href="/empty"></a>
<div class="progress" role="progressbar"><div class="progress-bar" style="width: 40%"></div></div>
</body></html>"""

GOOD_PAGE = """<!doctype html><html lang="en"><body><h1>Title</h1>
<form method="post" action="/x"><input type="hidden" name="csrf_token" value="t">
  <label for="t">Title</label><input name="title" id="t">
  <label>Stage <select name="s"><option value="a" selected>A</option></select></label>
  <textarea name="n" aria-label="Notes"></textarea>
  <span id="lbl">Score</span><input name="score" aria-labelledby="lbl">
  <button type="submit">Save</button>
  <button><span aria-hidden="true">↑</span><span class="visually-hidden">Move up</span></button>
</form>
<img src="/a.png" alt=""><svg aria-hidden="true"><path d="M0"/></svg>
<div role="progressbar" aria-label="Sample" aria-valuenow="40" aria-valuemax="100"></div>
<svg role="img" aria-label="Trend"><path d="M0"/></svg><svg><title>Chart</title></svg>
<a href="/backlog/?page=2#top">next</a><a href="https://example.org/">out</a>
<form method="get" action="/learnings/">
  <label for="q">Search</label><input id="q" name="q" value="ab"></form>
</body></html>"""


def test_the_checker_catches_each_rule():
    problems = "\n".join(check_page(BAD_PAGE))
    for expected in (
        "no lang",
        "exactly one <h1>, found 2",
        "duplicate ids: ['dup']",
        'label for="missing"',
        'aria-labelledby="nowhere"',
        'name="title"',
        'name="s"',
        'name="n"',
        "has no alt",
        "inline <svg>",
        "javascript: link",
        "no csrf_token",
        "<button> without a text",
        "<a> without a text",
        "progressbar without",
    ):
        assert expected in problems, f"missing {expected!r} in:\n{problems}"
    assert 'name="v"' not in problems  # hidden inputs need no label
    assert check_page(GOOD_PAGE) == []
    page = parse(GOOD_PAGE)
    assert links(page, BASE + "/") == ["/backlog/?page=2"]  # fragment dropped, other sites skipped
    assert get_form_urls(page, BASE + "/") == ["/learnings/?q=ab"]


def test_plain_requests_do_not_reissue_the_session_cookie(app, demo_logins):
    """Assets and page views leave the session alone: no Set-Cookie on every response."""
    client = app.test_client()
    sign_in(client, *demo_logins["lead"])
    client.get("/")
    for url in ("/static/app.css", "/backlog/", "/"):
        response = client.get(url)
        response.close()  # an unread static file stays open otherwise (a ResourceWarning)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, f"{url} re-issued the session cookie"
