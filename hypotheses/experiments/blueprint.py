"""The ``experiments`` blueprint and its hooks; the routes that use it live beside it."""

from flask import Blueprint

from hypotheses.experiments import formatting

bp = Blueprint("experiments", __name__)


for _name, _func in formatting.FILTERS.items():
    bp.add_app_template_filter(_func, _name)
bp.add_app_template_filter(formatting.ci_range, "ci_range")
