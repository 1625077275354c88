"""Views that move a test along: start, stop, finish, re-run an analysis, decide, correct."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from hypotheses.domain.core.errors import DomainError, NotFound
from hypotheses.domain.experiments import ending, reruns
from hypotheses.domain.experiments import lifecycle as experiments
from hypotheses.domain.experiments import results as experiment_results
from hypotheses.experiments.blueprint import bp
from hypotheses.experiments.decision_forms import (
    CorrectionForm,
    DecisionForm,
    FinishForm,
    StopForm,
)
from hypotheses.experiments.page import (
    act,
    confirmed,
    experiment_or_404,
    flash_back,
    form_action,
    render_detail,
)
from hypotheses.permissions import requires
from hypotheses.web_forms import as_user


@bp.route("/<int:experiment_id>/start", methods=["POST"])
@requires("experiment.start")
def start(experiment_id: int):
    """Start the test (lead); refused with the running tests' names when the limit is reached."""
    experiment = experiment_or_404(experiment_id)
    confirmed()
    _started, refusal = act(experiment, experiments.start)  # LimitReached: 409
    return refusal or flash_back(experiment, _("Test started. Its design is now locked."))


@bp.route("/<int:experiment_id>/stop", methods=["POST"])
@requires("experiment.stop")
def stop(experiment_id: int):
    """Abort a running test with a reason; its slot is freed."""
    return form_action(experiment_id, StopForm(), ending.stop, done=_("Test stopped."))


@bp.route("/<int:experiment_id>/finish", methods=["POST"])
@requires("experiment.finish")
def finish(experiment_id: int):
    """End a running test with its latest results as the final ones (a lead; below the planned
    sample with a confirmation and a written reason)."""
    return form_action(
        experiment_id,
        FinishForm(),
        experiment_results.finish,
        done=_("Test finished. A lead can now record the decision."),
    )


@bp.route("/<int:experiment_id>/analyses/<int:analysis_id>/rerun", methods=["POST"])
@requires("experiment.results")
def rerun_analysis(experiment_id: int, analysis_id: int):
    """Re-run a stored analysis made by an older engine with the current one; the new analysis
    is stored beside the old one."""
    experiment = experiment_or_404(experiment_id)
    confirmed()
    try:
        analysis = as_user(reruns.rerun_analysis, experiment.hypothesis_id, analysis_id=analysis_id)
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(error.message, "danger")
        return render_detail(experiment, status=error.status)
    flash(
        _(
            "Analysed again with engine %(version)s; the earlier analysis is kept.",
            version=analysis.engine_version,
        ),
        "success",
    )
    return redirect(
        url_for(
            "experiments.detail",
            experiment_id=experiment.id,
            look=analysis.result_set_id,
            _anchor="analysis",
        )
    )


def _follow_up(decided) -> None:
    _experiment, child = decided
    if child is not None:
        flash(_("Follow-up hypothesis #%(id)d created.", id=child.id), "info")


@bp.route("/<int:experiment_id>/decision", methods=["POST"])
@requires("experiment.decide")
def decision(experiment_id: int):
    """Record ship / iterate / kill, the outcome, the learning and an optional follow-up."""
    return form_action(
        experiment_id,
        DecisionForm(),
        ending.decide,
        done=_("Decision recorded. The test's slot is free and the learning is in the library."),
        after=_follow_up,
    )


@bp.route("/<int:experiment_id>/correct", methods=["POST"])
@requires("experiment.decide")
def correct_decision(experiment_id: int):
    """A lead corrects the recorded decision (new decision and outcome, with a reason)."""
    done = _("Decision corrected. Win rates and calibration follow it.")
    return form_action(experiment_id, CorrectionForm(), ending.correct_decision, done=done)
