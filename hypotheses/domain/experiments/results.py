"""Results of a running test: entering numbers (form, API, CSV), the stored analysis, finishing.

A result set and its analysis are stored in one transaction: the engine's inputs, its output,
its version and the verdict, so any analysis can be reproduced later (reproduce_analysis).
Results may be entered several times while the test runs (early looks); the engine judges
them by the team's early-look method (group-sequential bounds from the recorded looks, or the
always-valid result), and the final set finishes the test and frees its slot. A stored
analysis made by an older engine can be re-run with the current one (rerun_analysis): the
new analysis is stored beside the old one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, select

import stats
from hypotheses.domain.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from hypotheses.domain.core.numbers import to_int, to_number
from hypotheses.domain.experiments import finishing
from hypotheses.domain.experiments.common import (
    get_experiment,
    get_hypothesis,
    move_hypothesis,
    record_experiment,
    require_role,
    result_data,
    status_text,
    use_case,
    variants_of,
)
from hypotheses.domain.experiments.metrics import (
    clean_metric_results,
    engine_metrics,
    metrics_of,
)
from hypotheses.domain.experiments.verdicts import english_verdict
from hypotheses.domain.notifications import tell
from hypotheses.enums import (
    EarlyLookMethod,
    ExperimentStatus,
    MetricKind,
    NotificationEvent,
    Status,
)
from hypotheses.models import Analysis, Experiment, ResultSet, Team, User, utcnow

MAX_COUNT = 10**12
SOURCES = ("form", "csv", "per-user csv", "api", "sql")  # sql: a data source (issue 16)
CORRECTION = "holm"


def _int(raw: Any) -> int | None:
    return to_int(raw, minimum=0, maximum=MAX_COUNT)


def _clean_row(
    kind: str, index: int, row: dict[str, Any], errors: dict[str, list[str]]
) -> dict[str, Any]:
    def bad(key: str, message: str) -> None:
        errors.setdefault(f"{key}_{index}", []).append(message)

    if kind == MetricKind.CONVERSION:
        visitors, conversions = _int(row.get("visitors")), _int(row.get("conversions"))
        if visitors is None or not 1 <= visitors <= MAX_COUNT:
            bad("visitors", _("Visitors is a whole number of at least 1."))
        if conversions is None or not 0 <= conversions <= MAX_COUNT:
            bad("conversions", _("Conversions is a whole number, 0 or more."))
        elif visitors is not None and conversions > visitors:
            bad("conversions", _("Conversions cannot exceed visitors (%(v)d).", v=visitors))
        return {"name": row["name"], "visitors": visitors, "conversions": conversions}
    n, mean, sd = _int(row.get("n")), to_number(row.get("mean")), to_number(row.get("sd"))
    if n is None or not 2 <= n <= MAX_COUNT:
        bad("n", _("n (the number of users) is a whole number of at least 2."))
    if mean is None:
        bad("mean", _("The mean is a finite number."))
    if sd is None or sd < 0:
        bad("sd", _("The standard deviation is a finite number, 0 or more."))
    return {"name": row["name"], "n": n, "mean": mean, "sd": sd}


def clean_results(kind: str, names: list[str], rows: Any) -> list[dict[str, Any]]:
    """Validate per-variant numbers; every variant must appear exactly once, by name.

    Errors are keyed ``<number>_<variant position>`` (e.g. ``conversions_1``) or ``variants``.
    """
    if not isinstance(rows, list | tuple) or not all(isinstance(r, dict) for r in rows):
        raise ValidationFailed({"variants": [_("Give the numbers of every variant.")]})
    by_name: dict[str, dict[str, Any]] = {}
    errors: dict[str, list[str]] = {}
    for row in rows:
        name = row.get("name")
        if name not in names:
            errors.setdefault("variants", []).append(
                _(
                    "Unknown variant “%(name)s”; this test has %(names)s.",
                    name=str(name)[:60],
                    names=", ".join(names),
                )
            )
        elif name in by_name:
            errors.setdefault("variants", []).append(_("“%(name)s” is given twice.", name=name))
        else:
            by_name[name] = row
    missing = [n for n in names if n not in by_name]
    if missing:
        errors.setdefault("variants", []).append(
            _("Numbers are missing for %(names)s.", names=", ".join(f"“{m}”" for m in missing))
        )
    cleaned = [_clean_row(kind, i, by_name[n], errors) for i, n in enumerate(names) if n in by_name]
    if errors:
        raise ValidationFailed(errors, _("Some numbers need attention."))
    return cleaned


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
    return _looks_before(session, experiment, arm_size(result_data(result_set)), result_set.id)


def _looks_before(
    session: Session, experiment: Experiment, current: int, before_id: int | None
) -> list[int]:
    """The looks of earlier_looks for a set of *current* per-arm size entered before the
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


