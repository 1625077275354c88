"""The board in a real browser: a card dragged to Approved, one moved by keyboard, and a drop
on a full running column refused with the domain's message, each read out (aria-live)."""

from __future__ import annotations

import experiment_factories as ef
import factories
from playwright.sync_api import expect


def test_drag_keyboard_and_a_full_running_column(
    live_server, browser_page, sign_in, db, team, users
):
    page, base = browser_page, live_server.url
    team.active_test_limit = 1
    db.add(team)
    db.commit()
    lead, marketer = users["lead"], users["marketer"]
    card = factories.make_hypothesis(db, team=team, author=marketer, title="Shorter form")
    idea = factories.make_hypothesis(
        db, team=team, author=marketer, title="Quiz funnel", status="idea"
    )
    ef.running(db, team=team, lead=lead, title="Checkout copy")
    waiting = ef.designed(db, team=team, actor=lead, title="Price anchor")
    db.commit()

    sign_in(lead)
    page.goto(f"{base}/backlog/board")
    announce = page.locator("#board-announce")

    # Drag a backlog card onto Approved: the approve use case runs, the board updates in place.
    page.locator(f"#card-{card.id}").drag_to(page.locator("#column-approved"))
    expect(page.locator(f"#column-approved #card-{card.id}")).to_be_visible()
    expect(announce).to_contain_text("Approved “Shorter form”")
    assert page.url.endswith("/backlog/board")  # no reload

    # Keyboard: the card's menu button, then the right arrow: idea → backlog (promote).
    page.locator(f"#card-{idea.id} .board-menu > summary").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#column-backlog #card-{idea.id}")).to_be_visible()
    expect(announce).to_contain_text("Moved “Quiz funnel” into the backlog.")
    expect(page.locator(f"#card-{idea.id} .board-menu > summary")).to_be_focused()

    # A full running column: the start is refused with the domain's message, nothing moves.
    page.locator(f"#card-{waiting.id}").drag_to(page.locator("#column-running"))
    expect(announce).to_contain_text("The team already runs 1 test (the limit): “Checkout copy”.")
    expect(page.locator("#content > .alert-warning")).to_contain_text(
        "The team already runs 1 test"
    )
    expect(page.locator(f"#column-approved #card-{waiting.id}")).to_be_visible()
