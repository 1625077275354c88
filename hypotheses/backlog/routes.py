"""Views of the backlog: the list, a hypothesis page, create, edit and the state buttons."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from hypotheses.audit_notes import audit_label
from hypotheses.backlog import listing, page_cache, page_parts
from hypotheses.backlog.blueprint import bp
from hypotheses.backlog.display import (
    audit_changes,
    changes_for_screen,
    describe_stale,
    user_names,
)
from hypotheses.backlog.forms import (
    HypothesisForm,
    ReasonForm,
    ScoreForm,
)
from hypotheses.backlog.view_choice import board_chosen, remember_view
from hypotheses.db import get_session
from hypotheses.domain.backlog import lifecycle as backlog
from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.backlog import rules as backlog_rules
from hypotheses.domain.backlog import scoring
from hypotheses.domain.backlog.fields import FIELD_LABELS
from hypotheses.domain.backlog.versions import ENTITY
from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import (
    DomainError,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from hypotheses.domain.core.pagination import page_number
from hypotheses.enums import Status
from hypotheses.forms import apply_domain_error
from hypotheses.models import Hypothesis, utcnow
from hypotheses.permissions import can, requires
from hypotheses.web_forms import as_user, values_of

LIST_ARGS = ("status", "stage", "lever", "subject", "owner_id", "q", "sort", "page")


def get_or_404(hypothesis_id: int) -> Hypothesis:
    try:
        return backlog_queries.get_hypothesis(
            get_session(), team=g.team, hypothesis_id=hypothesis_id
        )
    except NotFound:
        abort(404)


def list_args() -> dict[str, str]:
    """Return the list's filter arguments of this request (to go back to the same view)."""
    return {k: v[:200] for k, v in request.args.items() if k in LIST_ARGS and v}


def _render_index(score_forms: dict[int, ScoreForm] | None = None, status: int = 200):
    page_key = None if score_forms else page_cache.key()
    kept = page_cache.get(page_key)
    if kept is not None:
        return kept, status
    db = get_session()
    members = backlog_queries.member_names(db, team=g.team)
    criteria, fields = page_parts.read_filters(
        members, rice=g.team.rice_enabled, formdata=request.args
    )
    health = backlog_queries.health(db, team=g.team)
    page = backlog_queries.list_lines(
        db,
        team=g.team,
        page=page_number(request.args.get("page")),
        per_page=current_app.config.get("PAGE_SIZE", 25),
        counts=health.by_status,
        **criteria,
    )
    args = {k: v for k, v in list_args().items() if k != "page"}
    may_score = can("hypothesis.edit")
    now = utcnow()
    html = render_template(
        "backlog/index.html",
        page=page,
        rows_html=listing.rows(
            page.items,
            formula=g.team.score_formula,
            may_score=may_score,
            editable=backlog_rules.EDITABLE,
            args=args,
            now=now,
            rice=g.team.rice_enabled,
            token=generate_csrf() if may_score else None,  # one token for every row's form
            score_forms=score_forms,
        ),
        parts=page_parts.page_parts("list", fields, args, page),
        headers=page_parts.headers(criteria.get("sort", "score"), args, rice=g.team.rice_enabled),
        args=args,
        health_html=page_parts.health_html(health),
        team_empty=not any(health.by_status.values()),
    )
    page_cache.put(page_key, html, now=now, created=[line.created_at for line in page.items])
    return html, status


@bp.route("/")
@requires("hypothesis.view")
def index():
    """List the team's hypotheses by score, with filters, inline ICE scores and backlog health.

    A user who last chose the board gets the board, unless they ask for the list (?view=list).
    """
    view = request.args.get("view")
    if view == "list":
        remember_view("list")
    elif view is None and board_chosen():
        kept = {k: v for k, v in list_args().items() if k not in ("status", "sort", "page")}
        return redirect(url_for("backlog.board", **kept))
    return _render_index()


@bp.route("/new", methods=["GET", "POST"])
@requires("hypothesis.create")
def create():
    """Write a new hypothesis; it enters the backlog if there is room, else waits as an idea."""
    db = get_session()
    form = HypothesisForm()
    form.set_owners(backlog_queries.team_members(db, team=g.team), rice=g.team.rice_enabled)
    if request.method == "GET":
        form.owner_id.data = str(current_user.id)
    elif form.validate_on_submit():
        try:
            hypothesis, entered = backlog.create_hypothesis(
                db, team=g.team, actor=current_user, data=form.values()
            )
        except DomainError as error:
            apply_domain_error(form, error) or flash(error.message, "danger")
        else:
            if entered:
                flash(_("Added “%(title)s” to the backlog.", title=hypothesis.title), "success")
            else:
                flash(
                    backlog_queries.full_message(
                        g.team, backlog_queries.backlog_size(db, team=g.team)
                    ),
                    "warning",
                )
            return redirect(url_for("backlog.detail", hypothesis_id=hypothesis.id))
    status = 422 if any(f.errors for f in form) else 200
    return render_template(
        "backlog/create.html", form=form, health=backlog_queries.health(db, team=g.team)
    ), status


