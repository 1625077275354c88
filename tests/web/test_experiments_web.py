"""The test lifecycle in the browser: design → start → results → analysis → decision, by role."""

from __future__ import annotations

import experiment_factories as ef
import pytest
from helpers import DESIGN_FORM, count, experiment_of, text
from sqlmodel import select

from hypotheses.domain.experiments import design as experiment_design
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.models import Analysis, Hypothesis, ResultSet

# ---------------------------------------------------------------- design


def test_design_calculate_then_save(client, auth, db, team, users):
    hypothesis = ef.approved(db, team=team)
    auth.login("marketer")
    page = client.get(f"/experiments/design/{hypothesis.id}")
    assert page.status_code == 200 and "Leads" in text(page) and 'for="metric_choice"' in text(page)
    calc = client.post(
        f"/experiments/design/{hypothesis.id}", data={**DESIGN_FORM, "calculate": "1"}
    )
    expected = experiment_design.validate_design(ef.design_data())["per_variant"]
    assert calc.status_code == 200 and f"{expected:,}" in text(calc) and "per variant" in text(calc)
    assert experiment_of(db, hypothesis) is None  # Calculate saves nothing
    saved = client.post(f"/experiments/design/{hypothesis.id}", data={**DESIGN_FORM, "save": "1"})
    assert saved.status_code == 302
    exp = experiment_of(db, hypothesis)
    assert saved.headers["Location"].endswith(f"/experiments/{exp.id}")
    assert (exp.metric_name, exp.baseline, exp.mde, exp.per_variant) == (
        "Leads",
        0.031,
        0.1,
        expected,
    )


def test_design_live_calculation_json(client, auth, db, team, users):
    hypothesis = ef.approved(db, team=team)
    auth.login("marketer")
    ok = client.get(
        f"/experiments/design/{hypothesis.id}/calculate", query_string=DESIGN_FORM
    ).get_json()
    assert (
        ok["ok"] is True
        and ok["per_variant"] == experiment_design.validate_design(ef.design_data())["per_variant"]
    )
    bad = client.get(
        f"/experiments/design/{hypothesis.id}/calculate",
        query_string={**DESIGN_FORM, "alpha": "nan", "variant_split_1": "40"},
    ).get_json()
    assert bad["ok"] is False and "alpha" in bad["errors"]


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"baseline": "150"}, "baseline", "between 0% and 100%"),
        ({"alpha": "0.7"}, "alpha", "at most 0.5"),
        ({"alpha": "1_0"}, "alpha", "Enter a number"),
        ({"daily_visitors": "0"}, "daily_visitors", "at least 1"),
        ({"variant_split_1": "40"}, "variant_name_0", "add up to 100"),
        ({"variant_name_1": "control"}, "variant_name_1", "different name"),
        ({"metric_choice": "", "metric_other": ""}, "metric_other", "Name the primary metric"),
        ({"metric_kind": "continuous"}, "baseline_sd", "standard deviation"),
    ],
)
def test_design_errors_stand_next_to_their_field(
    client, auth, db, team, users, change, field, message
):
    hypothesis = ef.approved(db, team=team)
    auth.login("marketer")
    response = client.post(
        f"/experiments/design/{hypothesis.id}", data={**DESIGN_FORM, **change, "save": "1"}
    )
    assert response.status_code == 422
    body = text(response)
    assert f'id="{field}-error"' in body and message in body
    assert experiment_of(db, hypothesis) is None


def test_design_needs_an_approved_hypothesis(client, auth, db, team, users):
    import factories

    hypothesis = factories.make_hypothesis(db, team=team, status="backlog")
    auth.login("marketer")
    response = client.post(
        f"/experiments/design/{hypothesis.id}", data={**DESIGN_FORM, "save": "1"}
    )
    assert response.status_code == 409 and "approved" in text(response)
    assert 'id="not-approved"' in text(client.get(f"/experiments/design/{hypothesis.id}"))


# ---------------------------------------------------------------- start, limit, stop


