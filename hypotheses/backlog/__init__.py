"""The backlog: hypotheses, ICE scores, bounds, approval and the audit history."""

from flask import Blueprint
from flask_babel import format_decimal

bp = Blueprint("backlog", __name__)


@bp.context_processor
def _formatting() -> dict:
    """Give the backlog's templates locale-aware number formatting."""

    def fmt_number(value, pattern: str = "#,##0.##") -> str:
        return "–" if value is None else format_decimal(value, format=pattern)

    return {"fmt_number": fmt_number}


from hypotheses.backlog import routes  # noqa: E402,F401
