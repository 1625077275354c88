"""What the test views share: the test (or 404), its page re-rendered, a use case run as the
signed-in user, and the one shape of a form posted on a test.

Views are thin: parse the form, call one domain function, then flash and redirect or render.
Refusals come back as DomainErrors and are shown next to their field (or as an alert).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for

from hypotheses.db import get_session
from hypotheses.domain.core.errors import DomainError, NotFound
from hypotheses.domain.core.numbers import to_int
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.experiments.fields import ActionForm
from hypotheses.experiments.presenters import detail_context
from hypotheses.forms import ConfirmForm, apply_domain_error
from hypotheses.models import Experiment, Hypothesis
from hypotheses.web_forms import as_user


def _or_404(find: Callable, **key: int) -> Any:
    try:
        return find(get_session(), team=g.team, **key)
    except NotFound:
        abort(404)


def experiment_or_404(experiment_id: int) -> Experiment:
    """The team's test *experiment_id* (404 when the team has none)."""
    return _or_404(experiment_common.get_experiment, experiment_id=experiment_id)


def hypothesis_or_404(hypothesis_id: int) -> Hypothesis:
    """The team's hypothesis *hypothesis_id* (404 when the team has none)."""
    return _or_404(experiment_common.get_hypothesis, hypothesis_id=hypothesis_id)


def confirmed() -> None:
    """Refuse (400) a button's post without a valid CSRF token."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


def to_detail(experiment: Experiment, anchor: str | None = None):
    """Redirect to the test's page (at *anchor*)."""
    return redirect(url_for("experiments.detail", experiment_id=experiment.id, _anchor=anchor))


def flash_back(experiment: Experiment, message: str, anchor: str | None = None):
    """Flash *message* as a success and go back to the test's page (at *anchor*)."""
    flash(message, "success")
    return to_detail(experiment, anchor)


def render_detail(experiment: Experiment, status: int = 200, **forms):
    """The test's page, with *forms* (by their key) in place of the empty ones."""
    context = detail_context(
        get_session(),
        team=g.team,
        experiment=experiment,
        # Range-checked where they enter: past INTEGER (or not a number) means "not given".
        look=to_int(request.args.get("look")),
        analysis_id=to_int(request.args.get("analysis"), minimum=1),
        forms=forms,
    )
    return render_template("experiments/detail.html", **context), status


def act(experiment: Experiment, use_case: Callable, *, form=None, form_key: str = "", **arguments):
    """Run *use_case* on *experiment*'s test as the signed-in user: (its result, None), or
    (None, the detail page re-rendered with the refusal on *form*'s fields, else flashed)."""
    try:
        result = as_user(use_case, experiment.hypothesis_id, **arguments)
    except DomainError as error:
        g.domain_errors = getattr(error, "fields", {})  # cells outside the form (metric numbers)
        if form is None or not apply_domain_error(form, error):
            flash(error.message, "danger")
        forms = {form_key: form} if form_key else {}
        return None, render_detail(experiment, status=error.status, **forms)
    return result, None


def form_action(
    experiment_id: int,
    form: ActionForm,
    use_case: Callable,
    *,
    done: str,
    after: Callable[[Any], None] | None = None,
    arguments: Callable[[Experiment, ActionForm], dict[str, Any]] | None = None,
):
    """A form posted on a test: load the test (404), check *form* (the page with its errors,
    422), run *use_case* with the form's arguments (or *arguments* of the test and the form;
    a refusal goes next to its field, or is flashed), then flash *done*, call *after* with the
    use case's result, and go back to the test's page (at the form's anchor)."""
    experiment = experiment_or_404(experiment_id)
    if not form.validate_on_submit():
        return render_detail(experiment, status=422, **{form.page_key: form})
    values = arguments(experiment, form) if arguments else form.arguments()
    result, refusal = act(experiment, use_case, form=form, form_key=form.page_key, **values)
    if refusal:
        return refusal
    response = flash_back(experiment, done, form.anchor)
    if after is not None:
        after(result)
    return response
