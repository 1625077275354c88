"""The Russian interface in a real browser: the main screens hold no English word (issue 11).

A user of the Russian demo team signs in; each main screen says <html lang="ru"> and its
rendered text (document.body.innerText, literal code left out) passes the same check as the
crawl (tests/english_words.py). With HYPOTHESES_SCREENSHOTS=1 the screens are also saved to
docs/screenshots/ru/ (1280 px wide, full page), as shown in the README.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import FAST_HASH
from english_words import DEMO_WORDS, english_words
from sqlmodel import col, select

from hypotheses.demo import load_demo, saved_logins
from hypotheses.models import Analysis, Experiment, Hypothesis, ResultSet, Review

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "ru"
# The rendered text without literal code (what a user types into a file or a script).
VISIBLE_TEXT = """() => {
  let text = document.body.innerText;
  for (const el of document.querySelectorAll('code, kbd, samp, pre, [translate="no"]')) {
    if (el.innerText) text = text.split(el.innerText).join(' ');
  }
  return text;
}"""


@pytest.fixture
def screens(live_server, db) -> dict[str, str]:
    """Load the Russian demo; return screen name -> path, and sign-in e-mail and password."""
    load_demo(db, instance_path=live_server.app.instance_path, hash_method=FAST_HASH, language="ru")
    hypothesis = db.exec(
        select(Hypothesis).where(Hypothesis.status == "backlog").order_by(col(Hypothesis.id))
    ).first()
    tested = db.exec(
        select(Experiment)
        .join(ResultSet, col(ResultSet.experiment_id) == col(Experiment.id))
        .join(Analysis, col(Analysis.result_set_id) == col(ResultSet.id))
        .where(Experiment.status == "decided", Experiment.outcome == "won")
        .order_by(col(Experiment.id))
    ).first()
    review = db.exec(
        select(Review).where(Review.status == "published").order_by(col(Review.iso_week).desc())
    ).first()
    db.commit()  # end the read: on SQLite it would hold the lock the live server needs
    return {
        "dashboard": "/",
        "backlog": "/backlog/",
        "hypothesis": f"/backlog/{hypothesis.id}",
        "test": f"/experiments/{tested.id}",
        "review": f"/reviews/{review.iso_week}",
        "learnings": "/learnings/",
        "data": "/data/",
        "team-settings": "/admin/settings",
    }


def test_main_screens_read_in_russian(live_server, browser_page, sign_in, screens):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    logins = {role: email for role, email, _p in saved_logins(live_server.app.instance_path)}
    passwords = {role: p for role, _e, p in saved_logins(live_server.app.instance_path)}
    sign_in(logins["admin"], passwords["admin"])
    save = os.environ.get("HYPOTHESES_SCREENSHOTS") == "1"
    if save:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for name, path in screens.items():
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, f"{path}: {response}"
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "ru", f"{path}: not lang=ru"
        text = page.evaluate(VISIBLE_TEXT)
        problems += [
            f"{path}: English {word}" for word in english_words([text], user_data=DEMO_WORDS)
        ]
        if save:
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert not problems, f"{len(problems)} English words:\n" + "\n".join(problems)
