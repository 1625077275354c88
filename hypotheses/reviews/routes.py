"""Views of the review archive and the draft editor: open the week, KPIs, decisions, details."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from hypotheses.db import get_session
from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.core import weeks
from hypotheses.domain.core.errors import Conflict, DomainError, NotFound, StaleVersion
from hypotheses.domain.core.weeks import monday_of
from hypotheses.domain.reviews import decisions as review_decisions
from hypotheses.domain.reviews import kpis, publishing
from hypotheses.domain.reviews import lifecycle as reviews
from hypotheses.domain.reviews import queries as review_queries
from hypotheses.domain.reviews.agenda import agenda
from hypotheses.enums import ItemStatus, ReviewStatus
from hypotheses.forms import ConfirmForm, apply_domain_error
from hypotheses.permissions import requires
from hypotheses.reviews.blueprint import bp
from hypotheses.reviews.forms import DecisionForm, DetailsForm, kpi_form
from hypotheses.sparkline import sparkline_svg


def review_or_404(iso_week: str):
    """Return the current team's review of *iso_week*, or answer 404."""
    try:
        return review_queries.get_review(get_session(), team=g.team, iso_week=iso_week)
    except NotFound:
        abort(404)


def draft_or_404(iso_week: str):
    """Return the draft of *iso_week*; a published review redirects to its read view."""
    review = review_or_404(iso_week)
    if review.status != ReviewStatus.DRAFT:
        flash(
            _("This review is published and read-only. Corrections go in an addendum."), "warning"
        )
        abort(redirect(url_for("reviews.show", iso_week=review.iso_week)))
    return review


def _back(review, anchor: str = ""):
    return redirect(
        url_for("reviews.show", iso_week=review.iso_week) + (f"#{anchor}" if anchor else "")
    )


def _flash_error(error: DomainError) -> None:
    flash(error.message, "danger")
    for messages in error.fields.values():
        for message in messages:
            if message != error.message:
                flash(message, "danger")


def run_on_review(use_case, review, form=None, *, missing_is_404: bool = False, **arguments):
    """Run a review use case on *review* as the signed-in user: (its result, None), or (None,
    the refusal) shown on *form*'s fields, else flashed; *missing_is_404*: NotFound answers 404."""
    try:
        result = use_case(
            get_session(), team=g.team, actor=current_user, review=review, **arguments
        )
    except DomainError as error:
        if missing_is_404 and isinstance(error, NotFound):
            abort(404)
        if form is None or not apply_domain_error(form, error):
            _flash_error(error)
        return None, error
    return result, None


@bp.route("/")
@requires("review.view")
def index():
    """List the team's reviews (viewers see published ones) and offer to open this week's."""
    db = get_session()
    rows = review_queries.list_reviews(
        db, team=g.team, user=current_user, include_drafts=review_queries.may_see_drafts(g.role)
    )
    this_week = weeks.iso_week_of()
    existing = request.args.get("existing")
    return render_template(
        "reviews/index.html",
        rows=rows,
        this_week=this_week,
        has_this_week=any(r.review.iso_week == this_week for r in rows),
        existing=existing if existing in {r.review.iso_week for r in rows} else None,
    )


@bp.post("/open")
@requires("review.draft")
def open_week():
    """Open this week's review; a second opening is refused with a link to the existing one."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        review = reviews.open_review(get_session(), team=g.team, actor=current_user)
    except Conflict as error:
        flash(error.message, "warning")
        return redirect(url_for("reviews.index", existing=error.details.get("iso_week")))
    from hypotheses.domain.sources.kpis import fill_review  # KPIs from SQL (issue 16)

    for problem in fill_review(get_session(), team=g.team, review=review):
        flash(_("A KPI query failed: %(problem)s", problem=problem), "warning")
    flash(
        _(
            "The review for %(week)s is open. Enter the KPIs and record the decisions.",
            week=review.iso_week,
        ),
        "success",
    )
    return _back(review)


def sparkline_for(row) -> str:
    """Return the row's trend SVG with a descriptive title."""
    return sparkline_svg(
        row.trend_values,
        title=ngettext(
            "%(name)s over the last %(num)d week",
            "%(name)s over the last %(num)d weeks",
            len(row.trend),
            name=row.metric.name,
        ),
    )


def render_editor(
    review,
    *,
    kpi=None,
    decision=None,
    details=None,
    changes=None,
    status=200,
    publish_error=None,
    publish_reason=None,
):
    """Render the draft editor with any forms that carry errors (*publish_error*: the refusal
    of a publish outside the rules, shown at the reason field of the checklist)."""
    db = get_session()
    members = backlog_queries.team_members(db, team=g.team)
    table = kpis.kpi_table(db, team=g.team, review=review)
    if kpi is None:
        kpi = kpi_form(
            [r.metric for r in table.rows],
            {r.metric.id: r.value for r in table.rows},
            formdata=None,
        )
    if decision is None:
        monday = monday_of(review.iso_week)
        decision = DecisionForm(
            formdata=None, owner_id=current_user.id, due=monday + timedelta(days=11)
        )
    decision.set_choices(members, review_decisions.linkable_hypotheses(db, team=g.team))
    if details is None:
        details = DetailsForm(formdata=None)
        details.load(review, members)
    details.set_members(members)
    lines = review_decisions.decision_lines(db, review=review)
    return render_template(
        "reviews/editor.html",
        review=review,
        table=table,
        kpi_form=kpi,
        decision_form=decision,
        details_form=details,
        changes=changes,
        decisions=lines,
        decision_warning=review_queries.decision_range_warning(len(lines)),
        agenda=agenda(db, team=g.team, review=review),
        closed=review_decisions.closed_in(db, review=review),
        sparkline=sparkline_for,
        confirm=ConfirmForm(formdata=None),
        checklist=publishing.checklist(db, team=g.team, review=review),
        publish_error=publish_error,
        publish_reason=publish_reason,
    ), status


