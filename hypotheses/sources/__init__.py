"""SQL data sources (issue 16): the team's sources, a test's results from SQL, KPI queries."""

from hypotheses.sources import kpi_routes, routes, test_routes
from hypotheses.sources.blueprint import bp

__all__ = ["bp", "kpi_routes", "routes", "test_routes"]
