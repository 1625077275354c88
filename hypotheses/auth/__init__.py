"""Sign in and out, first-admin set-up, profile and password."""

from hypotheses.auth import link_routes, routes
from hypotheses.auth.blueprint import bp

__all__ = ["bp", "link_routes", "routes"]
