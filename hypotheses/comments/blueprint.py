"""The ``comments`` blueprint; the routes that use it live beside it."""

from flask import Blueprint

bp = Blueprint("comments", __name__)
