"""The backlog in a real browser: write, score, re-order, approve, and a viewer refused."""

from __future__ import annotations

import re

import factories
from playwright.sync_api import expect


def _row_ids(page) -> list[str]:
    return page.locator("tbody tr[data-hypothesis-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.hypothesisId)"
    )


def test_write_score_reorder_approve_and_viewer_refused(
    live_server, browser_page, sign_in, db, team, users
):
    page, base = browser_page, live_server.url
    existing = factories.make_hypothesis(
        db,
        team=team,
        author=users["lead"],
        title="Outcome headline",
        impact=7,
        confidence=7,
        ease=7,
    )

    # A marketer writes a hypothesis with a modest score: it lands below the existing one.
    sign_in(users["marketer"])
    page.goto(f"{base}/backlog/")
    page.get_by_role("link", name="New hypothesis").click()
    page.get_by_label("Title").fill("Call back leads within 15 minutes")
    page.get_by_label("Change (what we do)").fill("Route web leads to the on-duty manager")
    page.get_by_label("Audience / segment").fill("Inbound web leads")
    page.get_by_label("Expected effect").fill("Lead to sale +20%")
    page.get_by_label("Funnel stage").select_option("lead")
    page.get_by_label("Lever").select_option("conversion")
    page.get_by_label("Subject").select_option("lead handling")
    page.get_by_label("Impact", exact=True).fill("4")
    page.get_by_label("Confidence", exact=True).fill("4")
    page.get_by_label("Ease", exact=True).fill("4")
    page.get_by_role("button", name=re.compile("Save|Add|Create")).click()
    expect(page.get_by_role("heading", name="Call back leads within 15 minutes")).to_be_visible()
    new_id = re.search(r"/backlog/(\d+)", page.url).group(1)

    page.goto(f"{base}/backlog/")
    assert _row_ids(page)[:2] == [str(existing.id), new_id]

    # Scoring it higher inline moves it to the top.
    page.locator(f"#ice-impact-{new_id}").fill("9")
    page.locator(f"#ice-confidence-{new_id}").fill("9")
    page.locator(f"#ice-ease-{new_id}").fill("9")
    page.locator(f"#ice-save-{new_id}").click()
    page.wait_for_load_state()
    assert _row_ids(page)[0] == new_id

    # A marketer sees no approve button; the lead approves.
    page.goto(f"{base}/backlog/{new_id}")
    expect(page.locator("#approve-hypothesis")).to_have_count(0)
    sign_in(users["lead"])
    page.goto(f"{base}/backlog/{new_id}")
    page.locator("#approve-hypothesis").click()
    page.wait_for_load_state()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text(
        re.compile("pprov")
    )
    page.goto(f"{base}/backlog/?status=approved")
    expect(page.locator(f"#status-{new_id}")).to_contain_text("Approved")

    # A viewer reads but cannot write: no button, and the form URL is refused.
    sign_in(users["viewer"])
    page.goto(f"{base}/backlog/")
    expect(page.get_by_role("link", name="New hypothesis")).to_have_count(0)
    expect(page.locator(f"#ice-form-{existing.id}")).to_have_count(0)
    response = page.goto(f"{base}/backlog/new")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_phone_shows_hypotheses_first_and_folds_the_filters(
    live_server, browser_page, sign_in, db, team, users
):
    page, base = browser_page, live_server.url
    for n in range(12):
        factories.make_hypothesis(db, team=team, author=users["marketer"], title=f"Idea {n}")
    sign_in(users["marketer"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/backlog/")
    status = page.get_by_label("Status", exact=True)
    toggle = page.get_by_role("button", name="Filters")
    # The search and the button show; the other fields are folded, and the first hypothesis is
    # on the first screen.
    expect(page.get_by_label("Search")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(status).to_be_hidden()
    first = page.locator("tbody tr[data-hypothesis-id]").first.bounding_box()
    assert first is not None and first["y"] + 40 < 844, f"first row at {first}"
    toggle.click()
    expect(status).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # A filter set keeps them unfolded, and the button counts it.
    page.get_by_label("Funnel stage").select_option("retention")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_label("Funnel stage")).to_be_visible()
    expect(toggle).to_contain_text("1")
    expect(toggle).to_have_accessible_name(re.compile(r"Filters\s*1 filter set"))
    # A refused filter unfolds the bar beside its message, and is not counted as set.
    page.goto(f"{base}/backlog/?stage=moon")
    expect(page.get_by_text("Not a valid choice.")).to_be_visible()
    expect(toggle).to_have_text("Filters")
    # From 576 px up there is no button: every field is in the bar.
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto(f"{base}/backlog/")
    expect(toggle).to_be_hidden()
    expect(status).to_be_visible()
    # A small tablet gets the rows as cards (the title across the card); from 768 px a table
    # whose titles keep room to read, scrolling inside its region if it must.
    title = page.locator("#backlog-table tbody .cell-title").first
    for width, least in ((700, 600), (800, 170), (1024, 170)):
        page.set_viewport_size({"width": width, "height": 800})
        box = title.bounding_box()
        assert box is not None and box["width"] >= least, f"{width} px: title cell {box}"
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), width
