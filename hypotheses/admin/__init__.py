"""Administration: users, teams and memberships (admins), and the team settings (leads)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from hypotheses.admin import routes, team_routes  # noqa: E402,F401
