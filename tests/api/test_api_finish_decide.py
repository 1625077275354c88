"""API: finishing is a lead's action with a reason below the plan, a decision against the
analysis needs a reason, and a lead corrects a recorded decision (issue 13)."""

from __future__ import annotations

import experiment_factories as ef
from api_support import api, tokens  # noqa: F401

from hypotheses.domain.experiments import results as experiment_results

BELOW = {"variants": ef.conversion_results((4000, 124), (4000, 150))}
ABOVE = {"variants": ef.conversion_results()}  # 10,000 a variant: above a 0.3 MDE's plan


def _running(db, team, users, **design):
    return ef.running(db, team=team, lead=users["lead"], **design)


def test_finish_is_for_leads_and_needs_a_reason_below_the_plan(api, db, team, users):  # noqa: F811
    hypothesis = _running(db, team, users)
    experiment_results.record_results(
        db,
        team=team,
        actor=users["marketer"],
        hypothesis_id=hypothesis.id,
        variants=BELOW["variants"],
        final=False,
    )
    path = f"/hypotheses/{hypothesis.id}/finish"
    assert api.post(path, "marketer").status_code == 403
    refused = api.post(path)
    assert refused.status_code == 422 and "reason" in refused.json["error"]["fields"]
    done = api.post(path, json={"reason": "The campaign ended early."})
    assert done.status_code == 200, done.json
    assert done.json["final"] is True and done.json["trust"]["reasons"][0]["code"] == "underpowered"
    assert api.post(path).status_code == 409  # no longer running


def test_final_results_below_the_plan_need_a_lead_and_a_reason(api, db, team, users):  # noqa: F811
    hypothesis = _running(db, team, users)
    path = f"/hypotheses/{hypothesis.id}/results"
    assert api.post(path, "marketer", json={**BELOW, "final": True}).status_code == 403
    refused = api.post(path, json={**BELOW, "final": True})
    assert refused.status_code == 422 and "final" in refused.json["error"]["fields"]
    assert api.post(path, "marketer", json=BELOW).status_code == 201  # a look: marketers too
    done = api.post(path, json={**BELOW, "final": True, "reason": "Budget cut."})
    assert done.status_code == 201 and done.json["final"] is True


def test_decision_against_the_analysis_needs_a_reason_and_is_corrected(
    api,  # noqa: F811
    db,
    team,
    users,
):
    hypothesis = _running(db, team, users, mde=0.3)
    final = api.post(f"/hypotheses/{hypothesis.id}/results", json={**ABOVE, "final": True})
    assert final.status_code == 201
    decide = {"decision": "ship", "outcome": "lost", "learning": "Recorded by mistake."}
    refused = api.post(f"/hypotheses/{hypothesis.id}/decision", json=decide)
    assert refused.status_code == 422 and "reason" in refused.json["error"]["fields"]
    decided = api.post(
        f"/hypotheses/{hypothesis.id}/decision", json={**decide, "reason": "Sales said so."}
    )
    assert decided.status_code == 200 and decided.json["decision_reason"] == "Sales said so."
    fix = {"decision": "ship", "outcome": "won", "reason": "The analysis was right: B won."}
    path = f"/hypotheses/{hypothesis.id}/decision/correction"
    assert api.post(path, "marketer", json=fix).status_code == 403
    corrected = api.post(path, json=fix)
    assert corrected.status_code == 200, corrected.json
    body = corrected.json
    assert (body["decision"], body["outcome"]) == ("ship", "won")
    assert body["correction_reason"] == fix["reason"] and body["corrected_at"]
    assert body["decision_reason"] is None  # the corrected decision matches the analysis
    other = _running(db, team, users, title="Still running")
    assert api.post(f"/hypotheses/{other.id}/decision/correction", json=fix).status_code == 409
