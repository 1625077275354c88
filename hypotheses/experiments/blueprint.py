"""The ``experiments`` blueprint and its hooks; the routes that use it live beside it."""

from flask import Blueprint

from hypotheses.domain.experiments import trust
from hypotheses.experiments import formatting

bp = Blueprint("experiments", __name__)


for _name, _func in formatting.FILTERS.items():
    bp.add_app_template_filter(_func, _name)
bp.add_app_template_filter(formatting.ci_range, "ci_range")


@bp.app_template_global("analysis_verdict")
def analysis_verdict(analysis) -> str | None:
    """The verdict of a stored analysis in the reader's language, the warning first when it may
    not be trusted (None without an analysis)."""
    if analysis is None:
        return None
    return trust.verdict_line(analysis.output, analysis.verdict)
