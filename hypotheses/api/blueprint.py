"""The ``api`` blueprint and its hooks; the routes that use it live beside it."""

from flask import Blueprint

from hypotheses.api import errors

bp = Blueprint("api", __name__)


errors.register(bp)


@bp.after_request
def _no_store(response):
    """API answers are per token: never cached."""
    response.headers["Cache-Control"] = "no-store"
    return response