def with_choices(form: DecisionForm) -> DecisionForm:
    """Return *form* with the team's members and linkable hypotheses to choose from."""
    db = get_session()
    members = backlog_queries.team_members(db, team=g.team)
    form.set_choices(members, review_decisions.linkable_hypotheses(db, team=g.team))
    return form


@bp.route("/<iso_week>")
@requires("review.view")
def show(iso_week: str):
    """Show a review: the editor for a draft (marketer+), the read view once published."""
    try:
        review = review_queries.readable_review(
            get_session(), team=g.team, iso_week=iso_week, role=g.role
        )
    except review_queries.NotPublished as hidden:
        return render_template("reviews/not_published.html", review=hidden.review)
    except NotFound:
        abort(404)
    if review_queries.is_published(review):
        from hypotheses.reviews.read_routes import render_read

        return render_read(review)
    return render_editor(review)


@bp.post("/<iso_week>/kpis")
@requires("review.draft")
def save_kpis(iso_week: str):
    """Save this week's KPI values."""
    db = get_session()
    review = draft_or_404(iso_week)
    table = kpis.kpi_table(db, team=g.team, review=review)
    form = kpi_form([r.metric for r in table.rows], formdata=request.form)
    if not form.validate_on_submit():
        return render_editor(review, kpi=form, status=422)
    values = {r.metric.id: form[f"kpi_{r.metric.id}"].data for r in table.rows}
    changes, error = run_on_review(kpis.save_kpis, review, form, values=values)
    if error:
        return render_editor(review, kpi=form, status=422)
    flash(_("KPI values saved.") if changes else _("No KPI value changed."), "success")
    return _back(review, "kpis")


@bp.post("/<iso_week>/decisions")
@requires("review.draft")
def add_decision(iso_week: str):
    """Record a decision in the draft."""
    review = draft_or_404(iso_week)
    form = with_choices(DecisionForm())
    if not form.validate_on_submit():
        return render_editor(review, decision=form, status=422)
    _decision, error = run_on_review(review_decisions.add_decision, review, form, **form.values)
    if error:
        return render_editor(review, decision=form, status=422)
    flash(_("Decision recorded."), "success")
    return _back(review, "decisions")


@bp.route("/<iso_week>/decisions/<int:decision_id>", methods=["GET", "POST"])
@requires("review.draft")
def edit_decision(iso_week: str, decision_id: int):
    """Edit one decision of the draft."""
    db = get_session()
    review = review_or_404(iso_week)
    line = next(
        (
            d
            for d in review_decisions.decision_lines(db, review=review)
            if d.decision.id == decision_id
        ),
        None,
    )
    if line is None:
        abort(404)
    if review.status != ReviewStatus.DRAFT:
        return _back(review, "decisions")
    form = DecisionForm(obj=line.decision if request.method == "GET" else None)
    if request.method == "GET":
        form.hypothesis_id.data = str(line.decision.hypothesis_id or "")
    with_choices(form)
    form.submit.label.text = _("Save decision")
    status = 200
    if form.validate_on_submit():
        _changes, error = run_on_review(
            review_decisions.update_decision, review, form, decision_id=decision_id, **form.values
        )
        if not error:
            flash(_("Decision saved."), "success")
            return _back(review, "decisions")
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "reviews/edit_decision.html", review=review, form=form, line=line
    ), status


@bp.post("/<iso_week>/decisions/<int:decision_id>/remove")
@requires("review.draft")
def remove_decision(iso_week: str, decision_id: int):
    """Delete a decision from the draft."""
    review = draft_or_404(iso_week)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _removed, error = run_on_review(
        review_decisions.remove_decision, review, missing_is_404=True, decision_id=decision_id
    )
    if not error:
        flash(_("Decision removed."), "success")
    return _back(review, "decisions")


@bp.post("/<iso_week>/earlier/<int:decision_id>/<status>")
@requires("review.draft")
def close_earlier(iso_week: str, decision_id: int, status: str):
    """Mark an earlier week's decision done, or carry it over into this review."""
    if status not in (ItemStatus.DONE, ItemStatus.CARRIED):
        abort(404)
    review = draft_or_404(iso_week)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _closed, error = run_on_review(
        review_decisions.close_previous_decision,
        review,
        missing_is_404=True,
        decision_id=decision_id,
        status=status,
    )
    if not error:
        flash(
            _("Marked done.")
            if status == ItemStatus.DONE
            else _("Carried over into this week's decisions."),
            "success",
        )
    return _back(review, "earlier")


@bp.post("/<iso_week>/details")
@requires("review.draft")
def save_details(iso_week: str):
    """Save attendees and notes, refusing a stale form."""
    db = get_session()
    review = draft_or_404(iso_week)
    form = DetailsForm()
    form.set_members(backlog_queries.team_members(db, team=g.team))
    if not form.validate_on_submit():
        return render_editor(review, details=form, status=422)
    try:
        reviews.update_details(
            db,
            team=g.team,
            actor=current_user,
            review=review,
            attendees=form.attendees(),
            notes=form.notes.data or "",
            version=form.version.data,
        )
    except StaleVersion as error:
        form.version.raw_data = None
        form.version.data = error.current_version
        return render_editor(review, details=form, changes=error.changes, status=409)
    except DomainError as error:
        if not apply_domain_error(form, error):
            _flash_error(error)
        return render_editor(review, details=form, status=422)
    flash(_("Attendees and notes saved."), "success")
    return _back(review, "details")
