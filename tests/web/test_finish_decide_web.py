"""Finishing and deciding in the browser (issue 13): the outcome comes pre-filled from the
analysis, a decision against it needs a written reason (shown on the test page), and a lead
can correct a recorded decision, which the win rates and the calibration then follow."""

from __future__ import annotations

import html
import re

import experiment_factories as ef
from helpers import experiment_of
from sqlmodel import select

from hypotheses.domain.experiments import learnings
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.models import AuditEntry, Team


def _finished_win(db, team, users):
    """A test finished above its plan with a significant win (B 3.9% against 3.1%)."""
    hypothesis = ef.running(db, team=team, lead=users["lead"], mde=0.3)
    hypothesis.tags = "forms"
    db.add(hypothesis)
    db.commit()
    experiment_results.record_results(
        db,
        team=team,
        actor=users["lead"],
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results(),
        final=True,
    )
    return hypothesis, experiment_of(db, hypothesis)


def _page(client, exp):
    return html.unescape(client.get(f"/experiments/{exp.id}").get_data(as_text=True))


def test_outcome_prefilled_and_a_decision_against_it_needs_a_reason(client, auth, db, team, users):
    hypothesis, exp = _finished_win(db, team, users)
    auth.login("lead")
    page = _page(client, exp)
    assert re.search(r"<input checked[^>]*name=\"outcome\"[^>]*value=\"won\"", page), page
    assert "The analysis suggests: Won." in page
    against = {"decision": "ship", "outcome": "lost", "learning": "Recorded as the issue did."}
    refused = client.post(f"/experiments/{exp.id}/decision", data=against)
    body = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and 'id="reason-error"' in body
    assert "The analysis shows “Won”, not “Lost”." in body
    assert experiment_of(db, hypothesis).status == "finished"
    db.commit()
    kill = {"decision": "kill", "outcome": "won", "learning": "Wins, but too costly to run."}
    assert client.post(f"/experiments/{exp.id}/decision", data=kill).status_code == 422
    kill["reason"] = "The winner needs a call centre we cannot staff."
    assert client.post(f"/experiments/{exp.id}/decision", data=kill).status_code == 302
    decided = experiment_of(db, hypothesis)
    assert (decided.decision, decided.decision_reason) == ("kill", kill["reason"])
    page = _page(client, exp)
    assert "Decided against the analysis because" in page and kill["reason"] in page


def test_a_lead_corrects_a_decision_and_win_rates_follow(client, auth, db, team, users):
    hypothesis, exp = _finished_win(db, team, users)
    auth.login("lead")
    decide = {"decision": "ship", "outcome": "won", "learning": "Short forms win."}
    assert client.post(f"/experiments/{exp.id}/decision", data=decide).status_code == 302
    experiment_of(db, hypothesis)  # re-read what the request wrote
    team_ = db.get(Team, team.id)
    (rate,) = learnings.tag_win_rates(db, team=team_)
    assert (rate.tag, rate.won, rate.decided) == ("forms", 1, 1)
    assert sum(b.won for b in learnings.calibration(db, team=team_)[0].buckets) == 1
    db.commit()  # end the read transaction before the next request
    fix = {"decision": "kill", "outcome": "lost", "reason": "Refunds ate the gain."}
    auth.login("marketer")
    assert client.post(f"/experiments/{exp.id}/correct", data=fix).status_code == 403
    auth.login("lead")
    no_reason = client.post(f"/experiments/{exp.id}/correct", data={**fix, "reason": ""})
    assert no_reason.status_code == 422
    db.commit()
    assert client.post(f"/experiments/{exp.id}/correct", data=fix).status_code == 302
    db.commit()
    corrected = experiment_of(db, hypothesis)
    assert (corrected.decision, corrected.outcome) == ("kill", "lost")
    assert corrected.correction_reason == fix["reason"] and corrected.corrected_at is not None
    assert corrected.decision_reason == fix["reason"]  # it goes against the analysis too
    (rate,) = learnings.tag_win_rates(db, team=team_)
    assert (rate.won, rate.decided) == (0, 1)
    assert sum(b.won for b in learnings.calibration(db, team=team_)[0].buckets) == 0
    audit = db.exec(
        select(AuditEntry).where(
            AuditEntry.entity_id == exp.id, AuditEntry.action == "experiment.correct"
        )
    ).one()
    assert audit.changes["outcome"] == ["won", "lost"] and audit.note == fix["reason"]
    page = _page(client, exp)
    assert "Refunds ate the gain." in page and "corrected the decision" in page


def test_a_finish_below_plan_is_recorded_audited_and_shown(client, auth, db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    experiment_results.record_results(
        db,
        team=team,
        actor=users["marketer"],
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results((4000, 124), (4000, 150)),
        final=False,
    )
    exp = experiment_of(db, hypothesis)
    auth.login("lead")
    page = _page(client, exp)
    assert 'id="finish-below-plan"' in page and 'id="finish-reason"' in page
    only_reason = {"reason": "The campaign ended early."}
    refused = client.post(f"/experiments/{exp.id}/finish", data=only_reason)
    assert refused.status_code == 422 and 'id="finish-confirm-error"' in refused.text
    db.commit()
    done = client.post(f"/experiments/{exp.id}/finish", data={**only_reason, "confirm": "y"})
    assert done.status_code == 302
    finished = experiment_of(db, hypothesis)
    assert (finished.status, finished.finish_reason) == ("finished", "The campaign ended early.")
    audit = db.exec(
        select(AuditEntry).where(
            AuditEntry.entity_id == exp.id, AuditEntry.action == "experiment.finish"
        )
    ).one()
    assert audit.note == "The campaign ended early."
    page = _page(client, exp)
    assert "Finished below the planned sample because" in page
    assert "Do not trust this result: the test ended at 7% of the planned sample" in page
