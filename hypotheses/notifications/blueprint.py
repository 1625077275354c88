"""The ``notifications`` blueprint; the routes that use it live beside it."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)
