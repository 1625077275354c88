"""The ``backlog`` blueprint and its hooks; the routes that use it live beside it."""

from flask import Blueprint
from flask_babel import format_decimal

bp = Blueprint("backlog", __name__)


@bp.context_processor
def _formatting() -> dict:
    """Give the backlog's templates locale-aware number formatting."""

    def fmt_number(value, pattern: str = "#,##0.##") -> str:
        return "–" if value is None else format_decimal(value, format=pattern)

    return {"fmt_number": fmt_number}
