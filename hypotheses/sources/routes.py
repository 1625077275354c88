"""The team's data sources: leads and admins add, edit and delete them; marketers test them."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hypotheses.db import get_session
from hypotheses.domain.core.errors import DomainError
from hypotheses.domain.sources import catalog, engines
from hypotheses.forms import ConfirmForm, distinct_ids
from hypotheses.permissions import can, requires
from hypotheses.sources.blueprint import bp
from hypotheses.sources.forms import SourceForm
from hypotheses.web_forms import refused


def _render(form=None, edit=None, status=200):
    return render_template(
        "sources/index.html",
        sources=catalog.list_sources(get_session(), team=g.team),
        kinds=engines.KINDS,
        form=distinct_ids(form or SourceForm(formdata=None), "new")
        if can("source.manage")
        else None,
        edit=edit,
        confirm=ConfirmForm(formdata=None),
    ), status


def _values(form: SourceForm) -> catalog.SourceForm:
    return catalog.SourceForm(
        name=form.name.data or "",
        kind=form.kind.data or "",
        connection=form.connection.data or "",
        timeout_s=form.timeout_s.raw_data[0] if form.timeout_s.raw_data else None,
        max_rows=form.max_rows.raw_data[0] if form.max_rows.raw_data else None,
    )


@bp.route("/")
@requires("source.use")
def index():
    """The team's sources (connections masked); leads also get the forms."""
    return _render()


@bp.post("/new")
@requires("source.manage")
def create():
    form = SourceForm()
    if form.validate_on_submit():
        try:
            source = catalog.create_source(
                get_session(), team=g.team, actor=current_user, form=_values(form)
            )
        except DomainError as error:
            refused(form, error)
        else:
            flash(_("Source “%(name)s” saved.", name=source.name), "success")
            return redirect(url_for("sources.index"))
    return _render(form=form, status=422)


@bp.route("/<int:source_id>/edit", methods=["GET", "POST"])
@requires("source.manage")
def edit(source_id: int):
    session = get_session()
    try:
        source = catalog.get_source(session, team=g.team, source_id=source_id)
    except DomainError:
        abort(404)
    form = SourceForm()
    status = 200
    if not form.is_submitted():
        form = SourceForm(formdata=None, obj=source)
    else:
        if form.validate_on_submit():
            try:
                catalog.update_source(
                    session,
                    team=g.team,
                    actor=current_user,
                    source_id=source_id,
                    form=_values(form),
                )
            except DomainError as error:
                refused(form, error)
            else:
                flash(_("Source “%(name)s” saved.", name=form.name.data), "success")
                return redirect(url_for("sources.index"))
        status = 422
    return render_template("sources/edit.html", form=form, source=source), status


@bp.post("/<int:source_id>/delete")
@requires("source.manage")
def delete(source_id: int):
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired; try again."), "warning")
        return redirect(url_for("sources.index"))
    try:
        catalog.delete_source(get_session(), team=g.team, actor=current_user, source_id=source_id)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash(_("Source deleted."), "success")
    return redirect(url_for("sources.index"))


@bp.post("/<int:source_id>/check")
@requires("source.use")
def check(source_id: int):
    """Test the connection: the engine's own message when it fails."""
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired; try again."), "warning")
        return redirect(url_for("sources.index"))
    try:
        seconds = catalog.check_source(
            get_session(), team=g.team, actor=current_user, source_id=source_id
        )
    except DomainError as error:
        flash(_("The connection failed: %(message)s", message=error.message), "danger")
    else:
        flash(_("The connection works (%(s)s s).", s=f"{seconds:.2f}"), "success")
    return redirect(url_for("sources.index"))
