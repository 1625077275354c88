"""CSV exports of the backlog, tests, results, analyses and reviews, safe against formula injection.

``safe_cell`` is the one place that neutralises spreadsheet formulas (OWASP CSV injection):
a text cell starting with = + - @ tab, CR or LF gets a leading apostrophe. Numbers are written
as numbers (a negative lift stays numeric). Everything here only reads, through the same
domain read functions the pages use.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import design as experiment_design
from hypotheses.domain.experiments.verdicts import comparison_sentence, verdict_text
from hypotheses.domain.reviews import decisions as review_decisions
from hypotheses.domain.reviews import kpis
from hypotheses.domain.reviews import queries as review_queries
from hypotheses.models import Analysis, Experiment, ResultSet, Team, User, Variant

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """Return a cell value that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value if not isinstance(value, float) or math.isfinite(value) else ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(TRIGGERS) else text


def write_csv(headers: list[str], rows: list[list[Any]] | Iterator[list[Any]]) -> str:
    """Return RFC 4180 CSV text (CRLF, minimal quoting) with every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def _emails(session: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.exec(select(User.id, User.email).where(col(User.id).in_(ids))).all())


# ---------------------------------------------------------------- backlog

BACKLOG_HEADERS = (
    "id title status score rice impact confidence ease reach effort stage lever subject "
    "channel owner_email tags links change audience expected_effect rationale reject_reason "
    "parent_id version created_at updated_at"
).split()


def backlog_rows(session: Session, *, team: Team) -> list[list[Any]]:
    """Every hypothesis of the team (all statuses), best score first; headers match the import."""
    scored = backlog_queries.all_scored(session, team=team)
    owners = _emails(session, {row.hypothesis.owner_id for row in scored})
    out = []
    for row in scored:
        h = row.hypothesis
        out.append(
            [
                h.id,
                h.title,
                h.status,
                round(row.score, 4),
                None if row.rice is None else round(row.rice, 4),
                h.impact,
                h.confidence,
                h.ease,
                h.reach,
                h.effort,
                h.stage,
                h.lever,
                h.subject,
                h.channel,
                owners.get(h.owner_id),
                h.tags,
                " ".join(h.link_list),
                h.change,
                h.audience,
                h.expected_effect,
                h.rationale,
                h.reject_reason,
                h.parent_id,
                h.version,
                h.created_at,
                h.updated_at,
            ]
        )
    return out


# ---------------------------------------------------------------- experiments

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
    """Return {experiment id: the verdict of the newest analysis of its latest results} (an
    older look re-run with a newer engine does not become the latest)."""
    rows = session.exec(
        select(Analysis.experiment_id, Analysis.output, Analysis.verdict)
        .join(ResultSet, col(ResultSet.id) == col(Analysis.result_set_id))
        .where(col(Analysis.experiment_id).in_(_team_tests(team)))
        .order_by(col(ResultSet.created_at), col(ResultSet.id), col(Analysis.id))
    ).all()
    newest = {key: (output, stored) for key, output, stored in rows}  # later rows win
    # newer results, then newer analyses; worded in the exporting user's language
    return {key: verdict_text(output, stored) for key, (output, stored) in newest.items()}


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
        variants = variants_of[e.id]
        out.append(
            [
                e.id,
                h.id,
                h.title,
                e.status,
                e.metric_name,
                e.metric_kind,
                e.baseline,
                e.baseline_sd,
                e.mde,
                e.mde_relative,
                e.alpha,
                e.power,
                e.daily_visitors,
                e.per_variant,
                e.duration_days,
                experiment_design.describe_variants(
                    [{"name": v.name, "split": v.split} for v in variants]
                ),
                e.started_at,
                e.ended_at,
                e.stop_reason,
                e.decision,
                e.outcome,
                e.learning,
                e.decided_at,
                verdicts.get(e.id),
            ]
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
                        comparison_sentence(output, comparison)
                        if comparison
                        else verdict_text(output, analysis.verdict),
                    ]
                )
    return sorted(out, key=lambda r: (r[0], r[2]))


# ---------------------------------------------------------------- reviews

REVIEW_HEADERS = (
    "iso_week status published_at item metric value previous change decision owner due "
    "decision_status hypothesis_id attendees notes"
).split()


def review_rows(session: Session, *, team: Team, include_drafts: bool = True) -> list[list[Any]]:
    """One row per KPI value and per decision of every review, plus one summary row each."""
    out = []
    for summary in reversed(
        review_queries.list_reviews(session, team=team, include_drafts=include_drafts)
    ):
        review = summary.review
        base = [review.iso_week, review.status, review.published_at]
        out.append(
            base
            + [
                "review",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                review.attendees,
                review.notes,
            ]
        )
        for row in kpis.kpi_table(session, team=team, review=review).rows:
            if row.value is not None:
                out.append(
                    base
                    + [
                        "kpi",
                        row.metric.name,
                        row.value,
                        row.previous,
                        row.delta,
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                    ]
                )
        for line in review_decisions.decision_lines(session, review=review):
            d = line.decision
            out.append(
                base
                + [
                    "decision",
                    None,
                    None,
                    None,
                    None,
                    d.text,
                    line.owner,
                    d.due,
                    d.status,
                    d.hypothesis_id,
                    None,
                    None,
                ]
            )
    return out


EXPORTS: dict[str, tuple[list[str], Callable[..., list[list[Any]]]]] = {
    "backlog": (BACKLOG_HEADERS, backlog_rows),
    "experiments": (EXPERIMENT_HEADERS, experiment_rows),
    "results": (RESULT_HEADERS, result_rows),
    "analyses": (ANALYSIS_HEADERS, analysis_rows),
    "reviews": (REVIEW_HEADERS, review_rows),
}


def export(session: Session, *, team: Team, kind: str, **options: Any) -> str:
    """Return the CSV text of one export (*kind* is a key of EXPORTS)."""
    headers, rows = EXPORTS[kind]
    return write_csv(headers, rows(session, team=team, **options))