def test_lead_starts_marketer_cannot(client, auth, db, team, users):
    hypothesis = ef.designed(db, team=team, actor=users["marketer"])
    exp = experiment_of(db, hypothesis)
    auth.login("marketer")
    page = text(client.get(f"/experiments/{exp.id}"))
    assert 'id="start-test"' not in page and "A lead starts the test" in page
    assert client.post(f"/experiments/{exp.id}/start").status_code == 403
    auth.login("lead")
    response = client.post(f"/experiments/{exp.id}/start")
    assert response.status_code == 302
    assert experiment_of(db, hypothesis).status == "running"
    page = text(client.get(f"/experiments/{exp.id}"))
    assert "Locked at start on" in page and "Test started" in page


def test_fourth_start_refused_with_running_names(client, auth, db, team, users):
    for title in ("Alpha test", "Beta test", "Gamma test"):
        ef.running(db, team=team, lead=users["lead"], title=title)
    fourth = ef.designed(db, team=team, actor=users["lead"], title="Delta test")
    exp = experiment_of(db, fourth)
    auth.login("lead")
    detail = text(client.get(f"/experiments/{exp.id}"))
    assert "The limit is reached" in detail
    response = client.post(f"/experiments/{exp.id}/start")
    assert response.status_code == 409
    body = text(response)
    assert "runs 3 tests (the limit)" in body and "“Alpha test”, “Beta test”, “Gamma test”" in body
    assert experiment_of(db, fourth).status == "design"


