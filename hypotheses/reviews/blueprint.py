"""The ``reviews`` blueprint and its hooks; the routes that use it live beside it."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)
