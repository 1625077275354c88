"""The JSON API at /api/v1: bearer tokens, the browser's permissions and domain functions.

Every route is declared with ``hypotheses.api.openapi.operation``, which also builds the
OpenAPI 3.1 document served at ``/api/v1/openapi.json``. The blueprint is exempt from CSRF
because it never reads the session cookie (hypotheses.api.auth).
"""

from flask import Blueprint

bp = Blueprint("api", __name__)

from hypotheses.api import errors  # noqa: E402

errors.register(bp)


@bp.after_request
def _no_store(response):
    """API answers are per token: never cached."""
    response.headers["Cache-Control"] = "no-store"
    return response


from hypotheses.api import experiments, hypotheses, meta, reviews, stats_calc  # noqa: E402,F401
