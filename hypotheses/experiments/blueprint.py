"""The ``experiments`` blueprint and its hooks; the routes that use it live beside it."""

from flask import Blueprint

from hypotheses.domain.experiments import verdicts
from hypotheses.experiments import formatting

bp = Blueprint("experiments", __name__)


for _name, _func in formatting.FILTERS.items():
    bp.add_app_template_filter(_func, _name)
bp.add_app_template_filter(formatting.ci_range, "ci_range")


@bp.app_template_global("analysis_verdict")
def analysis_verdict(analysis) -> str | None:
    """The verdict of a stored analysis in the reader's language (None without an analysis)."""
    if analysis is None:
        return None
    return verdicts.verdict_text(analysis.output, analysis.verdict)
