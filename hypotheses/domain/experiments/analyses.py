"""Analysing results: the engine's inputs and looks, run ahead of the write lock, stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

import stats
from hypotheses.domain.core.errors import DomainError, ValidationFailed
from hypotheses.domain.experiments.common import result_data
from hypotheses.domain.experiments.metric_results import engine_metrics
from hypotheses.domain.experiments.metrics import metrics_of
from hypotheses.domain.experiments.verdicts import english_verdict
from hypotheses.enums import EarlyLookMethod, MetricKind
from hypotheses.models import Analysis, Experiment, ResultSet, Team

CORRECTION = "holm"


def arm_size(rows: list[dict[str, Any]]) -> int:
    """Return a look's per-arm sample size: the smallest arm's visitors (or n)."""
    return min(int(row.get("visitors", row.get("n")) or 0) for row in rows)


def earlier_looks(session: Session, experiment: Experiment, result_set: ResultSet) -> list[int]:
    """Return the per-arm sizes of the test's looks recorded before *result_set*, in order.

    Every earlier entry of results that was not final is a look. A final entry ends the test, so
    a later one corrects it rather than looking again; an earlier entry with at least as much
    data as *result_set* is taken as corrected (or repeated) by it. Without a planned sample
    there is no group-sequential design, hence no looks.
    """
    return looks_before(session, experiment, arm_size(result_data(result_set)), result_set.id)


def looks_before(
    session: Session, experiment: Experiment, current: int, before_id: int | None
) -> list[int]:
    """Return the looks of earlier_looks for a set of *current* per-arm size entered before the
    result set *before_id* (None: a set not stored yet, after every stored one)."""
    if experiment.per_variant is None:
        return []
    query = select(ResultSet).where(
        ResultSet.experiment_id == experiment.id, col(ResultSet.final).is_(False)
    )
    if before_id is not None:
        query = query.where(col(ResultSet.id) < before_id)  # entered before it
    earlier = session.exec(query.order_by(col(ResultSet.id))).all()
    sizes = [arm_size(result_data(rs)) for rs in earlier]
    return [n for n in sizes if n < current]


def check_looks(
    looks: list[int] | None, *, current: int, planned: int | None, method: str
) -> list[int]:
    """Check earlier looks given by a caller (the API's calculator) before the engine sees them:
    none with more data per arm than *current* (the smallest arm now), and a planned sample
    for group-sequential looks. Returns the looks; ValidationFailed on the field "looks"."""
    looks = list(looks or [])
    errors = []
    larger = [n for n in looks if n > current]
    if larger:
        errors.append(
            _(
                "An earlier look cannot have more data than now: %(size)s per arm is more than "
                "the current %(current)s (the smallest arm).",
                size=f"{max(larger):,}",
                current=f"{current:,}",
            )
        )
    grouped = method != EarlyLookMethod.ALWAYS_VALID
    if grouped and planned is None and any(n < current for n in looks):
        errors.append(_("Group-sequential looks need planned_per_variant."))
    if errors:
        raise ValidationFailed({"looks": errors}, _("The earlier looks do not fit these numbers."))
    return looks


def engine_inputs(
    experiment: Experiment,
    splits: list[float],
    rows: list[dict[str, Any]],
    final: bool,
    method: str,
    looks: list[int],
    metrics: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return the engine's inputs (JSON-shaped, as stored) for per-variant *rows*."""
    if experiment.metric_kind == MetricKind.CONVERSION:
        pairs = [[r["name"], [r["visitors"], r["conversions"]]] for r in rows]
    else:
        pairs = [[r["name"], [r["n"], r["mean"], r["sd"]]] for r in rows]
    return {
        "metric_kind": experiment.metric_kind,
        "variants": pairs,
        "planned_split": splits,
        "planned_per_variant": experiment.per_variant,
        "alpha": experiment.alpha,
        "correction": CORRECTION,
        "metric_name": experiment.metric_name,
        "final": final,
        "early_look_method": method,
        "looks": looks,
        **({"metrics": metrics} if metrics else {}),
    }


def run_engine(inputs: dict[str, Any]):
    """Run stats.analyze on stored *inputs* (JSON-shaped); StatsInputError → DomainError.

    Inputs stored by engines before 2.0.0 have no early_look_method or looks: the engine's
    defaults (the always-valid result, no recorded looks) are what those engines did."""
    args = dict(inputs)
    args["variants"] = [(name, tuple(values)) for name, values in inputs["variants"]]
    try:
        return stats.analyze(**args)
    except stats.StatsInputError as error:
        raise DomainError(
            _("The statistics engine cannot analyse these numbers: %(why)s", why=str(error)),
            field="variants",
        ) from None


def look_method(session: Session, experiment: Experiment) -> str:
    """Return the early-look method of the experiment's team (O'Brien-Fleming by default)."""
    team = session.get(Team, experiment.team_id)
    method = EarlyLookMethod.find(team.early_look_method) if team else None
    return str(method or EarlyLookMethod.OBRIEN_FLEMING)


def stored_inputs(
    session: Session,
    experiment: Experiment,
    result_set: ResultSet,
    rows: list[dict[str, Any]],
    final: bool,
    splits: list[float],
) -> dict[str, Any]:
    """Return the engine inputs an analysis of *result_set* is stored with."""
    looks = earlier_looks(session, experiment, result_set)
    method = look_method(session, experiment)
    metrics = engine_metrics(metrics_of(session, experiment), result_set.metric_data)
    return engine_inputs(experiment, splits, rows, final, method, looks, metrics)


# session.info key: engine results computed before the write lock, by their inputs.
AHEAD = "hypotheses_analyses_ahead"


def _inputs_key(inputs: dict[str, Any]) -> str:
    return json.dumps(inputs, sort_keys=True, default=str)


def analyse_ahead(session: Session, inputs: dict[str, Any]) -> None:
    """Run the engine now, before a use case takes the write lock (statistics never run
    while it is held); save_analysis uses the result when its inputs under the lock are the
    same, and runs the engine itself only when they changed meanwhile (a lost race)."""
    try:
        result = run_engine(inputs)
    except DomainError:
        return  # the use case refuses the same inputs under the lock, with the same message
    session.info.setdefault(AHEAD, {})[_inputs_key(inputs)] = result


def save_analysis(
    session: Session, experiment_id: int, result_set_id: int, inputs: dict[str, Any]
) -> Analysis:
    """Store the analysis of *inputs* (the engine's result from analyse_ahead when there is
    one for the same inputs, else run now)."""
    result = session.info.get(AHEAD, {}).pop(_inputs_key(inputs), None)
    if result is None:
        result = run_engine(inputs)
    analysis = Analysis(
        experiment_id=experiment_id,
        result_set_id=result_set_id,
        engine_version=str(result.engine_version),
        inputs=inputs,
        output=result.to_dict(),
        verdict=english_verdict(result.to_dict()),  # for readers of the database; screens
        # word the verdict from the output in the reader's language
    )
    session.add(analysis)
    session.flush()
    return analysis


def ahead(prepare: Callable[..., Any]):
    """Run ``prepare(session, **kwargs)`` (which calls analyse_ahead) before the wrapped use
    case takes the write lock. A refusal there is left to the use case: it refuses the same
    inputs under the lock, with the same message."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(session: Session, **kwargs: Any):
            try:
                prepare(session, **kwargs)
            except DomainError:
                pass
            return fn(session, **kwargs)

        return wrapper

    return decorator
