"""Each finished main screen in a real browser, as the role that uses it (and one that may not).

Dashboard, learnings, sign-in, users admin, team settings, profile, the team switcher, and
keyboard use of the backlog. Each test is small: it proves the screen works for its user,
that refusals and errors read well, and nothing more.
"""

from __future__ import annotations

import re

import factories
import pytest
from conftest import FAST_HASH
from playwright.sync_api import expect
from sqlmodel import select
from werkzeug.security import check_password_hash

from hypotheses.demo import load_demo, saved_logins
from hypotheses.domain.accounts.teams import get_or_create_team
from hypotheses.models import Membership, Team, User


def fresh(db, obj):
    """Re-read *obj* after the browser changed it, and end the read at once.

    Nothing else is expired (a later lazy load would open a transaction, and on SQLite
    every transaction takes the write lock the live server needs).
    """
    db.refresh(obj)
    db.commit()
    return obj


@pytest.fixture
def demo(live_server, db):
    """Load the demo team; return role -> (e-mail, password)."""
    load_demo(db, instance_path=live_server.app.instance_path, hash_method=FAST_HASH)
    return {
        role: (email, password)
        for role, email, password in saved_logins(live_server.app.instance_path)
    }


def switch_user(page, sign_in, *user) -> None:
    """Leave the app page first: no late response can bring the old session cookie back."""
    page.goto("about:blank")
    sign_in(*user)


def _error_below(page, field_id: str, message: str) -> None:
    """The field is marked invalid and *message* sits right under it, tied to the same group."""
    field = page.locator(f"#{field_id}")
    expect(field).to_have_class(re.compile(r"\bis-invalid\b"))
    error = field.locator("xpath=following-sibling::*[contains(@class, 'invalid-feedback')]").first
    expect(error).to_be_visible()
    expect(error).to_contain_text(message)
    page.wait_for_load_state("load")  # measured with the page's stylesheets applied
    box, below = field.bounding_box(), error.bounding_box()
    assert 0 <= below["y"] - (box["y"] + box["height"]) < 40, (
        "the message should sit just below its field"
    )


def test_dashboard_shows_running_tests_free_slots_and_backlog_health(
    live_server, browser_page, sign_in, demo
):
    page, base = browser_page, live_server.url
    for role in ("lead", "viewer"):
        switch_user(page, sign_in, *demo[role])
        page.goto(f"{base}/")
        expect(page.get_by_role("heading", level=1, name="Demo growth team")).to_be_visible()
        running = page.locator("section[aria-labelledby='running-title']")
        expect(running.get_by_role("heading", name="What we are testing right now")).to_be_visible()
        expect(running.locator("article")).to_have_count(2)  # the demo's two running tests
        expect(running.get_by_role("progressbar").first).to_be_visible()
        expect(running).to_contain_text("1 of 3 test slots free")
        expect(running.get_by_text("Free slot")).to_have_count(1)
        health = page.locator("#backlog-health")
        expect(health).to_be_visible()
        expect(
            health.get_by_role("heading", name=re.compile(r"Backlog: \d+ of \d+–\d+"))
        ).to_be_visible()
        expect(page.locator("#backlog-health-state")).to_have_text(
            re.compile("Healthy|Below the minimum|Full")
        )
        # Only the roles that may act get the buttons.
        enter = running.get_by_role("link", name="Enter results")
        expect(enter).to_have_count(2 if role == "lead" else 0)
        expect(running.get_by_role("link", name="Approved hypotheses")).to_have_count(
            1 if role == "lead" else 0
        )


def test_learnings_search_finds_a_decided_tests_learning(live_server, browser_page, sign_in, demo):
    page, base = browser_page, live_server.url
    sign_in(*demo["viewer"])
    page.goto(f"{base}/learnings/")
    page.get_by_label("Search", exact=True).fill("no-shows")
    page.get_by_role("button", name="Search").click()
    results = page.locator("ol > li.card")
    expect(results.first).to_contain_text("A reminder call cut no-shows by a third")
    expect(
        results.first.get_by_role("heading", name="Reminder call before the demo")
    ).to_be_visible()
    page.get_by_label("Search", exact=True).fill("zebra migration")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No decided test matches these filters.")).to_be_visible()


