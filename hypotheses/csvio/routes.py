"""Views of the data page: upload → column mapping and preview → import (CSV downloads live
in ``downloads``).

The uploaded file waits in the instance folder under a random name bound to the team and the
user (never under static/), until it is imported, refused as a re-import, or a day old.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from hypotheses.csvio.blueprint import bp
from hypotheses.csvio.downloads import export_dialect
from hypotheses.csvio.forms import DialectForm, UploadForm, mapping_form, mapping_of
from hypotheses.db import get_session
from hypotheses.domain.backlog import csv_import as csv_io
from hypotheses.domain.backlog import csv_mapping
from hypotheses.domain.core import csvdialects
from hypotheses.domain.core import csvfiles as csv_read
from hypotheses.domain.core.errors import Conflict, DomainError, ValidationFailed
from hypotheses.forms import apply_domain_error
from hypotheses.permissions import can, requires
from hypotheses.web_forms import refused

PENDING_MAX_AGE = 24 * 3600
PREVIEW_ROWS = 100
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _pending_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pending_path(token: str) -> Path:
    if not _TOKEN.match(token):
        abort(404)
    return _pending_dir() / f"{g.team.id}-{current_user.id}-{token}.csv"


def _sweep() -> None:
    """Delete uploads left waiting for more than a day."""
    cutoff = time.time() - PENDING_MAX_AGE
    for path in _pending_dir().glob("*.csv"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _render_index(
    upload: UploadForm | None = None, status: int = 200, dialect: DialectForm | None = None
):
    if dialect is None:
        dialect = DialectForm(formdata=None, data={"dialect": export_dialect().name})
    return render_template(
        "csvio/index.html",
        upload=upload or UploadForm(formdata=None),
        exports=_exports(),
        dialect_form=dialect,
    ), status


def _exports() -> list[dict]:
    rows = [
        (
            "backlog",
            "csvio.export_backlog",
            "hypothesis.export",
            _("Backlog"),
            _("Every hypothesis with its scores, status and owner; re-importable here."),
        ),
        (
            "experiments",
            "csvio.export_tests",
            "experiment.view",
            _("Tests"),
            _("One row per test: design, dates, decision, learning and the latest verdict."),
        ),
        (
            "results",
            "csvio.export_tests",
            "experiment.view",
            _("Results"),
            _("The numbers entered for every variant, early looks and final."),
        ),
        (
            "analyses",
            "csvio.export_tests",
            "experiment.view",
            _("Analyses"),
            _("Every stored analysis: p-values, lifts with intervals, SRM check, verdict."),
        ),
        (
            "reviews",
            "csvio.export_reviews",
            "review.view",
            _("Weekly reviews"),
            _("KPI values and decisions of every review."),
        ),
    ]
    return [
        {"kind": kind, "endpoint": endpoint, "label": label, "text": text}
        for kind, endpoint, perm, label, text in rows
        if can(perm)
    ]


@bp.route("/")
@requires("team.view")
def index():
    """Show the import form, the export downloads and the link to API tokens."""
    return _render_index()


@bp.post("/dialect")
@requires("team.view")
def save_dialect():
    """Remember the CSV format of the user's exports."""
    form = DialectForm()
    if not form.validate_on_submit():
        return _render_index(status=422, dialect=form)
    try:
        changed = csvdialects.set_csv_dialect(
            get_session(), user=current_user._get_current_object(), dialect=form.dialect.data
        )
    except DomainError as error:
        refused(form, error, fallback=form.dialect)
        return _render_index(status=422, dialect=form)
    flash(_("CSV format saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("csvio.index"))


@bp.post("/import")
@requires("hypothesis.import")
def upload():
    """Receive a backlog CSV, check it can be read, and continue to the column mapping."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_index(form, 422)
    data = form.file.data.read(csv_read.MAX_BYTES + 1)
    try:
        table = csv_read.read_table(data)
        earlier = csv_io.previous_import(get_session(), team=g.team, file_hash=table.file_hash)
        if earlier is not None:
            raise csv_io.already_imported(earlier)
    except DomainError as error:
        get_session().rollback()
        form.file.errors = list(form.file.errors) + [error.message]
        return _render_index(form, getattr(error, "status", 422))
    get_session().rollback()
    _sweep()
    token = secrets.token_hex(16)
    _pending_path(token).write_bytes(data)
    names = session.get("import_names", {})
    names = {k: v for k, v in names.items() if _pending_path(k).exists()}
    names[token] = secure_filename(form.file.data.filename or "") or "upload.csv"
    session["import_names"] = names
    return redirect(url_for("csvio.mapping", token=token))


def _load(token: str) -> tuple[bytes, str]:
    path = _pending_path(token)
    if not path.exists():
        flash(
            _("That upload is gone (imported, or older than a day). Upload the file again."),
            "warning",
        )
        abort(redirect(url_for("csvio.index")))
    return path.read_bytes(), session.get("import_names", {}).get(token, "upload.csv")


def _render_mapping(token: str, file_name: str, table: csv_read.Table, form, status: int = 200):
    rows: list[csv_io.Row] = []
    try:
        rows = csv_io.check_rows(get_session(), team=g.team, table=table, mapping=mapping_of(form))
    except ValidationFailed as error:
        apply_domain_error(form, error, {name: f"map_{name}" for name in csv_mapping.FIELDS})
    get_session().rollback()
    bad = [row for row in rows if row.errors]
    shown = (bad + [row for row in rows if not row.errors])[:PREVIEW_ROWS]
    shown.sort(key=lambda row: row.number)
    return render_template(
        "csvio/mapping.html",
        form=form,
        token=token,
        file_name=file_name,
        table=table,
        rows=shown,
        total=len(table.rows),
        bad=len(bad),
        checked=bool(rows),
        limit=PREVIEW_ROWS,
    ), status


@bp.route("/import/<token>", methods=["GET", "POST"])
@requires("hypothesis.import")
def mapping(token: str):
    """Map the file's columns to our fields, preview each row's problems, import all or none."""
    data, file_name = _load(token)
    try:
        table = csv_read.read_table(data)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("csvio.index"))
    if request.method == "GET":
        form = mapping_form(table.headers, csv_mapping.guess_mapping(table.headers))
        return _render_mapping(token, file_name, table, form)
    form = mapping_form(table.headers, {}, formdata=request.form)
    if not form.validate_on_submit():
        return _render_mapping(token, file_name, table, form, 422)
    if request.form.get("action") != "import":
        return _render_mapping(token, file_name, table, form)
    try:
        result = csv_io.import_backlog(
            get_session(),
            team=g.team,
            actor=current_user,
            data=data,
            mapping=mapping_of(form),
            file_name=file_name,
        )
    except Conflict as error:
        _pending_path(token).unlink(missing_ok=True)
        flash(error.message, "warning")
        return redirect(url_for("csvio.index"))
    except ValidationFailed as error:
        flash(error.message, "danger")
        return _render_mapping(token, file_name, table, form, 422)
    _pending_path(token).unlink(missing_ok=True)
    flash(
        _(
            "Imported %(n)d hypotheses: %(b)d in the backlog, %(i)d as ideas.",
            n=result.created,
            b=result.in_backlog,
            i=result.ideas,
        ),
        "success",
    )
    return redirect(
        url_for("backlog.index")
        if "backlog.index" in current_app.view_functions
        else url_for("csvio.index")
    )
