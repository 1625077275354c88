"""Browser fixtures (a pytest plugin loaded by conftest.py): the app served on a real port,
driven by Playwright with Debian's Chromium."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("HYPOTHESES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"  # git-ignored


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # Under -n 2 --dist loadgroup, every browser test runs on one worker: one Chromium.
            item.add_marker(pytest.mark.xdist_group("browser"))


@dataclass
class LiveServer:
    app: Flask
    url: str


def _closing(app):
    """Wrap a WSGI app so every response's iterable is closed, even on a dropped connection.

    Werkzeug's development server skips the close when the browser resets a connection while a
    file is still being sent (its drain of the socket raises first); the open static file then
    surfaces later as an unraisable ResourceWarning in whichever test is running. The
    generator's ``finally`` runs when the server lets go of it, so the file is always closed.
    """

    def served(environ, start_response):
        response = app(environ, start_response)

        def body():
            try:
                yield from response
            finally:
                if hasattr(response, "close"):
                    response.close()

        return body()

    return served


@pytest.fixture
def live_server(app):
    """Serve the test app on 127.0.0.1 in a thread for the duration of one test."""
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def _browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}; `make test` installs Debian's chromium package."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_browser, request):
    """A fresh browser context and page; fails the test on any JavaScript console error."""
    context = _browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    # Pages the test opens on purpose may answer 403/404; any failing sub-resource (CSS, JS,
    # images) or script error is a defect.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    yield page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    # Let the last navigation's stylesheets and scripts arrive before the connections close.
    page.wait_for_load_state()
    context.close()
    assert not errors, f"JavaScript console errors: {errors}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def login(page, base_url: str, email: str, password: str | None = None) -> None:
    """Sign in through the login form."""
    import factories

    page.goto(f"{base_url}/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password or factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, "sign-in failed"


def logout(page) -> None:
    """Sign out with the navbar button."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


@pytest.fixture
def sign_in(live_server, browser_page):
    """Return sign_in(user_or_email, password=None): signs the browser page in."""

    def _sign_in(user_or_email, password: str | None = None) -> None:
        email = getattr(user_or_email, "email", user_or_email)
        logout_if_signed_in(browser_page, live_server.url)
        login(browser_page, live_server.url, email, password)

    return _sign_in


def logout_if_signed_in(page, base_url: str) -> None:
    """Clear the browser's cookies so the next sign-in starts fresh."""
    page.context.clear_cookies()
