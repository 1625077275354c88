"""The test lifecycle: design, start (active-test limit), results, analysis, decision."""

from flask import Blueprint

bp = Blueprint("experiments", __name__)

from hypotheses.experiments import formatting  # noqa: E402

for _name, _func in formatting.FILTERS.items():
    bp.add_app_template_filter(_func, _name)
bp.add_app_template_filter(formatting.ci_range, "ci_range")

from hypotheses.experiments import routes, section  # noqa: E402,F401
