"""The learnings library: decided tests, searchable, with tag win rates and calibration."""

from hypotheses.learnings import routes
from hypotheses.learnings.blueprint import bp

__all__ = ["bp", "routes"]