def _engine_inputs(
    experiment: Experiment,
    splits: list[float],
    rows: list[dict[str, Any]],
    final: bool,
    method: str,
    looks: list[int],
    metrics: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
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


def _look_method(session: Session, experiment: Experiment) -> str:
    team = session.get(Team, experiment.team_id)
    method = EarlyLookMethod.find(team.early_look_method) if team else None
    return str(method or EarlyLookMethod.OBRIEN_FLEMING)


def _store(
    session: Session,
    experiment: Experiment,
    result_set: ResultSet,
    rows: list[dict[str, Any]],
    final: bool,
    splits: list[float],
) -> Analysis:
    inputs = _stored_inputs(session, experiment, result_set, rows, final, splits)
    return _save_analysis(session, experiment.id, result_set.id, inputs)


def _stored_inputs(
    session: Session,
    experiment: Experiment,
    result_set: ResultSet,
    rows: list[dict[str, Any]],
    final: bool,
    splits: list[float],
) -> dict[str, Any]:
    """The engine inputs an analysis of *result_set* is stored with."""
    looks = earlier_looks(session, experiment, result_set)
    method = _look_method(session, experiment)
    metrics = engine_metrics(metrics_of(session, experiment), result_set.metric_data)
    return _engine_inputs(experiment, splits, rows, final, method, looks, metrics)


# session.info key: engine results computed before the write lock, by their inputs.
AHEAD = "hypotheses_analyses_ahead"


def _inputs_key(inputs: dict[str, Any]) -> str:
    return json.dumps(inputs, sort_keys=True, default=str)


def analyse_ahead(session: Session, inputs: dict[str, Any]) -> None:
    """Run the engine now, before a use case takes the write lock (statistics never run
    while it is held); _save_analysis uses the result when its inputs under the lock are the
    same, and runs the engine itself only when they changed meanwhile (a lost race)."""
    try:
        result = run_engine(inputs)
    except DomainError:
        return  # the use case refuses the same inputs under the lock, with the same message
    session.info.setdefault(AHEAD, {})[_inputs_key(inputs)] = result


def _save_analysis(
    session: Session, experiment_id: int, result_set_id: int, inputs: dict[str, Any]
) -> Analysis:
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


def rerun_analysis(
    session: Session, *, team: Team, actor: User | None, hypothesis_id: int, analysis_id: int
) -> Analysis:
    """Re-run a stored analysis made by an older engine on its stored inputs with the current
    engine, and store the result as a new analysis of the same results; the old one stays.

    Only the current analysis of its results is re-run (once re-run, the new one is current).
    The engine runs before the write lock is taken (analyse_ahead).
    :raises Conflict: the analysis is already the current engine's, or newer exists.
    """
    try:
        analyse_ahead(
            session, dict(team_analysis(session, team=team, analysis_id=analysis_id).inputs)
        )
    except DomainError:
        pass  # refused again, with the same message, by the use case
    return _rerun_analysis(
        session, team=team, actor=actor, hypothesis_id=hypothesis_id, analysis_id=analysis_id
    )


@use_case
def _rerun_analysis(
    session: Session, *, team: Team, actor: User | None, hypothesis_id: int, analysis_id: int
) -> Analysis:
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
    analysis = _save_analysis(session, old.experiment_id, old.result_set_id, dict(old.inputs))
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


def _finish(
    session: Session,
    *,
    team: Team,
    actor: User | None,
    experiment: Experiment,
    reason: str | None = None,
) -> None:
    """Move a running test to finished, freeing its slot; mirror it on the hypothesis. *reason*:
    why it ends below its planned sample (finishing.check_finish), recorded and audited."""
    finished = ExperimentStatus.FINISHED
    changes = {"status": [ExperimentStatus.RUNNING, finished], "slot": [experiment.slot, None]}
    if reason:
        changes["finish_reason"] = [experiment.finish_reason, reason]
    experiment.status, experiment.slot, experiment.ended_at = finished, None, utcnow()
    experiment.finish_reason = reason
    record_experiment(
        session,
        experiment,
        actor=actor,
        action="experiment.finish",
        changes=changes,
        note=reason,
    )
    hypothesis = get_hypothesis(session, team=team, hypothesis_id=experiment.hypothesis_id)
    move_hypothesis(
        session, hypothesis, Status.FINISHED.value, actor=actor, action="hypothesis.finish"
    )
    tell.experiment(session, NotificationEvent.TEST_FINISHED, experiment, actor=actor)


def open_experiment(session: Session, team: Team, hypothesis_id: int) -> Experiment:
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    if experiment.status not in (ExperimentStatus.RUNNING, ExperimentStatus.FINISHED):
        raise Conflict(
            _(
                "Results can be entered only while the test runs (or to correct a finished "
                "test); this one is %(status)s.",
                status=status_text(experiment.status),
            ),
            field="status",
        )
    return experiment


def record_results(
    session: Session,
    *,
    team: Team,
    actor: User | None,
    hypothesis_id: int,
    variants: list[dict[str, Any]],
    final: bool,
    source: str = "form",
    file_name: str | None = None,
    finish_reason: str | None = None,
    attach: Callable[[Session, Analysis], Any] | None = None,
) -> Analysis:
    """Store per-variant results and their analysis; *final* results finish the test (a lead's
    action; below the planned sample only with a *finish_reason*). *attach* adds rows that
    belong with these results (a data source's refresh record) in the same transaction.

    *variants*: [{name, visitors, conversions}] or [{name, n, mean, sd}], one per variant.
    Results for a finished test are corrections and always count as final. The analysis is
    computed before the write lock is taken (analyse_ahead); storing is a short transaction.
    """
    _results_ahead(session, team=team, hypothesis_id=hypothesis_id, variants=variants, final=final)
    return _record_results(
        session,
        team=team,
        actor=actor,
        hypothesis_id=hypothesis_id,
        variants=variants,
        final=final,
        source=source,
        file_name=file_name,
        finish_reason=finish_reason,
        attach=attach,
    )


def _results_ahead(
    session: Session, *, team: Team, hypothesis_id: int, variants: Any, final: bool
) -> None:
    """Analyse the results as record_results will store them, before the write lock."""
    try:
        experiment = open_experiment(session, team, hypothesis_id)
        variants_ = variants_of(session, experiment=experiment)
        rows = clean_results(experiment.metric_kind, [v.name for v in variants_], variants)
        defined = metrics_of(session, experiment)
        metric_data = clean_metric_results(defined, _ordered(variants, rows), _sizes(rows))
    except DomainError:
        return  # refused again, with the same message, by the use case
    final = bool(final) or experiment.status == ExperimentStatus.FINISHED
    looks = _looks_before(session, experiment, arm_size(rows), None)
    splits = [v.split for v in variants_]
    method = _look_method(session, experiment)
    metrics = engine_metrics(defined, metric_data)
    analyse_ahead(session, _engine_inputs(experiment, splits, rows, final, method, looks, metrics))


def _sizes(rows: list[dict[str, Any]]) -> list[int]:
    return [int(r.get("visitors", r.get("n")) or 0) for r in rows]


def _ordered(variants: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """The given per-variant rows in the test's variant order (as the cleaned *rows*)."""
    by_name = {r.get("name"): r for r in variants if isinstance(r, dict)}
    return [by_name.get(r["name"], {}) for r in rows]


@use_case
def _record_results(
    session: Session,
    *,
    team: Team,
    actor: User | None,
    hypothesis_id: int,
    variants: list[dict[str, Any]],
    final: bool,
    source: str,
    file_name: str | None,
    finish_reason: str | None = None,
    attach: Callable[[Session, Analysis], Any] | None = None,
) -> Analysis:
    experiment = open_experiment(session, team, hypothesis_id)
    require_role(session, "enter_results", team=team, actor=actor)
    if source not in SOURCES:
        raise DomainError(_("Unknown results source."), field="source")
    variants_ = variants_of(session, experiment=experiment)
    rows = clean_results(experiment.metric_kind, [v.name for v in variants_], variants)
    metric_data = clean_metric_results(
        metrics_of(session, experiment), _ordered(variants, rows), _sizes(rows)
    )
    final = bool(final) or experiment.status == ExperimentStatus.FINISHED
    finishing_now = final and experiment.status == ExperimentStatus.RUNNING
    reason = None
    if finishing_now:  # final numbers finish the test: a lead's action (issue 13)
        reason = finishing.check_finish(
            session,
            team=team,
            actor=actor,
            experiment=experiment,
            rows=rows,
            reason=finish_reason,
            confirmed=bool(finish_reason),
            field="final",
        )
    result_set = ResultSet(
        experiment_id=experiment.id,
        final=final,
        source=source,
        data=rows,
        metric_data=metric_data,
        file_name=(file_name or None) and file_name[:255],
        entered_by_id=actor.id if actor else None,
    )
    session.add(result_set)
    session.flush()
    analysis = _store(session, experiment, result_set, rows, final, [v.split for v in variants_])
    look = "final" if final else "early look"  # stored in English, worded when shown
    record_experiment(
        session,
        experiment,
        actor=actor,
        action="experiment.results",
        changes={"results": [None, _describe(rows)]},
        note=f"{look} ({source})",
    )
    if finishing_now:
        _finish(session, team=team, actor=actor, experiment=experiment, reason=reason)
    if attach is not None:
        attach(session, analysis)
    return analysis


def _describe(rows: list[dict[str, Any]]) -> str:
    if "visitors" in rows[0]:
        return "; ".join(f"{r['name']}: {r['conversions']}/{r['visitors']}" for r in rows)
    return "; ".join(f"{r['name']}: n={r['n']} mean={r['mean']:g} sd={r['sd']:g}" for r in rows)


def finish(
    session: Session,
    *,
    team: Team,
    actor: User | None,
    hypothesis_id: int,
    reason: Any = None,
    confirmed: bool = False,
) -> Analysis:
    """End a running test with its latest results as the final ones (re-analysed as final).
    A lead's action; below the planned sample it needs *confirmed* and a written *reason*.
    The final analysis is computed before the write lock is taken (analyse_ahead)."""
    try:
        experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
        latest = _latest_results(session, experiment)
        if latest is not None:
            splits = [v.split for v in variants_of(session, experiment=experiment)]
            rows = result_data(latest)
            analyse_ahead(session, _stored_inputs(session, experiment, latest, rows, True, splits))
    except DomainError:
        pass  # refused again, with the same message, by the use case
    return _finish_test(
        session,
        team=team,
        actor=actor,
        hypothesis_id=hypothesis_id,
        reason=reason,
        confirmed=confirmed,
    )


def _latest_results(session: Session, experiment: Experiment) -> ResultSet | None:
    return session.exec(
        select(ResultSet)
        .where(ResultSet.experiment_id == experiment.id)
        .order_by(col(ResultSet.created_at).desc(), col(ResultSet.id).desc())
    ).first()


@use_case
def _finish_test(
    session: Session,
    *,
    team: Team,
    actor: User | None,
    hypothesis_id: int,
    reason: Any = None,
    confirmed: bool = False,
) -> Analysis:
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    if experiment.status != ExperimentStatus.RUNNING:
        raise Conflict(
            _(
                "Only a running test can be finished; this one is %(status)s.",
                status=status_text(experiment.status),
            ),
            field="status",
        )
    require_role(session, "finish", team=team, actor=actor)
    latest = _latest_results(session, experiment)
    if latest is None:
        raise Conflict(
            _("Enter the results first; a test without results can only be stopped."),
            field="status",
        )
    text = finishing.check_finish(
        session,
        team=team,
        actor=actor,
        experiment=experiment,
        rows=result_data(latest),
        reason=reason,
        confirmed=confirmed,
    )
    latest.final = True
    session.add(latest)
    variants_ = variants_of(session, experiment=experiment)
    analysis = _store(
        session, experiment, latest, result_data(latest), True, [v.split for v in variants_]
    )
    _finish(session, team=team, actor=actor, experiment=experiment, reason=text)
    return analysis
