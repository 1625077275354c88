"""The test lifecycle: design, start (active-test limit), results, analysis, decision."""

from hypotheses.experiments import routes, section
from hypotheses.experiments.blueprint import bp

__all__ = ["bp", "routes", "section"]