def test_wrong_password_shows_the_error_next_to_the_field(live_server, browser_page, users):
    page, base = browser_page, live_server.url
    page.goto(f"{base}/auth/login")
    page.get_by_label("E-mail").fill(users["marketer"].email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    _error_below(page, "password", "Wrong e-mail or password.")
    assert "/auth/login" in page.url
    expect(page.get_by_label("E-mail")).to_have_value(users["marketer"].email)  # kept for the retry


def test_admin_creates_a_user_and_adds_a_team_and_a_lead_is_refused(
    live_server, browser_page, sign_in, db, users
):
    page, base = browser_page, live_server.url
    get_or_create_team(db, "Second team")
    db.commit()
    sign_in(users["admin"])
    page.goto(f"{base}/admin/users")
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Name").fill("Nora Newcomer")
    page.get_by_label("E-mail").fill("nora@example.com")
    page.get_by_label("Initial password").fill("a long first password")
    page.get_by_label("Team", exact=True).select_option(label="Test team")
    page.get_by_label("Role in this team").select_option(label="Marketer")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("heading", level=1, name="Nora Newcomer")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("User Nora Newcomer created.")

    page.get_by_label("Team", exact=True).select_option(label="Second team")
    page.get_by_label("Role", exact=True).select_option("lead")
    page.get_by_role("button", name="Add to team").click()
    teams = page.locator("section[aria-labelledby='teams-h'] table")
    expect(teams).to_contain_text("Second team")
    nora = db.exec(select(User).where(User.email == "nora@example.com")).one()
    roles = {
        m.team_id: m.role for m in db.exec(select(Membership).where(Membership.user_id == nora.id))
    }
    second = db.exec(select(Team).where(Team.name == "Second team")).one()
    assert roles[second.id] == "lead" and len(roles) == 2
    db.commit()

    switch_user(page, sign_in, users["lead"])
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    assert page.goto(f"{base}/admin/users/new").status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_lead_changes_the_active_test_limit_and_a_marketer_is_refused(
    live_server, browser_page, sign_in, db, team, users
):
    page, base = browser_page, live_server.url
    sign_in(users["lead"])
    page.goto(f"{base}/")
    page.get_by_role("link", name="Team settings").click()
    page.get_by_label("Tests running at once").select_option("2")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_be_visible()
    page.reload()
    expect(page.get_by_label("Tests running at once")).to_have_value("2")
    assert fresh(db, team).active_test_limit == 2

    switch_user(page, sign_in, users["marketer"])
    expect(page.get_by_role("link", name="Team settings")).to_have_count(0)
    assert page.goto(f"{base}/admin/settings").status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_profile_refuses_a_wrong_current_password(live_server, browser_page, sign_in, db, users):
    page = browser_page
    marketer = users["marketer"]
    sign_in(marketer)
    page.get_by_role("link", name=re.compile(re.escape(marketer.name))).click()
    page.get_by_label("Current password").fill("this is not it")
    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("Repeat new password").fill("a brand new passphrase")
    page.get_by_role("button", name="Change password").click()
    _error_below(page, "current_password", "")
    expect(page.locator("#current_password ~ .invalid-feedback").first).not_to_be_empty()
    user = fresh(db, marketer)
    assert check_password_hash(user.password_hash, factories.PASSWORD), (
        "the password must not change"
    )


def test_team_switcher_shows_the_other_team(live_server, browser_page, sign_in, db, team, users):
    page, base = browser_page, live_server.url
    other = get_or_create_team(db, "Second team")
    db.add(Membership(user_id=users["marketer"].id, team_id=other.id, role="lead"))
    db.commit()
    sign_in(users["marketer"])
    page.goto(f"{base}/")
    summary = page.locator("details.team-switch summary")
    current = "Second team" if "Second team" in summary.inner_text() else "Test team"
    target = "Test team" if current == "Second team" else "Second team"
    expect(page.get_by_role("heading", level=1, name=current)).to_be_visible()
    summary.click()
    page.locator("details.team-switch").get_by_role("button", name=re.compile(target)).click()
    expect(summary).to_contain_text(f"Team: {target}")
    expect(page.get_by_role("heading", level=1, name=target)).to_be_visible()
    # The navbar follows the role in the chosen team: a lead in "Second team" only.
    expect(page.get_by_role("link", name="Team settings")).to_have_count(
        1 if target == "Second team" else 0
    )


def test_keyboard_reaches_the_first_ice_input_with_visible_focus(
    live_server, browser_page, sign_in, db, team, users
):
    page, base = browser_page, live_server.url
    first = factories.make_hypothesis(
        db, team=team, author=users["marketer"], impact=9, confidence=9, ease=9
    )
    factories.make_hypothesis(db, team=team, author=users["marketer"])
    sign_in(users["marketer"])
    page.goto(f"{base}/backlog/")
    page.keyboard.press("Tab")  # the skip link comes first and shows itself
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["width"] > 20, "the skip link should become visible when focused"
    target = f"ice-impact-{first.id}"
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == target:
            break
    else:
        pytest.fail(f"Tab never reached #{target}")
    focused = page.locator(f"#{target}")
    expect(focused).to_be_focused()
    style = focused.evaluate(
        "el => ({visible: el.matches(':focus-visible'), shadow: getComputedStyle(el).boxShadow,"
        " outline: getComputedStyle(el).outlineStyle})"
    )
    assert style["visible"], "keyboard focus should be :focus-visible"
    assert style["shadow"] != "none" or style["outline"] != "none", f"no focus ring: {style}"
    page.keyboard.type("7")
    expect(focused).to_have_value(re.compile("7"))
