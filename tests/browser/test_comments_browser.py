"""Comments in a real browser (issue 15 item 4): @mention autocomplete picks a team member by
keyboard and by mouse, the comment renders its Markdown and mention, and a comment holding a
script, an onerror attribute or a javascript: link stays inert (no dialog, no script run)."""

from __future__ import annotations

import factories
from account_helpers import all_rows
from sqlmodel import select

from hypotheses.models import OutboxMessage

HOSTILE = (
    "<script>window.pwned = 1; alert('script')</script>\n\n"
    '<img src="x" onerror="window.pwned = 2; alert(\'img\')">\n\n'
    "[click me](javascript:window.pwned=3) and <a href=\"javascript:alert('a')\">raw link</a>"
)


def test_mention_autocomplete_and_safe_rendering(
    live_server, browser_page, sign_in, db, team, users
):
    page = browser_page
    anna = factories.make_user(db, team=team, name="Anna Petrova", email="anna.p@example.com")
    hypothesis = factories.make_hypothesis(db, team=team, author=users["marketer"])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(users["marketer"])
    page.goto(f"{live_server.url}/backlog/{hypothesis.id}")

    box = page.locator("#comment-body")
    box.click()
    box.press_sequentially("Please check, @ann")
    options = page.get_by_role("option")
    options.first.wait_for()
    assert options.all_inner_texts() == ["Anna Petrova"]
    listbox = page.get_by_role("listbox")
    assert listbox.is_visible() and box.get_attribute("aria-controls") == listbox.get_attribute(
        "id"
    )
    box.press("Enter")  # picks the highlighted member
    assert box.input_value() == "Please check, @Anna Petrova "
    assert not listbox.is_visible()
    box.press_sequentially("and **soon** @Lea")
    page.get_by_role("option", name=users["lead"].name).click()  # by mouse
    assert box.input_value().endswith(f"@{users['lead'].name} ")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()

    shown = page.locator(".comment-body").first
    assert shown.locator("strong").inner_text() == "soon"
    assert shown.locator(".mention").all_inner_texts() == [
        "@Anna Petrova",
        f"@{users['lead'].name}",
    ]
    told = {m.user_id for m in all_rows(db, select(OutboxMessage))}
    assert told == {anna.id, users["lead"].id}

    box = page.locator("#comment-body")
    box.fill(HOSTILE)
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()
    hostile = page.locator(".comment-body").nth(1)
    assert "<script>" in hostile.inner_text()  # shown as text
    assert hostile.locator("script, img, iframe").count() == 0
    hrefs = hostile.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert not any(h and h.lower().startswith("javascript") for h in hrefs)
    for link in hostile.locator("a").all():
        link.click()
    page.reload()
    assert page.evaluate("window.pwned") is None
    assert dialogs == []
