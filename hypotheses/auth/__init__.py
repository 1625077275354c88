"""Sign in and out, first-admin set-up, profile and password."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from hypotheses.auth import routes  # noqa: E402,F401
