"""Learnings library view."""

from __future__ import annotations

from flask import g, render_template, request

from hypotheses.db import get_session
from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.core.pagination import page_number
from hypotheses.domain.experiments import learnings
from hypotheses.forms import apply_domain_error
from hypotheses.learnings.blueprint import bp
from hypotheses.learnings.forms import LearningsFilterForm
from hypotheses.main.links import optional_url
from hypotheses.permissions import requires


@bp.route("/")
@requires("experiment.view")
def index():
    """Search the team's decided tests; show tag win rates and score calibration."""
    session = get_session()
    form = LearningsFilterForm(request.args)
    form.validate()
    filters = form.valid_filters()
    try:
        page = learnings.search_learnings(
            session, team=g.team, page=page_number(request.args.get("page")), **filters
        )
    except ValidationFailed as error:  # the form already refuses these; kept as a safety net
        apply_domain_error(form, error)
        page = learnings.search_learnings(session, team=g.team)
    args = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items()}
    return render_template(
        "learnings/index.html",
        form=form,
        page=page,
        args=args,
        tag_rates=learnings.tag_win_rates(session, team=g.team),
        calibration=learnings.calibration(session, team=g.team),
        optional_url=optional_url,
    )
