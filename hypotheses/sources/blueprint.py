"""The ``sources`` blueprint; the routes that use it live beside it."""

from flask import Blueprint

bp = Blueprint("sources", __name__)
