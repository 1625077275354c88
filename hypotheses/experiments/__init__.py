"""The test lifecycle: design, start (active-test limit), results, analysis, decision."""

from hypotheses.experiments import action_routes, results_routes, routes, section
from hypotheses.experiments.blueprint import bp

__all__ = ["action_routes", "bp", "results_routes", "routes", "section"]
