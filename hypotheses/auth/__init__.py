"""Sign in and out, first-admin set-up, profile and password."""

from hypotheses.auth import routes
from hypotheses.auth.blueprint import bp

__all__ = ["bp", "routes"]
