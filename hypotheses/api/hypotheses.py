"""Hypotheses: list, create, read, edit (optimistic lock), approve, reject, archive."""

from __future__ import annotations

from flask import g

from hypotheses.api.auth import as_token_user, current_actor
from hypotheses.api.blueprint import bp
from hypotheses.api.openapi import operations
from hypotheses.api.schemas import (
    HypothesisCreate,
    HypothesisCreated,
    HypothesisOut,
    HypothesisPage,
    HypothesisPatch,
    HypothesisQuery,
    RejectIn,
    VersionIn,
)
from hypotheses.api.shaping import filled, of_row
from hypotheses.db import get_session
from hypotheses.domain.backlog import lifecycle as backlog
from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.backlog import scoring
from hypotheses.models import Hypothesis

TAG = "hypotheses"
# The list and a new hypothesis; one hypothesis read or edited; a POST that moves it (its
# version in the body, 409 when stale), each answering the hypothesis.
on_hypotheses = operations(bp, tag=TAG, prefix="/hypotheses")
on_one = operations(bp, tag=TAG, prefix="/hypotheses/<int:hypothesis_id>", response=HypothesisOut)
move = operations(
    bp,
    tag=TAG,
    prefix="/hypotheses/<int:hypothesis_id>",
    method="POST",
    body=VersionIn,
    body_required=False,
    response=HypothesisOut,
    errors=(409,),
)


def hypothesis_out(
    hypothesis: Hypothesis, score: float | None = None, rice: float | None = None
) -> HypothesisOut:
    """Serialise a hypothesis with its score under the team's formula."""
    h = hypothesis
    if score is None:
        score = scoring.ice_score(h.impact, h.confidence, h.ease, g.team.score_formula)
        rice = scoring.rice_score(h.reach, h.impact, h.confidence, h.effort)
    return filled(
        HypothesisOut,
        of_row(h),
        score=scoring.rounded(score),
        rice=scoring.rounded(rice),
        tags=h.tag_list,
        links=h.link_list,
    )


@on_hypotheses(
    "",
    "GET",
    summary="List hypotheses, best score first",
    permission="hypothesis.view",
    query=HypothesisQuery,
    response=HypothesisPage,
)
def list_hypotheses(query: HypothesisQuery):
    """Filter by status, stage, lever, subject and words (q); sorted by score, ties by age."""
    args = query.model_dump(exclude_none=True)
    result = backlog_queries.list_hypotheses(get_session(), team=g.team, **args)
    return HypothesisPage(
        items=[hypothesis_out(row.hypothesis, row.score, row.rice) for row in result.items],
        page=result.page,
        pages=result.pages,
        total=result.total,
        per_page=result.per_page,
    )


@on_hypotheses(
    "",
    "POST",
    summary="Add a hypothesis",
    permission="hypothesis.create",
    body=HypothesisCreate,
    response=HypothesisCreated,
    status=201,
)
def create_hypothesis(body: HypothesisCreate):
    """It enters the backlog when there is room; otherwise it waits as an idea (entered_backlog
    false, with the reason in message)."""
    data = body.model_dump(exclude_unset=True)
    hypothesis, room = backlog.create_hypothesis(
        get_session(), team=g.team, actor=current_actor(), data=data
    )
    message = (
        None
        if room
        else backlog_queries.full_message(
            g.team, backlog_queries.backlog_size(get_session(), team=g.team)
        )
    )
    out = hypothesis_out(hypothesis)
    return HypothesisCreated(**out.model_dump(), entered_backlog=room, message=message)


@on_one("", "GET", summary="Read a hypothesis", permission="hypothesis.view")
def get_hypothesis(hypothesis_id: int):
    """The hypothesis with its current `version` (send it back when you PATCH)."""
    return hypothesis_out(
        backlog_queries.get_hypothesis(get_session(), team=g.team, hypothesis_id=hypothesis_id)
    )


@on_one(
    "",
    "PATCH",
    summary="Edit a hypothesis",
    permission="hypothesis.edit",
    body=HypothesisPatch,
    errors=(409,),
)
def patch_hypothesis(hypothesis_id: int, body: HypothesisPatch):
    """Send `version` as read plus the fields to change. A stale version gets 409 with the
    changes made since; editing an approved hypothesis's substance sends it back to the
    backlog."""
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    hypothesis, _reset = backlog.update_hypothesis(
        get_session(),
        hypothesis_id=hypothesis_id,
        team=g.team,
        actor=current_actor(),
        data=data,
        version=version,
    )
    return hypothesis_out(hypothesis)


def _moved(use_case, hypothesis_id: int, **arguments) -> HypothesisOut:
    """Run a backlog status change on the hypothesis as the token's user; answer it."""
    return hypothesis_out(as_token_user(use_case, hypothesis_id, **arguments))


@move("/approve", summary="Approve for testing", permission="hypothesis.approve")
def approve_hypothesis(hypothesis_id: int, body: VersionIn):
    """A lead approves a backlog hypothesis (not their own, unless the team allows it)."""
    return _moved(backlog.approve, hypothesis_id, version=body.version)


@move(
    "/reject", summary="Reject", permission="hypothesis.reject", body=RejectIn, body_required=True
)
def reject_hypothesis(hypothesis_id: int, body: RejectIn):
    """A lead rejects an idea or backlog hypothesis, with a reason."""
    return _moved(backlog.reject, hypothesis_id, reason=body.reason, version=body.version)


@move("/archive", summary="Archive", permission="hypothesis.archive")
def archive_hypothesis(hypothesis_id: int, body: VersionIn):
    """Archive a hypothesis that is not being tested."""
    return _moved(backlog.archive, hypothesis_id, version=body.version)
