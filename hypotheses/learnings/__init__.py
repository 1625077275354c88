"""The learnings library: decided tests, searchable, with tag win rates and calibration."""

from flask import Blueprint

bp = Blueprint("learnings", __name__)

from hypotheses.learnings import routes  # noqa: E402,F401
