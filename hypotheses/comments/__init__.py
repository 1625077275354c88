"""Comments with @mentions on hypotheses, tests and reviews (one section every page includes)."""

from hypotheses.comments import routes
from hypotheses.comments.blueprint import bp

__all__ = ["bp", "routes"]
