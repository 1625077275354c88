"""A test with a guardrail that fails, in a real browser (issue 13): the marketer designs it
with a secondary metric and a guardrail, enters every metric's numbers by the form, and the
analysis shows the guardrail breached (the verdict warns) beside the exploratory metric; the
lead cannot ship it without a written reason, and ships it with one (shown on the page)."""

from __future__ import annotations

import experiment_factories as ef
from helpers import experiment_of
from playwright.sync_api import expect

from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.domain.experiments import results


def test_a_guardrail_that_fails(live_server, browser_page, sign_in, db, team, users):
    page, base = browser_page, live_server.url
    lead, marketer = users["lead"], users["marketer"]
    hypothesis = ef.approved(db, team=team, author=marketer, title="Bigger discount banner")
    db.commit()

    sign_in(marketer)
    page.goto(f"{base}/experiments/design/{hypothesis.id}")
    page.get_by_label("…or type another metric").fill("Lead rate")
    page.get_by_label("Baseline: conversion rate in %, or the current mean").fill("5")
    page.get_by_label("Minimum detectable effect").fill("20")
    page.get_by_label("Expected daily visitors entering the test").fill("1000")
    page.get_by_label("Name of the control").fill("Control")
    page.get_by_label("Name of variant 2").fill("Banner")
    page.get_by_label("Secondary metric 1", exact=True).fill("Sales")
    page.get_by_label("Guardrail 1", exact=True).fill("Revenue per visitor")
    page.get_by_label("Kind of guardrail 1").select_option("continuous")
    page.get_by_label("Tolerated loss of guardrail 1, %").fill("2")
    page.get_by_label("Money per conversion (optional)").fill("1500")
    page.get_by_label("Visitors a month after launch (optional)").fill("40000")
    page.locator("#save-design").click()
    page.wait_for_load_state()
    experiment = experiment_of(db, hypothesis)
    assert experiment is not None
    experiments.start(db, team=team, actor=lead, hypothesis_id=hypothesis.id)
    db.commit()

    page.goto(f"{base}/experiments/{experiment.id}")
    for i, (visitors, conversions) in enumerate([("4000", "200"), ("4000", "260")]):
        page.locator(f"#visitors_{i}").fill(visitors)
        page.locator(f"#conversions_{i}").fill(conversions)
    page.locator("#metric0_conversions_0").fill("40")
    page.locator("#metric0_conversions_1").fill("52")
    page.locator("#metric1_mean_0").fill("95")
    page.locator("#metric1_sd_0").fill("400")
    page.locator("#metric1_mean_1").fill("88")
    page.locator("#metric1_sd_1").fill("390")
    page.locator("#save-results").click()
    page.wait_for_load_state()

    guardrail = page.locator("#guardrails tr[data-status]")
    expect(guardrail).to_have_attribute("data-status", "breached")
    expect(guardrail).to_contain_text("Revenue per visitor")
    expect(guardrail).to_contain_text("Breached")
    expect(page.locator("#verdict-warning")).to_contain_text("Revenue per visitor")
    expect(page.locator("#secondary-metrics")).to_contain_text("Sales")
    expect(page.locator("#impact")).to_contain_text("a month")

    # the lead finishes it (below the planned sample, with a reason) and decides in the browser
    results.finish(
        db,
        team=team,
        actor=lead,
        hypothesis_id=hypothesis.id,
        reason="The season ends; we read what we have.",
        confirmed=True,
    )
    db.commit()
    sign_in(lead)
    page.goto(f"{base}/experiments/{experiment.id}")
    form = page.locator("#decision-form")
    form.get_by_label("Ship", exact=True).check()
    form.get_by_label("Won", exact=True).check()
    form.get_by_label("Learning").fill("The banner lifts leads but costs revenue per visitor.")
    page.locator("#record-decision").click()
    page.wait_for_load_state()
    reason = page.locator("#decision-form textarea[name=reason]")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#decision-form")).to_contain_text("reason")
    expect(page.locator("#decision")).to_have_count(0)  # nothing recorded

    form = page.locator("#decision-form")
    form.get_by_label("Ship", exact=True).check()
    form.get_by_label("Won", exact=True).check()
    form.get_by_label("Learning").fill("The banner lifts leads but costs revenue per visitor.")
    reason.fill("Revenue per visitor is within noise of the tolerance; margin review next week.")
    page.locator("#record-decision").click()
    page.wait_for_load_state()
    expect(page.locator("#decision-title")).to_contain_text("Ship")
    expect(page.locator("#decision-reason")).to_contain_text("margin review next week")
