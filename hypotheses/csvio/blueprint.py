"""The ``csvio`` blueprint and its hooks; the routes that use it live beside it."""

from flask import Blueprint

bp = Blueprint("csvio", __name__)
