"""The JSON API at /api/v1: bearer tokens, the browser's permissions and domain functions.

Every route is declared with ``hypotheses.api.openapi.operation``, which also builds the
OpenAPI 3.1 document served at ``/api/v1/openapi.json``. The blueprint is exempt from CSRF
because it never reads the session cookie (hypotheses.api.auth).
"""

from hypotheses.api import analyses, experiments, hypotheses, meta, reviews, stats_calc
from hypotheses.api.blueprint import bp

__all__ = ["analyses", "bp", "experiments", "hypotheses", "meta", "reviews", "stats_calc"]
