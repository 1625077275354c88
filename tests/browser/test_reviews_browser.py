"""A week's review in a real browser: a lead opens it, enters KPIs, adds three decisions and
publishes; a viewer reads it and marks it read; the Markdown export carries the decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from hypotheses.domain.core.weeks import iso_week_of

DECISIONS = [
    "Ship the three-field lead form to all traffic",
    "Call every new lead within 15 minutes",
    "Refill the backlog with five segment hypotheses",
]


@pytest.mark.browser
def test_lead_publishes_and_viewer_reads(live_server, browser_page, sign_in, users):
    page, base, week = browser_page, live_server.url, iso_week_of()
    sign_in(users["lead"])
    page.goto(f"{base}/reviews/")
    page.get_by_role("button", name=f"Open this week's review ({week})").click()
    expect(page.get_by_role("heading", name=f"Weekly review {week}")).to_be_visible()

    # KPI values for 5 metrics: the least a review is published with without a reason.
    kpis = {"Leads": "412", "Cost per lead": "18.5", "CAC": "160", "Revenue": "250000", "NPS": "42"}
    for label, value in kpis.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save KPI values").click()
    expect(page.get_by_text("KPI values saved.")).to_be_visible()
    expect(page.get_by_label("Leads", exact=True)).to_have_value("412")

    form = page.locator("#decision-form")
    for text in DECISIONS:
        form.get_by_label("What was decided").fill(text)
        form.get_by_label("Owner").select_option(label=users["marketer"].name)
        form.get_by_label("Due date").fill("2030-01-10")
        form.get_by_role("button", name="Add decision").click()
        expect(page.get_by_text("Decision recorded.")).to_be_visible()
    expect(page.locator("#decision-list > li")).to_have_count(3)
    expect(page.locator("#decision-warning")).to_have_count(0)  # 3 is inside 3–7

    page.get_by_role("button", name="Publish review").click()
    expect(page.get_by_text(f"The review for {week} is published.")).to_be_visible()
    expect(page.get_by_role("button", name="Add decision")).to_have_count(0)

    sign_in(users["viewer"])
    page.goto(f"{base}/reviews/")
    page.get_by_role("link", name=week).click()
    for text in DECISIONS:
        expect(page.get_by_text(text)).to_be_visible()
    page.get_by_role("button", name="Mark as read").click()
    expect(page.locator("#read-state")).to_contain_text("You have read this review")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Markdown").click()
    download = download_info.value
    assert download.suggested_filename == f"review-{week}.md"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert all(decision in text for decision in DECISIONS)
    assert "| Leads | 412 |" in text
