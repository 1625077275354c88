"""Stored analyses of a test: listing, re-running with the current engine, reproducing."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

import stats
from hypotheses.domain.core.errors import Conflict, NotFound
from hypotheses.domain.experiments.analyses import ahead, analyse_ahead, run_engine, save_analysis
from hypotheses.domain.experiments.common import (
    get_experiment,
    record_experiment,
    require_role,
    use_case,
)
from hypotheses.models import Analysis, Experiment, Team, User


def team_analysis(session: Session, *, team: Team, analysis_id: int) -> Analysis:
    """Return the team's stored analysis; NotFound for a missing id or another team's."""
    analysis = session.exec(
        select(Analysis)
        .join(Experiment, col(Experiment.id) == col(Analysis.experiment_id))
        .where(Analysis.id == analysis_id, Experiment.team_id == team.id)
    ).first()
    if analysis is None:
        raise NotFound(_("There is no such analysis in this team."))
    return analysis


def list_analyses(session: Session, *, team: Team, hypothesis_id: int) -> list[Analysis]:
    """Return every stored analysis of the test, newest first (re-runs beside the originals)."""
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    return list(
        session.exec(
            select(Analysis)
            .where(Analysis.experiment_id == experiment.id)
            .order_by(col(Analysis.id).desc())
        ).all()
    )


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in str(text).split("."))
    except ValueError:
        return ()  # not a version we know: older than any


def made_by_older_engine(analysis: Analysis) -> bool:
    """Tell whether *analysis* was made by an engine older than the current one."""
    return _version(analysis.engine_version) < _version(stats.ENGINE_VERSION)


def newer_analysis(session: Session, analysis: Analysis) -> Analysis | None:
    """Return the newest analysis of the same results when it is not *analysis* (for example
    its re-run with a newer engine, or the final analysis of results first seen as a look)."""
    newest = session.exec(
        select(Analysis)
        .where(Analysis.result_set_id == analysis.result_set_id)
        .order_by(col(Analysis.id).desc())
    ).first()
    return newest if newest is not None and newest.id != analysis.id else None


def _rerun_ahead(session: Session, *, team: Team, analysis_id: int, **_kwargs: Any) -> None:
    analyse_ahead(session, dict(team_analysis(session, team=team, analysis_id=analysis_id).inputs))


@ahead(_rerun_ahead)
@use_case
def rerun_analysis(
    session: Session, *, team: Team, actor: User | None, hypothesis_id: int, analysis_id: int
) -> Analysis:
    """Re-run a stored analysis made by an older engine on its stored inputs with the current
    engine, and store the result as a new analysis of the same results; the old one stays.

    Only the current analysis of its results is re-run (once re-run, the new one is current).
    The engine runs before the write lock is taken (analyse_ahead).
    :raises Conflict: the analysis is already the current engine's, or newer exists.
    """
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    old = team_analysis(session, team=team, analysis_id=analysis_id)
    if old.experiment_id != experiment.id:
        raise NotFound(_("There is no such analysis in this test."))
    version = stats.ENGINE_VERSION
    if not made_by_older_engine(old):
        raise Conflict(
            _(
                "This analysis was made with engine %(version)s, the current one; there is "
                "nothing to re-run.",
                version=old.engine_version,
            )
        )
    newer = newer_analysis(session, old)
    if newer is not None:
        raise Conflict(
            _(
                "These results already have a newer analysis (made with engine %(version)s); "
                "re-run that one if it is older than %(current)s.",
                version=newer.engine_version,
                current=version,
            )
        )
    require_role(session, "rerun_analysis", team=team, actor=actor)
    analysis = save_analysis(session, old.experiment_id, old.result_set_id, dict(old.inputs))
    record_experiment(
        session,
        experiment,
        actor=actor,
        action="experiment.rerun",
        changes={"engine_version": [old.engine_version, analysis.engine_version]},
        note=f"analysis {old.id} → {analysis.id}",
    )
    return analysis


def reproduce_analysis(session: Session, *, team: Team, analysis_id: int) -> dict[str, Any]:
    """Re-run the engine on a stored analysis's inputs; tell whether the output is the same.

    Returns {"same": bool, "stored": dict, "recomputed": dict, "engine_version": str}; a
    different engine version may legitimately give different numbers.
    """
    analysis = team_analysis(session, team=team, analysis_id=analysis_id)
    stored = analysis.output
    recomputed = run_engine(analysis.inputs).to_dict()
    return {
        "same": recomputed == stored,
        "stored": stored,
        "recomputed": recomputed,
        "engine_version": recomputed["engine_version"],
    }