def render_detail(hypothesis: Hypothesis, reject_form: ReasonForm | None = None, status: int = 200):
    db = get_session()
    history = audit.history(db, entity=ENTITY, entity_id=hypothesis.id)
    ids = [hypothesis.owner_id, hypothesis.created_by_id, hypothesis.approved_by_id]
    for entry, _user in history:
        for key in ("owner_id", "approved_by_id"):
            ids += audit_changes(entry).get(key, [])
    return render_template(
        "backlog/detail.html",
        h=hypothesis,
        history=history,
        names=user_names(db, ids),
        reject_form=reject_form or ReasonForm(),
        fields=FIELD_LABELS,
        audit_label=audit_label,
        audit_changes=audit_changes,
        actions=backlog.actions_for(hypothesis, team=g.team, actor=current_user, role=g.role),
        own="approve" in backlog_rules.permitted_actions(hypothesis.status, g.role)
        and backlog.author_blocked(hypothesis, team=g.team, actor=current_user),
        state=Status.flags(hypothesis.status),
        score=scoring.ice_score(
            hypothesis.impact, hypothesis.confidence, hypothesis.ease, g.team.score_formula
        ),
        rice=scoring.rice_score(
            hypothesis.reach, hypothesis.impact, hypothesis.confidence, hypothesis.effort
        ),
    ), status


@bp.route("/<int:hypothesis_id>")
@requires("hypothesis.view")
def detail(hypothesis_id: int):
    """Show a hypothesis: the sentence, scores, status, approval, buttons and its history."""
    return render_detail(get_or_404(hypothesis_id))


@bp.route("/<int:hypothesis_id>/edit", methods=["GET", "POST"])
@requires("hypothesis.edit")
def edit(hypothesis_id: int):
    """Edit a hypothesis; a save made on an outdated page is refused and shows what changed."""
    db = get_session()
    hypothesis = get_or_404(hypothesis_id)
    form = HypothesisForm()
    form.set_owners(backlog_queries.team_members(db, team=g.team), rice=g.team.rice_enabled)
    changes: list[dict] = []
    status = 200
    if request.method == "GET":
        if "edit" not in backlog.allowed_actions(hypothesis):
            flash(
                _(
                    "This hypothesis can no longer be edited: its test has started or it is "
                    "archived. Create a follow-up hypothesis instead."
                ),
                "warning",
            )
            return redirect(url_for("backlog.detail", hypothesis_id=hypothesis.id))
        form.load(backlog_rules.values_of(hypothesis))
        form.load({"version": hypothesis.version})
    elif form.validate_on_submit():
        typed = form.values()
        try:
            hypothesis, reset = backlog.update_hypothesis(
                db,
                hypothesis_id=hypothesis.id,
                team=g.team,
                actor=current_user,
                data=typed,
                version=form.version.data,
            )
        except StaleVersion as error:
            changes = changes_for_screen(error.changes)
            current = get_or_404(hypothesis_id)
            typed["owner_id"] = int(typed["owner_id"]) if typed.get("owner_id") else None
            form.load(
                backlog_rules.merge_after_conflict(
                    backlog_rules.values_of(current), error.changes, typed
                )
            )
            form.load({"version": error.current_version})
            hypothesis, status = current, 409
        except DomainError as error:
            apply_domain_error(form, error) or flash(error.message, "danger")
            hypothesis, status = get_or_404(hypothesis_id), 422
        else:
            if reset:
                flash(
                    _(
                        "Changes saved. The hypothesis had been approved, so it went back to the "
                        "backlog and needs a lead's approval again."
                    ),
                    "warning",
                )
            else:
                flash(_("Changes saved."), "success")
            return redirect(url_for("backlog.detail", hypothesis_id=hypothesis.id))
    else:
        status = 422
    return render_template(
        "backlog/edit.html",
        form=form,
        h=hypothesis,
        changes=changes,
        state=Status.flags(hypothesis.status),
    ), status


@bp.route("/<int:hypothesis_id>/score", methods=["POST"])
@requires("hypothesis.edit")
def score(hypothesis_id: int):
    """Save the inline ICE scores of one row and go back to the same list."""
    hypothesis = get_or_404(hypothesis_id)
    form = ScoreForm()
    if not form.validate_on_submit():
        return _render_index({hypothesis.id: form}, status=422)
    try:
        hypothesis = as_user(
            backlog.set_scores,
            hypothesis.id,
            **values_of(form, "impact", "confidence", "ease", "version"),
        )
    except StaleVersion as error:
        flash(describe_stale(error), "warning")
    except ValidationFailed as error:
        apply_domain_error(form, error)
        return _render_index({hypothesis_id: form}, status=422)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash(
            _(
                "Scores of “%(title)s” saved: I %(i)d, C %(c)d, E %(e)d.",
                title=hypothesis.title,
                i=hypothesis.impact,
                c=hypothesis.confidence,
                e=hypothesis.ease,
            ),
            "success",
        )
    return redirect(url_for("backlog.index", **list_args()) + f"#row-{hypothesis_id}")
