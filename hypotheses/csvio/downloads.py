"""The data page's CSV downloads: the backlog, the tests, their results and analyses, the
weekly reviews, each in the user's export dialect."""

from __future__ import annotations

from datetime import date

from flask import Response, g
from flask_login import current_user
from werkzeug.utils import secure_filename

from hypotheses import languages
from hypotheses.csvio.blueprint import bp
from hypotheses.db import get_session
from hypotheses.domain.core import csvdialects
from hypotheses.domain.overview import csv_export
from hypotheses.permissions import can, requires


def export_dialect() -> csvdialects.Dialect:
    """The signed-in user's export dialect (their choice, else by the interface language)."""
    return csvdialects.dialect_of(current_user, languages.current_language())


def _download(kind: str, **options) -> Response:
    dialect = export_dialect()
    text = csv_export.export(get_session(), team=g.team, kind=kind, dialect=dialect, **options)
    get_session().rollback()
    team = secure_filename(g.team.name) or "team"
    filename = f"{kind}-{team}-{date.today().isoformat()}.csv"
    # The BOM makes Excel read the file as UTF-8 (non-Latin text stays readable).
    return Response(
        ("\ufeff" if dialect.bom else "") + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/export/backlog.csv")
@requires("hypothesis.export")
def export_backlog():
    """Download the backlog as CSV."""
    return _download("backlog")


@bp.route("/export/<any(experiments, results, analyses):kind>.csv")
@requires("experiment.view")
def export_tests(kind: str):
    """Download the tests, their results or their analyses as CSV."""
    return _download(kind)


@bp.route("/export/reviews.csv")
@requires("review.view")
def export_reviews():
    """Download the weekly reviews as CSV (viewers get the published ones)."""
    return _download("reviews", include_drafts=can("review.draft"))
