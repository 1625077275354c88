"""Views of a published review: publish, the read view, read receipts, addenda, print, Markdown."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hypotheses.db import get_session
from hypotheses.domain.core.errors import DomainError, NotFound
from hypotheses.domain.reviews import decisions as review_decisions
from hypotheses.domain.reviews import kpis
from hypotheses.domain.reviews import lifecycle as reviews
from hypotheses.domain.reviews import queries as review_queries
from hypotheses.domain.reviews.agenda import period_start, tests_between
from hypotheses.domain.reviews.export import review_markdown
from hypotheses.enums import ReviewStatus
from hypotheses.forms import ConfirmForm
from hypotheses.models import User
from hypotheses.permissions import can, requires
from hypotheses.reviews.blueprint import bp
from hypotheses.reviews.forms import AddendumForm
from hypotheses.reviews.routes import render_editor, review_or_404, run_on_review, sparkline_for


def _context(review) -> dict:
    db = get_session()
    return {
        "review": review,
        "table": kpis.kpi_table(db, team=g.team, review=review),
        "decisions": review_decisions.decision_lines(db, review=review),
        "closed": review_decisions.closed_in(db, review=review),
        "tests": tests_between(
            db,
            team=g.team,
            since=period_start(db, team=g.team, review=review),
            until=review.published_at,
        ),
        "addenda": review_queries.addenda_of(db, review=review),
        "publisher": db.get(User, review.published_by_id) if review.published_by_id else None,
        "sparkline": sparkline_for,
    }


def render_read(review, *, addendum=None, status=200):
    """Render the clean read view of a published review."""
    db = get_session()
    if addendum is None and can("review.publish"):
        addendum = AddendumForm(formdata=None)
    return render_template(
        "reviews/read.html",
        **_context(review),
        addendum_form=addendum,
        has_read=review_queries.has_read(db, review=review, user=current_user),
        readers=review_queries.readers(db, team=g.team, review=review)
        if can("review.publish")
        else None,
        confirm=ConfirmForm(formdata=None),
    ), status


@bp.post("/<iso_week>/publish")
@requires("review.publish")
def publish(iso_week: str):
    """Publish the draft: it becomes read-only and readers are asked to read it."""
    review = review_or_404(iso_week)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reason = request.form.get("reason")
    try:
        warnings = reviews.publish(
            get_session(), team=g.team, actor=current_user, review=review, reason=reason
        )
    except DomainError as error:
        if error.field == "reason":  # outside the rules: the reason field says what is missing
            return render_editor(
                review, status=422, publish_error=error.message, publish_reason=reason
            )
        flash(error.message, "danger")
        if review.status != ReviewStatus.DRAFT:
            return redirect(url_for("reviews.show", iso_week=review.iso_week))
        return render_editor(review, status=409)
    for warning in warnings:
        flash(warning, "warning")
    flash(
        _("The review for %(week)s is published. It is read-only now.", week=review.iso_week),
        "success",
    )
    return redirect(url_for("reviews.show", iso_week=review.iso_week))


@bp.post("/<iso_week>/read")
@requires("review.read")
def mark_read(iso_week: str):
    """Mark the published review as read by the current user."""
    review = review_or_404(iso_week)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _marked, error = run_on_review(reviews.mark_read, review)
    if error is None:
        flash(_("Marked as read. Thank you."), "success")
    return redirect(url_for("reviews.show", iso_week=review.iso_week))


@bp.post("/<iso_week>/addenda")
@requires("review.publish")
def add_addendum(iso_week: str):
    """Add a dated correction to a published review."""
    review = review_or_404(iso_week)
    form = AddendumForm()
    if not form.validate_on_submit():
        return render_read(review, addendum=form, status=422)
    _addendum, error = run_on_review(reviews.add_addendum, review, form, text=form.text.data)
    if error:
        return render_read(review, addendum=form, status=422)
    flash(_("Addendum added."), "success")
    return redirect(url_for("reviews.show", iso_week=review.iso_week) + "#addenda")


def _published_or_404(iso_week: str):
    try:
        return review_queries.readable_review(
            get_session(), team=g.team, iso_week=iso_week, role=g.role
        )
    except NotFound:  # a draft to a viewer too (NotPublished)
        abort(404)


@bp.route("/<iso_week>/print")
@requires("review.view")
def print_view(iso_week: str):
    """Show a printable page of the review."""
    review = _published_or_404(iso_week)
    return render_template("reviews/print.html", **_context(review))


@bp.route("/<iso_week>/markdown")
@requires("review.view")
def markdown(iso_week: str):
    """Download the review as a Markdown file."""
    review = _published_or_404(iso_week)
    text = review_markdown(get_session(), team=g.team, review=review)
    filename = f"review-{review.iso_week}.md"
    return Response(
        text,
        content_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
