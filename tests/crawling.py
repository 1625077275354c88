"""The crawler shared by the screen crawls (tests/web/test_crawl.py, tests/web/test_crawl_ru.py).

``crawl(client)`` follows every same-site <a href> (and every GET form with its default values)
from the dashboard, breadth first, as a real user of the signed-in role would, checks each HTML
page with ``page_checks.check_page`` and hands it to an optional ``on_page(url, html)``.
``csrf_app`` builds the test app with CSRF protection on (forms render their token) and
crashes shown as 500 pages (one crawl reports them all); ``sign_in`` posts the login form.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import conftest
from page_checks import check_page, get_form_urls, links, parse

from hypotheses import create_app
from hypotheses.db import ENGINE_KEY

BASE = "http://localhost"
ROLES = ("admin", "lead", "marketer", "viewer")
MAX_PAGES = 400  # per role
MAX_QUERY_VARIANTS = 4  # per path: filters and pages beyond these add nothing new
SKIP_PREFIXES = ("/static/", "/bootstrap/static/", "/auth/logout")


def _is_html(response) -> bool:
    return response.mimetype == "text/html"


def crawl(
    client,
    start: str = "/",
    *,
    max_pages: int = MAX_PAGES,
    on_page: Callable[[str, str], list[str]] | None = None,
) -> tuple[list[str], Counter]:
    """Visit every same-site page reachable from *start*; return (problems, status counts).

    *on_page(url, html)*, when given, sees every HTML page answered 200 and returns more
    problems to report.
    """
    problems: list[str] = []
    statuses: Counter = Counter()
    queue: deque[tuple[str, str]] = deque([(start, "(start)")])
    seen = {start}
    variants: Counter = Counter()
    visited = 0
    while queue and visited < max_pages:
        url, referrer = queue.popleft()
        visited += 1
        response = client.get(url)
        response.close()  # a download left open would leak its file (a ResourceWarning)
        statuses[response.status_code] += 1
        where = f"{url} (linked from {referrer})"
        if response.status_code >= 500:
            problems.append(f"{where}: HTTP {response.status_code}")
            continue
        if 300 <= response.status_code < 400:
            location = response.headers.get("Location", "")
            if "/auth/login" in location:
                problems.append(f"{where}: sends a signed-in user to sign in ({location})")
                continue
            targets = [location]
        elif response.status_code != 200:
            problems.append(f"{where}: HTTP {response.status_code} for a link this role was shown")
            continue
        elif not _is_html(response):
            continue  # a download: the successful GET is the check
        else:
            html = response.get_data(as_text=True)
            page = parse(html)
            problems.extend(f"{url}: {problem}" for problem in check_page("", page=page))
            if on_page is not None:
                problems.extend(on_page(url, html))
            targets = links(page, BASE + url) + get_form_urls(page, BASE + url)
        for target in targets:
            if target.startswith(BASE):
                target = target[len(BASE) :]
            if not target.startswith("/") or target in seen or target.startswith(SKIP_PREFIXES):
                continue
            path, _, query = target.partition("?")
            if query:
                if variants[path] >= MAX_QUERY_VARIANTS:
                    continue
                variants[path] += 1
            seen.add(target)
            queue.append((target, url))
    if queue:
        problems.append(
            f"crawl stopped at {max_pages} pages with {len(queue)} left; raise MAX_PAGES"
        )
    statuses["pages"] = visited
    return problems, statuses


@contextmanager
def csrf_app(tmp_path, template_db) -> Iterator:
    """The test app with CSRF protection on, as in production, so forms render their token."""
    # CSRF on (forms render their token); a crash becomes a 500 page, so one crawl reports all.
    config = conftest.test_config(
        conftest.database_url(tmp_path, template_db),
        WTF_CSRF_ENABLED=True,
        PROPAGATE_EXCEPTIONS=False,
    )
    app = create_app(config, instance_path=tmp_path / "instance")
    try:
        yield app
    finally:
        app.extensions[ENGINE_KEY].dispose()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client, email: str, password: str, expected: int = 302):
    with client.session_transaction() as session:
        session.clear()
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == expected, f"sign-in as {email}: HTTP {response.status_code}"
    return response
