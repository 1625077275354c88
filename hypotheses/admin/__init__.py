"""Administration: users, teams and memberships (admins), and the team settings (leads)."""

from hypotheses.admin import invite_routes, routes, team_routes
from hypotheses.admin.blueprint import bp

__all__ = ["bp", "invite_routes", "routes", "team_routes"]
