"""The ``auth`` blueprint and its hooks; the routes that use it live beside it."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
