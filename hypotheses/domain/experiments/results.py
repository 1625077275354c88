"""Results of a running test: entering numbers (form, API, CSV) and finishing the test.

A result set and its analysis (``analyses``) are stored in one transaction: the engine's
inputs, its output, its version and the verdict, so any analysis can be reproduced later
(``reruns``). Results may be entered several times while the test runs (early looks); the
engine judges them by the team's early-look method (group-sequential bounds from the recorded
looks, or the always-valid result), and the final set finishes the test and frees its slot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, select

from hypotheses.domain.core.errors import Conflict, DomainError, ValidationFailed
from hypotheses.domain.core.numbers import to_int, to_number
from hypotheses.domain.experiments import finishing
from hypotheses.domain.experiments.analyses import (
    ahead,
    analyse_ahead,
    arm_size,
    engine_inputs,
    look_method,
    looks_before,
    save_analysis,
    stored_inputs,
)
from hypotheses.domain.experiments.common import (
    NEWEST_RESULTS,
    get_experiment,
    get_hypothesis,
    move_hypothesis,
    record_experiment,
    require_role,
    require_status,
    result_data,
    use_case,
    variants_of,
)
from hypotheses.domain.experiments.metric_results import clean_metric_results, engine_metrics
from hypotheses.domain.experiments.metrics import metrics_of
from hypotheses.domain.notifications import tell
from hypotheses.enums import ExperimentStatus, MetricKind, NotificationEvent, Status
from hypotheses.models import Analysis, Experiment, ResultSet, Team, User, utcnow

MAX_COUNT = 10**12
SOURCES = ("form", "csv", "per-user csv", "api", "sql")  # sql: a data source (issue 16)


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
    """Return the test results are entered for: running, or finished (a correction)."""
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    require_status(experiment, "enter_results")
    return experiment


def _results_ahead(
    session: Session, *, team: Team, hypothesis_id: int, variants: Any, final: bool, **_kwargs: Any
) -> None:
    """Analyse the results as record_results will store them, before the write lock."""
    experiment = open_experiment(session, team, hypothesis_id)
    variants_ = variants_of(session, experiment=experiment)
    rows = clean_results(experiment.metric_kind, [v.name for v in variants_], variants)
    defined = metrics_of(session, experiment)
    metric_data = clean_metric_results(defined, _ordered(variants, rows), _sizes(rows))
    final = bool(final) or experiment.status == ExperimentStatus.FINISHED
    looks = looks_before(session, experiment, arm_size(rows), None)
    splits = [v.split for v in variants_]
    method = look_method(session, experiment)
    metrics = engine_metrics(defined, metric_data)
    analyse_ahead(session, engine_inputs(experiment, splits, rows, final, method, looks, metrics))


def _sizes(rows: list[dict[str, Any]]) -> list[int]:
    return [int(r.get("visitors", r.get("n")) or 0) for r in rows]


def _ordered(variants: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """The given per-variant rows in the test's variant order (as the cleaned *rows*)."""
    by_name = {r.get("name"): r for r in variants if isinstance(r, dict)}
    return [by_name.get(r["name"], {}) for r in rows]


@ahead(_results_ahead)
@use_case
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
        require_role(session, "finish", team=team, actor=actor)
        confirmed = bool(finish_reason)
        reason = finishing.check_finish(
            experiment, rows, finish_reason, confirmed=confirmed, field="final"
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
    splits = [v.split for v in variants_]
    inputs = stored_inputs(session, experiment, result_set, rows, final, splits)
    analysis = save_analysis(session, experiment.id, result_set.id, inputs)
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


def _latest_results(session: Session, experiment: Experiment) -> ResultSet | None:
    return session.exec(
        select(ResultSet).where(ResultSet.experiment_id == experiment.id).order_by(*NEWEST_RESULTS)
    ).first()


def _finish_ahead(session: Session, *, team: Team, hypothesis_id: int, **_kwargs: Any) -> None:
    """Analyse the latest results as final, as finish will store them, before the write lock."""
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    latest = _latest_results(session, experiment)
    if latest is not None:
        splits = [v.split for v in variants_of(session, experiment=experiment)]
        rows = result_data(latest)
        analyse_ahead(session, stored_inputs(session, experiment, latest, rows, True, splits))


@ahead(_finish_ahead)
@use_case
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
    experiment = get_experiment(session, team=team, hypothesis_id=hypothesis_id)
    require_status(experiment, "finish")
    require_role(session, "finish", team=team, actor=actor)
    latest = _latest_results(session, experiment)
    if latest is None:
        raise Conflict(
            _("Enter the results first; a test without results can only be stopped."),
            field="status",
        )
    text = finishing.check_finish(experiment, result_data(latest), reason, confirmed=confirmed)
    latest.final = True
    session.add(latest)
    splits = [v.split for v in variants_of(session, experiment=experiment)]
    inputs = stored_inputs(session, experiment, latest, result_data(latest), True, splits)
    analysis = save_analysis(session, experiment.id, latest.id, inputs)
    _finish(session, team=team, actor=actor, experiment=experiment, reason=text)
    return analysis
