"""Domain rules of stored analyses under engine 2.0.0: the looks a group-sequential analysis
uses, inputs of older engines that still reproduce, and re-running with the current engine."""

from __future__ import annotations

import experiment_factories as ef
import pytest
from helpers import experiment_of

import stats
from hypotheses.domain.core.errors import Conflict, NotFound
from hypotheses.domain.experiments import analyses, reruns, trust
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.domain.experiments.learnings import latest_verdicts
from hypotheses.domain.overview.csv_tests import _latest_verdicts
from hypotheses.models import Analysis, Team


def _enter(db, team, users, hypothesis, n, final=False, rate=0.036):
    return experiment_results.record_results(
        db,
        team=team,
        actor=users["lead" if final else "marketer"],  # final results finish: a lead's action
        hypothesis_id=hypothesis.id,
        variants=ef.conversion_results((n, round(n * 0.031)), (n, round(n * rate))),
        final=final,
        finish_reason="Enough for this check." if final else None,
    )


def _as_old_engine(db, analysis: Analysis) -> None:
    """Make *analysis* look as engines before 2.0.0 stored it."""
    drop = ("early_look_method", "looks")
    analysis.inputs = {k: v for k, v in analysis.inputs.items() if k not in drop}
    analysis.engine_version = "1.0.0"
    db.add(analysis)
    db.commit()


def test_looks_are_the_earlier_non_final_entries_smaller_than_now(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    first = _enter(db, team, users, hypothesis, 2000)
    assert first.inputs["looks"] == [] and first.inputs["early_look_method"] == "obrien-fleming"
    # a mistyped look with more data than the next entry is taken as corrected by it
    _enter(db, team, users, hypothesis, 9000)
    third = _enter(db, team, users, hypothesis, 4000)
    assert third.inputs["looks"] == [2000]
    fourth = _enter(db, team, users, hypothesis, 4000)  # the same look entered again
    assert fourth.inputs["looks"] == [2000]
    assert fourth.output["comparisons"][0]["sequential"]["look"] == 2
    final = experiment_results.finish(
        db,
        team=team,
        actor=users["lead"],
        hypothesis_id=hypothesis.id,
        reason="Enough for this check.",
        confirmed=True,
    )  # the latest entry becomes the final one
    assert final.inputs["final"] is True and final.inputs["looks"] == [2000]
    # a correction after the final results does not count the final entry as a look
    correction = _enter(db, team, users, hypothesis, 4100, final=True)
    assert correction.inputs["looks"] == [2000, 4000]


def test_a_test_without_a_plan_records_no_looks(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    experiment = experiment_of(db, hypothesis)
    experiment.per_variant = None
    db.add(experiment)
    db.commit()
    _enter(db, team, users, hypothesis, 1000)
    assert _enter(db, team, users, hypothesis, 2000).inputs["looks"] == []


def test_inputs_of_older_engines_still_reproduce(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    analysis = _enter(db, team, users, hypothesis, 2000)
    old_inputs = {
        k: v for k, v in analysis.inputs.items() if k not in ("early_look_method", "looks")
    }
    # engines before 2.0.0 judged early looks by the always-valid result: the defaults do too
    result = analyses.run_engine(old_inputs)
    assert result.comparisons[0].sequential.method == "confidence-sequence"
    _as_old_engine(db, analysis)
    check = reruns.reproduce_analysis(db, team=team, analysis_id=analysis.id)
    assert check["engine_version"] == stats.ENGINE_VERSION and check["recomputed"]["early_look"]


def test_rerun_keeps_the_old_analysis_and_an_older_look_stays_older(db, team, users):
    hypothesis = ef.running(db, team=team, lead=users["lead"])
    look = _enter(db, team, users, hypothesis, 2000)
    final = _enter(db, team, users, hypothesis, 10000, final=True)
    _as_old_engine(db, look)
    experiment = experiment_of(db, hypothesis)
    rerun = reruns.rerun_analysis(
        db, team=team, actor=users["marketer"], hypothesis_id=hypothesis.id, analysis_id=look.id
    )
    assert rerun.id > final.id and rerun.result_set_id == look.result_set_id
    assert rerun.engine_version == stats.ENGINE_VERSION and rerun.inputs == look.inputs
    assert db.get(Analysis, look.id).engine_version == "1.0.0"
    # the re-run of the early look does not replace the final analysis as the latest
    assert experiment_common.latest_analysis(db, experiment=experiment).id == final.id
    verdict = trust.verdict_line(final.output, final.verdict)  # warning first: underpowered
    assert verdict.endswith(final.verdict)
    assert latest_verdicts(db, experiment_ids=[experiment.id]) == {experiment.id: verdict}
    assert _latest_verdicts(db, db.get(Team, team.id))[experiment.id] == verdict
    looks = experiment_common.result_sets(db, experiment=experiment)
    assert [a.id for _rs, a in looks] == [final.id, rerun.id]
    with pytest.raises(Conflict):  # superseded by its re-run
        reruns.rerun_analysis(
            db, team=team, actor=None, hypothesis_id=hypothesis.id, analysis_id=look.id
        )
    with pytest.raises(Conflict):  # made with the current engine
        reruns.rerun_analysis(
            db, team=team, actor=None, hypothesis_id=hypothesis.id, analysis_id=final.id
        )
    other = ef.running(db, team=team, lead=users["lead"], title="Another test")
    with pytest.raises(NotFound):  # an analysis of another test
        reruns.rerun_analysis(
            db, team=team, actor=None, hypothesis_id=other.id, analysis_id=look.id
        )


def test_engine_versions_compare_as_numbers():
    def older(version: str) -> bool:
        return reruns.made_by_older_engine(Analysis(engine_version=version))

    assert older("1.0.0") and older("1.10.3") and older("unknown")
    assert not older(stats.ENGINE_VERSION) and not older("10.0.0")