def test_running_design_is_locked_on_the_design_page(client, auth, db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    before = experiment_of(db, hypothesis)
    auth.login("marketer")
    page = text(client.get(f"/experiments/design/{hypothesis.id}"))
    assert (
        "Locked at start on" in page
        and 'name="mde"' not in page
        and 'name="daily_visitors"' in page
    )
    response = client.post(
        f"/experiments/design/{hypothesis.id}",
        data={"daily_visitors": "5000", "mde": "50", "save": "1", "version": str(before.version)},
    )
    assert response.status_code == 302
    after = experiment_of(db, hypothesis)
    assert (
        after.daily_visitors == 5000
        and after.mde == before.mde
        and after.per_variant == before.per_variant
    )


def test_stop_needs_a_reason_and_frees_the_slot(client, auth, db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    exp = experiment_of(db, hypothesis)
    auth.login("marketer")
    assert client.post(f"/experiments/{exp.id}/stop", data={"reason": "x"}).status_code == 403
    auth.login("lead")
    response = client.post(f"/experiments/{exp.id}/stop", data={"reason": "  "})
    assert response.status_code == 422 and "Say why the test is stopped" in text(response)
    assert (
        client.post(f"/experiments/{exp.id}/stop", data={"reason": "Broken tracking"}).status_code
        == 302
    )
    exp = experiment_of(db, hypothesis)
    assert (exp.status, exp.slot, exp.stop_reason) == ("stopped", None, "Broken tracking")
    page = text(client.get(f"/experiments/{exp.id}"))
    assert "Broken tracking" in page and 'id="decision-form"' in page  # a lead may still decide
    design = client.get(f"/experiments/design/{hypothesis.id}")
    assert design.status_code == 302
    assert design.headers["Location"].endswith(f"/experiments/{exp.id}")


# ---------------------------------------------------------------- results and analysis


def test_results_form_early_look_shows_the_analysis(client, auth, db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    exp = experiment_of(db, hypothesis)
    auth.login("marketer")
    response = client.post(
        f"/experiments/{exp.id}/results",
        data={
            "visitors_0": "1000",
            "conversions_0": "31",
            "visitors_1": "1000",
            "conversions_1": "45",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#analysis")
    page = text(client.get(f"/experiments/{exp.id}"))
    verdict_at = page.index('id="verdict"')
    assert verdict_at < page.index('id="analysis-table"') < page.index('id="lift-chart"')
    assert "Early look at" in page and 'data-code="early_look"' in page
    # the team's default early-look method is group-sequential (O'Brien-Fleming type)
    assert "<svg" in page and "<title" in page and "Repeated CI and sequential p" in page
    assert "3.10%" in page and "4.50%" in page  # rates for people
    assert experiment_of(db, hypothesis).status == "running"


def test_bad_numbers_are_refused_next_to_the_field(client, auth, db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    exp = experiment_of(db, hypothesis)
    auth.login("marketer")
    for data, field in [
        ({"conversions_1": "1001"}, "conversions_1"),
        ({"visitors_0": "nan"}, "visitors_0"),
        ({"visitors_0": "１２"}, "visitors_0"),
        ({"conversions_0": ""}, "conversions_0"),
    ]:
        form = {
            "visitors_0": "1000",
            "conversions_0": "31",
            "visitors_1": "1000",
            "conversions_1": "45",
            **data,
        }
        response = client.post(f"/experiments/{exp.id}/results", data=form)
        assert response.status_code == 422, data
        assert f'id="{field}-error"' in text(response)
    assert count(db, ResultSet) == 0 and count(db, Analysis) == 0


def test_final_results_finish_then_lead_decides_with_follow_up(client, auth, db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"], title="Short form")
    exp = experiment_of(db, hypothesis)
    auth.login("lead")  # final numbers finish the test: a lead's action
    response = client.post(
        f"/experiments/{exp.id}/results",
        data={
            "visitors_0": "60000",
            "conversions_0": "1860",
            "visitors_1": "60000",
            "conversions_1": "2160",
            "final": "y",
        },
    )
    assert response.status_code == 302
    assert experiment_of(db, hypothesis).status == "finished"
    auth.login("marketer")
    page = text(client.get(f"/experiments/{exp.id}"))
    assert "significant at α = 0.05" in page and 'id="decision-form"' not in page
    assert client.post(f"/experiments/{exp.id}/decision", data={}).status_code == 403
    auth.login("lead")
    bad = client.post(
        f"/experiments/{exp.id}/decision",
        data={"decision": "ship", "outcome": "won", "learning": ""},
    )
    assert bad.status_code == 422 and 'id="learning-error"' in text(bad)
    ok = client.post(
        f"/experiments/{exp.id}/decision",
        data={
            "decision": "ship",
            "outcome": "won",
            "learning": "Short forms win.",
            "follow_up_title": "Even shorter form",
        },
    )
    assert ok.status_code == 302
    exp = experiment_of(db, hypothesis)
    assert (exp.status, exp.decision, exp.outcome) == ("decided", "ship", "won")
    child = db.exec(select(Hypothesis).where(Hypothesis.parent_id == hypothesis.id)).one()
    db.commit()
    page = text(client.get(f"/experiments/{exp.id}"))
    assert "Short forms win." in page and f"#{child.id} Even shorter form" in page


def test_finish_button_uses_latest_results(client, auth, db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    experiment_results.record_results(
        db,
        team=team,
        actor=users["marketer"],
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results((1000, 31), (1000, 45)),
        final=False,
    )
    exp = experiment_of(db, hypothesis)
    auth.login("viewer")
    assert client.post(f"/experiments/{exp.id}/finish").status_code == 403
    auth.login("marketer")  # finishing is a lead's action
    assert client.post(f"/experiments/{exp.id}/finish").status_code == 403
    auth.login("lead")
    unexplained = client.post(f"/experiments/{exp.id}/finish")  # at 1.9% of the plan
    assert unexplained.status_code == 422 and 'id="finish-reason-error"' in text(unexplained)
    assert experiment_of(db, hypothesis).status == "running"
    reason = {"reason": "Tracking broke; these numbers are all we have.", "confirm": "y"}
    assert client.post(f"/experiments/{exp.id}/finish", data=reason).status_code == 302
    assert experiment_of(db, hypothesis).status == "finished"
    page = text(client.get(f"/experiments/{exp.id}"))
    assert 'data-code="underpowered"' in page and "Final results" in page
