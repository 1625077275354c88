"""Dashboard view."""

from flask import g, render_template

from hypotheses.db import get_session
from hypotheses.domain.overview import dashboard as dashboard_domain
from hypotheses.domain.overview.first_steps import first_steps
from hypotheses.main.blueprint import bp
from hypotheses.main.links import optional_url
from hypotheses.permissions import requires


@bp.route("/")
@requires("team.view")
def dashboard():
    """Show what the team tests right now, free slots, backlog health and what waits."""
    session = get_session()
    board = dashboard_domain.dashboard(session, team=g.team)
    return render_template(
        "main/dashboard.html",
        board=board,
        health=board.health,
        first_steps=first_steps(session, team=g.team),
        optional_url=optional_url,
    )
