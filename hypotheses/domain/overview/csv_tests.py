"""The CSV exports of tests: one row per test, per variant of each entered result set, and per
comparison of each stored analysis (``csv_export`` lists them with the other exports)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, select

from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import design as experiment_design
from hypotheses.domain.experiments import trust
from hypotheses.models import Analysis, Experiment, ResultSet, Team, Variant

EXPERIMENT_HEADERS = (
    "experiment_id hypothesis_id hypothesis status metric metric_kind baseline baseline_sd "
    "mde mde_relative alpha power daily_visitors per_variant duration_days variants "
    "started_at ended_at stop_reason decision outcome learning decided_at latest_verdict"
).split()


def _team_tests(team: Team):
    return select(Experiment.id).where(Experiment.team_id == team.id)


def _variants(session: Session, team: Team) -> dict[int, list[Variant]]:
    """Return {experiment id: its variants, control first} for every test of the team."""
    out: dict[int, list[Variant]] = defaultdict(list)
    for variant in session.exec(
        select(Variant)
        .where(col(Variant.experiment_id).in_(_team_tests(team)))
        .order_by(col(Variant.experiment_id), col(Variant.position))
    ).all():
        out[variant.experiment_id].append(variant)
    return out


def _latest_verdicts(session: Session, team: Team) -> dict[int, str]:
    """Return {experiment id: the verdict line of the newest analysis of its latest results}
    (trust.verdict_line: the warning first when untrusted), in the exporting user's language."""
    return trust.latest_verdicts(session, _team_tests(team))


def _result_sets(
    session: Session, team: Team
) -> dict[int, list[tuple[ResultSet, Analysis | None]]]:
    """Return {experiment id: its result sets with their newest analysis, newest first}."""
    rows = session.exec(
        select(ResultSet, Analysis)
        .join(Analysis, col(Analysis.result_set_id) == col(ResultSet.id), isouter=True)
        .where(col(ResultSet.experiment_id).in_(_team_tests(team)))
        .order_by(
            col(ResultSet.created_at).desc(), col(ResultSet.id).desc(), col(Analysis.id).desc()
        )
    ).all()
    seen: set[int] = set()
    out: dict[int, list[tuple[ResultSet, Analysis | None]]] = defaultdict(list)
    for result_set, analysis in rows:  # keep the newest analysis of each result set
        if result_set.id not in seen:
            seen.add(result_set.id)
            out[result_set.experiment_id].append((result_set, analysis))
    return out


def experiment_rows(session: Session, *, team: Team) -> list[list[Any]]:
    """One row per test: its design, dates, decision and the latest analysis's verdict."""
    out = []
    variants_of, verdicts = _variants(session, team), _latest_verdicts(session, team)
    for line in experiment_common.list_experiments(session, team=team):
        e, h = line.experiment, line.hypothesis
        splits = [{"name": v.name, "split": v.split} for v in variants_of[e.id]]
        cells = {
            "experiment_id": e.id,
            "hypothesis_id": h.id,
            "hypothesis": h.title,
            "metric": e.metric_name,
            "variants": experiment_design.describe_variants(splits),
            "latest_verdict": verdicts.get(e.id),
        }
        out.append(
            [cells[name] if name in cells else getattr(e, name) for name in EXPERIMENT_HEADERS]
        )
    return sorted(out, key=lambda r: r[0])


RESULT_HEADERS = (
    "experiment_id hypothesis result_set_id entered_at final source variant visitors "
    "conversions n mean sd"
).split()


def result_rows(session: Session, *, team: Team) -> list[list[Any]]:
    """One row per variant of every entered result set (early looks and final)."""
    out = []
    looks = _result_sets(session, team)
    for line in experiment_common.list_experiments(session, team=team):
        for result_set, _analysis in reversed(looks[line.experiment.id]):
            for row in experiment_common.result_data(result_set):
                out.append(
                    [
                        line.experiment.id,
                        line.hypothesis.title,
                        result_set.id,
                        result_set.created_at,
                        result_set.final,
                        result_set.source,
                        row.get("name"),
                        row.get("visitors"),
                        row.get("conversions"),
                        row.get("n"),
                        row.get("mean"),
                        row.get("sd"),
                    ]
                )
    return sorted(out, key=lambda r: (r[0], r[2]))


ANALYSIS_HEADERS = (
    "experiment_id hypothesis analysis_id result_set_id computed_at engine_version method "
    "variant p_value adjusted_p_value abs_diff abs_ci_low abs_ci_high rel_lift rel_ci_low "
    "rel_ci_high prob_beat_control significant srm_p_value srm_mismatch verdict"
).split()


def _pair(value: Any) -> tuple[Any, Any]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    if isinstance(value, dict):
        return value.get("low"), value.get("high")
    return None, None


def analysis_rows(session: Session, *, team: Team) -> list[list[Any]]:
    """One row per variant-vs-control comparison of every stored analysis."""
    out = []
    looks = _result_sets(session, team)
    for line in experiment_common.list_experiments(session, team=team):
        for result_set, analysis in looks[line.experiment.id]:
            if analysis is None:
                continue
            output = experiment_common.analysis_output(analysis) or {}
            srm = output.get("srm") or {}
            for comparison in output.get("comparisons") or [{}]:
                abs_lo, abs_hi = _pair(comparison.get("abs_ci"))
                rel_lo, rel_hi = _pair(comparison.get("rel_ci"))
                out.append(
                    [
                        line.experiment.id,
                        line.hypothesis.title,
                        analysis.id,
                        result_set.id,
                        analysis.created_at,
                        analysis.engine_version,
                        output.get("method"),
                        comparison.get("variant"),
                        comparison.get("p_value"),
                        comparison.get("adjusted_p_value"),
                        comparison.get("abs_diff"),
                        abs_lo,
                        abs_hi,
                        comparison.get("rel_lift"),
                        rel_lo,
                        rel_hi,
                        comparison.get("prob_beat_control"),
                        comparison.get("significant"),
                        srm.get("p_value"),
                        srm.get("mismatch"),
                        # this variant's verdict in the exporting user's language
                        trust.comparison_line(output, comparison)
                        if comparison
                        else trust.verdict_line(output, analysis.verdict),
                    ]
                )
    return sorted(out, key=lambda r: (r[0], r[2]))
