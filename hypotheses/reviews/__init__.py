"""The weekly results review and the team's metric catalog."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)

from hypotheses.reviews import display, metric_routes, read_routes, routes  # noqa: E402,F401
