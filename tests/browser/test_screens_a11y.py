"""Every main screen on a desktop (1366×900) and a phone (390×844), for each role it differs for.

Each screen must not scroll sideways (document.documentElement.scrollWidth <= innerWidth, at
360 px too), its buttons and fields must be at least 44 px high on the phone, and
axe-core (the npm package pinned in package.json, installed by `make test` into node_modules/)
must report no violation. The admin's pass saves the screenshots the README shows, under
docs/screenshots/ (<screen>-desktop.png, <screen>-phone.png: the visible part of the page).
The admin is in two teams, and the navbar must stay one line at 1366 px.

One browser, one page per role, every screen and width in a loop: about half a minute.
"""

from __future__ import annotations

from pathlib import Path

import experiment_factories
import factories
import pytest
from browser_fixtures import ARTIFACTS, login
from conftest import FAST_HASH
from sqlmodel import col, select

from hypotheses.demo import load_demo, saved_logins
from hypotheses.models import Analysis, Experiment, Membership, ResultSet, Review, Team, User

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
# A pasted URL as a title: 200 characters without a space must not widen the backlog.
LONG_TITLE = ("https://example.com/" + "averyverylongpathsegmentwithoutspaces" * 6)[:200]
# Screens each role sees differently from the admin (who sees them all).
ROLE_SCREENS = {
    "lead": ("dashboard", "backlog", "designed", "editor", "settings"),
    "marketer": ("dashboard", "backlog", "hypothesis", "running"),
    "viewer": ("dashboard", "backlog", "finished", "editor"),
}
# The admin's screens saved for the README (the test rewrites them on every run).
SHOTS = (
    "sign-in",
    "dashboard",
    "backlog",
    "designed",
    "running",
    "editor",
    "published",
    "learnings",
)
NARROWEST = (360, 780)  # the smallest phone: no sideways scrolling there either
# Controls smaller than 44 px on a phone (inline links in running text are exempt).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    '.btn, .form-control, .form-select, .page-link, .navbar-toggler')]
  .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 43.5)
  .map(el => `${el.id ? '#' + el.id : el.className} ${Math.round(el.offsetHeight)}`)"""
# A visible table caption that runs past the window's right edge (a wide table's caption must
# stay readable without scrolling the table).
CUT_CAPTIONS = """() => [...document.querySelectorAll('caption')]
  .filter(c => c.offsetParent !== null && !c.closest('.visually-hidden')
    && c.getBoundingClientRect().right > innerWidth + 0.5)
  .map(c => (c.id ? '#' + c.id : c.textContent.slice(0, 40)))"""
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => `${v.id} (${v.impact}): ` +
    v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


@pytest.fixture
def screens(live_server, db) -> dict[str, str]:
    """The English demo, a designed test, a pasted-URL title and an admin in two teams."""
    return _arrange(db, live_server.app.instance_path, "en")


@pytest.fixture
def screens_ru(live_server, db) -> dict[str, str]:
    """The same in the Russian demo (its e-mail addresses are the English demo's: a database
    of its own)."""
    return _arrange(db, live_server.app.instance_path, "ru")


# language -> (the designed test's title, the admin's second team)
NAMES = {
    "en": (None, "Enterprise sales and partnerships team"),
    "ru": ("Скидка при уходе со страницы цен", "Корпоративные продажи и партнёрства"),
}


def _arrange(db, instance_path, language: str) -> dict[str, str]:
    load_demo(db, instance_path=instance_path, hash_method=FAST_HASH, language=language)
    team = db.exec(select(Team)).one()
    lead = db.exec(select(User).where(User.email == "lead@demo.example")).one()
    admin = db.exec(select(User).where(User.email == "admin@demo.example")).one()
    title, team_name = NAMES[language]
    extra = {"title": title} if title else {}
    designed = experiment_factories.designed(db, team=team, actor=lead, **extra)
    for _twice in range(2):  # two rows with one title: their score forms are still told apart
        factories.make_hypothesis(db, team=team, author=lead, title=LONG_TITLE)
    other = Team(name=team_name)
    db.add(other)
    db.flush()
    db.add(Membership(user_id=admin.id, team_id=other.id, role="viewer"))
    db.commit()

    def first(query):
        return db.exec(query.order_by(col(Experiment.id))).first()

    running = first(select(Experiment).where(Experiment.status == "running"))
    finished = first(
        select(Experiment)
        .join(ResultSet, col(ResultSet.experiment_id) == col(Experiment.id))
        .join(Analysis, col(Analysis.result_set_id) == col(ResultSet.id))
        .where(Experiment.status == "decided")
    )
    planned = db.exec(select(Experiment).where(Experiment.hypothesis_id == designed.id)).one()
    draft = db.exec(select(Review).where(Review.status == "draft")).first()
    published = db.exec(
        select(Review).where(Review.status == "published").order_by(col(Review.iso_week).desc())
    ).first()
    db.commit()  # end the read: on SQLite it would hold the lock the live server needs
    return {
        "dashboard": "/",
        "backlog": "/backlog/",
        "hypothesis": f"/backlog/{designed.id}",
        "tests": "/experiments/",
        "designed": f"/experiments/{planned.id}",
        "running": f"/experiments/{running.id}",
        "finished": f"/experiments/{finished.id}",
        "reviews": "/reviews/",
        "editor": f"/reviews/{draft.iso_week}",
        "published": f"/reviews/{published.iso_week}",
        "learnings": "/learnings/",
        "users": "/admin/users",
        "teams": "/admin/teams",
        "settings": "/admin/settings",
        "profile": "/auth/profile",
    }


def _check(page, url: str, label: str, shot: Path | None) -> list[str]:
    """Open *url* at each width; return what is wrong (sideways scroll, axe violations)."""
    problems = []
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{label}: {response}"
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate("() => {" + AXE.read_text() + "\n}")
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if scroll > inner:
            problems.append(f"{label} {width_name}: {scroll} px wide in a {inner} px window")
        problems += [f"{label} {width_name}: {v}" for v in page.evaluate(AXE_RUN)]
        if width_name == "phone":
            small = page.evaluate(SMALL_TARGETS)
            problems += [f"{label} phone: a tap target under 44 px: {s}" for s in small[:3]]
            cut = page.evaluate(CUT_CAPTIONS)
            problems += [f"{label} phone: a table caption runs off the screen: {c}" for c in cut]
        if shot is not None:
            page.screenshot(path=str(shot.with_name(f"{shot.name}-{width_name}.png")))
    page.set_viewport_size({"width": NARROWEST[0], "height": NARROWEST[1]})
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    if scroll > inner:
        problems.append(f"{label} 360 px: {scroll} px wide in a {inner} px window")
    return problems


def test_main_screens_fit_phones_and_pass_axe_for_every_role(live_server, _browser, screens):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test-deps` installs it (npm ci)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    logins = {role: (e, p) for role, e, p in saved_logins(live_server.app.instance_path)}
    base = live_server.url
    problems: list[str] = []
    context = _browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        problems += _check(page, f"{base}/auth/login", "sign-in", SCREENSHOTS / "sign-in")
        for role in ("admin", "lead", "marketer", "viewer"):
            page.context.clear_cookies()
            page.set_viewport_size({"width": 1366, "height": 900})
            login(page, base, *logins[role])
            if role == "admin":  # in two teams: the navbar stays one line at 1366 px
                height = page.locator("nav.navbar").bounding_box()["height"]
                assert height < 80, f"the navbar wraps at 1366 px ({height} px high)"
            names = screens if role == "admin" else ROLE_SCREENS[role]
            for name in names:
                shot = SCREENSHOTS / name if role == "admin" and name in SHOTS else None
                problems += _check(page, base + screens[name], f"{role} {name}", shot)
    finally:
        context.close()
    assert not errors, f"script errors: {errors}"
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


# The Russian pass: the admin (who sees every screen) on the main screens; longer words, the
# same checks. Its screenshots go to test-artifacts/screens-ru/ (git-ignored), to look at.
RU_SCREENS = (
    "dashboard",
    "backlog",
    "hypothesis",
    "designed",
    "running",
    "finished",
    "editor",
    "published",
    "learnings",
    "settings",
)


def test_main_screens_fit_phones_and_pass_axe_in_russian(live_server, _browser, screens_ru):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test-deps` installs it (npm ci)")
    shots = ARTIFACTS / "screens-ru"
    shots.mkdir(parents=True, exist_ok=True)
    logins = {role: (e, p) for role, e, p in saved_logins(live_server.app.instance_path)}
    base = live_server.url
    problems: list[str] = []
    context = _browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        problems += _check(page, f"{base}/auth/login", "sign-in", shots / "sign-in")
        email, password = logins["admin"]
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        page.set_viewport_size({"width": 1366, "height": 900})
        assert page.locator("html").get_attribute("lang") == "ru", page.url
        height = page.locator("nav.navbar").bounding_box()["height"]
        assert height < 80, f"the navbar wraps at 1366 px ({height} px high)"
        for name in RU_SCREENS:
            problems += _check(page, base + screens_ru[name], f"ru {name}", shots / name)
    finally:
        context.close()
    assert not errors, f"script errors: {errors}"
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
