"""A test's whole life in a real browser: design, start (4th refused at limit 3), results,
analysis, decision, and the learning found in the library."""

from __future__ import annotations

import re

import experiment_factories as ef
import factories
from playwright.sync_api import expect

from hypotheses.domain.experiments import ending as experiment_end


def test_design_start_results_analysis_decision_learning(
    live_server, browser_page, sign_in, db, team, users
):
    page, base = browser_page, live_server.url
    lead, marketer = users["lead"], users["marketer"]
    running = [ef.running(db, team=team, lead=lead, title=f"Running test {n}") for n in (1, 2, 3)]
    hypothesis = factories.make_hypothesis(
        db,
        team=team,
        author=marketer,
        status="approved",
        title="Call back within 15 minutes",
        tags="speed",
    )
    db.commit()

    # A marketer designs the test; "Calculate" shows the plan without saving.
    sign_in(marketer)
    page.goto(f"{base}/experiments/design/{hypothesis.id}")
    page.get_by_label("…or type another metric").fill("Lead to sale")
    page.get_by_label("Baseline: conversion rate in %, or the current mean").fill("5")
    page.get_by_label("Minimum detectable effect").fill("20")
    page.get_by_label("Expected daily visitors entering the test").fill("1000")
    page.get_by_label("Name of the control").fill("Control")
    page.get_by_label("Traffic share of the control, %").fill("50")
    page.get_by_label("Name of variant 2").fill("Fast callback")
    page.get_by_label("Traffic share of variant 2, %").fill("50")
    page.locator("#calculate-design").click()
    expect(page.locator("#plan-per-variant")).to_contain_text(re.compile(r"\d"))
    page.locator("#save-design").click()
    page.wait_for_load_state()
    expect(page.locator("#start-test")).to_have_count(0)  # marketers cannot start

    # The lead tries to start it: the limit of 3 refuses, naming the running tests.
    sign_in(lead)
    page.goto(f"{base}/backlog/{hypothesis.id}")
    page.locator("#open-test").click()
    test_url = page.url
    page.locator("#start-test").click()
    page.wait_for_load_state()
    refusal = page.get_by_role("alert").filter(has_text="Running test 1")
    expect(refusal).to_contain_text("Running test 2")
    expect(refusal).to_contain_text("Running test 3")

    # Stopping one frees the slot; now the start goes through and the design is locked.
    experiment_end.stop(
        db, team=team, actor=lead, hypothesis_id=running[0].id, reason="Landing page broke"
    )
    db.commit()  # end the fixture session's transaction: on SQLite it holds the write lock
    page.goto(test_url)
    page.locator("#start-test").click()
    page.wait_for_load_state()
    expect(page.locator("#test-status")).to_contain_text(re.compile("Running", re.I))
    expect(page.locator("#design-lock")).to_be_visible()

    # Final results (a lead, past the planned ~8,150 a variant): the analysis shows the verdict
    # first and the lift chart.
    rows = page.locator("#results-form")
    rows.locator("input[name=visitors_0]").fill("9000")
    rows.locator("input[name=conversions_0]").fill("450")
    rows.locator("input[name=visitors_1]").fill("9000")
    rows.locator("input[name=conversions_1]").fill("594")
    rows.get_by_label("These are the final results: end the test").check()
    page.locator("#save-results").click()
    page.wait_for_load_state()
    expect(page.locator("#verdict")).to_contain_text("significant")
    expect(page.locator("#lift-chart")).to_be_visible()
    expect(page.locator("#analysis-table")).to_contain_text("Fast callback")

    # The lead decides; the learning is then found in the library.
    form = page.locator("#decision-form")
    form.get_by_label("Ship").check()
    form.get_by_label("Won").check()
    form.get_by_label("Learning, in one line").fill(
        "Calling back within 15 minutes lifts lead to sale"
    )
    page.locator("#record-decision").click()
    page.wait_for_load_state()
    expect(page.locator("#learning")).to_contain_text("Calling back within 15 minutes")

    page.goto(f"{base}/learnings/?q=calling+back")
    expect(page.get_by_text("Calling back within 15 minutes lifts lead to sale")).to_be_visible()
