"""SQL data sources (issue 16): the team's sources, a test's results from SQL, KPI queries."""

from hypotheses.sources import experiment_routes, kpi_routes, routes
from hypotheses.sources.blueprint import bp

__all__ = ["bp", "experiment_routes", "kpi_routes", "routes"]
