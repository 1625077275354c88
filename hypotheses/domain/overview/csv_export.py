"""CSV exports of the backlog, tests, results, analyses and reviews, safe against formula injection.

``safe_cell`` is the one place that neutralises spreadsheet formulas (OWASP CSV injection):
a text cell starting with = + - @ tab, CR or LF gets a leading apostrophe. Numbers are written
as numbers (a negative lift stays numeric) with the dialect's decimal mark (core.csvdialects:
``;`` and a decimal comma for Excel set to Russian); dates are ISO. Headers, enum values and
yes/no are in the exporting user's language: English keeps the stored names and values
(``title``, ``lead``) that scripts read, Russian gets the labels the importer also accepts
(``Название``, ``Лид``), so an export imports back. Everything here only reads, through the same
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

from flask_babel import get_locale, lazy_pgettext, pgettext
from sqlmodel import Session, col, select

from hypotheses.domain.backlog import queries as backlog_queries
from hypotheses.domain.core.csvdialects import STANDARD, Dialect
from hypotheses.domain.experiments import common as experiment_common
from hypotheses.domain.experiments import design as experiment_design
from hypotheses.domain.experiments import trust
from hypotheses.domain.reviews import decisions as review_decisions
from hypotheses.domain.reviews import kpis
from hypotheses.domain.reviews import queries as review_queries
from hypotheses.enums import (
    Decision,
    ExperimentStatus,
    ItemStatus,
    Lever,
    MetricKind,
    Outcome,
    ReviewStatus,
    Stage,
    Status,
    Subject,
    Vocabulary,
)
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


def _cell(value: Any, dialect: Dialect) -> Any:
    """A safe cell in *dialect*: floats with its decimal mark, yes/no in the user's language."""
    if isinstance(value, bool):
        return pgettext("CSV value", "true") if value else pgettext("CSV value", "false")
    value = safe_cell(value)
    if isinstance(value, float) and dialect.decimal != ".":
        return repr(value).replace(".", dialect.decimal)
    return value


def write_csv(
    headers: list[str],
    rows: list[list[Any]] | Iterator[list[Any]],
    dialect: Dialect = STANDARD,
) -> str:
    """Return CSV text in *dialect* (CRLF, minimal quoting) with every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([_cell(cell, dialect) for cell in row])
    return buffer.getvalue()


# Each column's header: the English is the column's name itself (what scripts read); the
# Russian catalog gives the words a spreadsheet user writes, which the importers recognise.
COLUMN_NAMES = {
    "id": lazy_pgettext("CSV column", "id"),
    "title": lazy_pgettext("CSV column", "title"),
    "status": lazy_pgettext("CSV column", "status"),
    "score": lazy_pgettext("CSV column", "score"),
    "rice": lazy_pgettext("CSV column", "rice"),
    "impact": lazy_pgettext("CSV column", "impact"),
    "confidence": lazy_pgettext("CSV column", "confidence"),
    "ease": lazy_pgettext("CSV column", "ease"),
    "reach": lazy_pgettext("CSV column", "reach"),
    "effort": lazy_pgettext("CSV column", "effort"),
    "stage": lazy_pgettext("CSV column", "stage"),
    "lever": lazy_pgettext("CSV column", "lever"),
    "subject": lazy_pgettext("CSV column", "subject"),
    "channel": lazy_pgettext("CSV column", "channel"),
    "owner_email": lazy_pgettext("CSV column", "owner_email"),
    "tags": lazy_pgettext("CSV column", "tags"),
    "links": lazy_pgettext("CSV column", "links"),
    "change": lazy_pgettext("CSV column", "change"),
    "audience": lazy_pgettext("CSV column", "audience"),
    "expected_effect": lazy_pgettext("CSV column", "expected_effect"),
    "rationale": lazy_pgettext("CSV column", "rationale"),
    "reject_reason": lazy_pgettext("CSV column", "reject_reason"),
    "parent_id": lazy_pgettext("CSV column", "parent_id"),
    "version": lazy_pgettext("CSV column", "version"),
    "created_at": lazy_pgettext("CSV column", "created_at"),
    "updated_at": lazy_pgettext("CSV column", "updated_at"),
    "experiment_id": lazy_pgettext("CSV column", "experiment_id"),
    "hypothesis_id": lazy_pgettext("CSV column", "hypothesis_id"),
    "hypothesis": lazy_pgettext("CSV column", "hypothesis"),
    "metric": lazy_pgettext("CSV column", "metric"),
    "metric_kind": lazy_pgettext("CSV column", "metric_kind"),
    "baseline": lazy_pgettext("CSV column", "baseline"),
    "baseline_sd": lazy_pgettext("CSV column", "baseline_sd"),
    "mde": lazy_pgettext("CSV column", "mde"),
    "mde_relative": lazy_pgettext("CSV column", "mde_relative"),
    "alpha": lazy_pgettext("CSV column", "alpha"),
    "power": lazy_pgettext("CSV column", "power"),
    "daily_visitors": lazy_pgettext("CSV column", "daily_visitors"),
    "per_variant": lazy_pgettext("CSV column", "per_variant"),
    "duration_days": lazy_pgettext("CSV column", "duration_days"),
    "variants": lazy_pgettext("CSV column", "variants"),
    "started_at": lazy_pgettext("CSV column", "started_at"),
    "ended_at": lazy_pgettext("CSV column", "ended_at"),
    "stop_reason": lazy_pgettext("CSV column", "stop_reason"),
    "decision": lazy_pgettext("CSV column", "decision"),
    "outcome": lazy_pgettext("CSV column", "outcome"),
    "learning": lazy_pgettext("CSV column", "learning"),
    "decided_at": lazy_pgettext("CSV column", "decided_at"),
    "latest_verdict": lazy_pgettext("CSV column", "latest_verdict"),
    "result_set_id": lazy_pgettext("CSV column", "result_set_id"),
    "entered_at": lazy_pgettext("CSV column", "entered_at"),
    "final": lazy_pgettext("CSV column", "final"),
    "source": lazy_pgettext("CSV column", "source"),
    "variant": lazy_pgettext("CSV column", "variant"),
    "visitors": lazy_pgettext("CSV column", "visitors"),
    "conversions": lazy_pgettext("CSV column", "conversions"),
    "n": lazy_pgettext("CSV column", "n"),
    "mean": lazy_pgettext("CSV column", "mean"),
    "sd": lazy_pgettext("CSV column", "sd"),
    "analysis_id": lazy_pgettext("CSV column", "analysis_id"),
    "computed_at": lazy_pgettext("CSV column", "computed_at"),
    "engine_version": lazy_pgettext("CSV column", "engine_version"),
    "method": lazy_pgettext("CSV column", "method"),
    "p_value": lazy_pgettext("CSV column", "p_value"),
    "adjusted_p_value": lazy_pgettext("CSV column", "adjusted_p_value"),
    "abs_diff": lazy_pgettext("CSV column", "abs_diff"),
    "abs_ci_low": lazy_pgettext("CSV column", "abs_ci_low"),
    "abs_ci_high": lazy_pgettext("CSV column", "abs_ci_high"),
    "rel_lift": lazy_pgettext("CSV column", "rel_lift"),
    "rel_ci_low": lazy_pgettext("CSV column", "rel_ci_low"),
    "rel_ci_high": lazy_pgettext("CSV column", "rel_ci_high"),
    "prob_beat_control": lazy_pgettext("CSV column", "prob_beat_control"),
    "significant": lazy_pgettext("CSV column", "significant"),
    "srm_p_value": lazy_pgettext("CSV column", "srm_p_value"),
    "srm_mismatch": lazy_pgettext("CSV column", "srm_mismatch"),
    "verdict": lazy_pgettext("CSV column", "verdict"),
    "iso_week": lazy_pgettext("CSV column", "iso_week"),
    "published_at": lazy_pgettext("CSV column", "published_at"),
    "item": lazy_pgettext("CSV column", "item"),
    "value": lazy_pgettext("CSV column", "value"),
    "previous": lazy_pgettext("CSV column", "previous"),
    "owner": lazy_pgettext("CSV column", "owner"),
    "due": lazy_pgettext("CSV column", "due"),
    "decision_status": lazy_pgettext("CSV column", "decision_status"),
    "attendees": lazy_pgettext("CSV column", "attendees"),
    "notes": lazy_pgettext("CSV column", "notes"),
}
# The kinds of rows of the reviews export ("item" column).
ITEM_NAMES = {
    "review": lazy_pgettext("CSV value", "review"),
    "kpi": lazy_pgettext("CSV value", "kpi"),
    "decision": lazy_pgettext("CSV value", "decision"),
}


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
                        trust.comparison_line(output, comparison)
                        if comparison
                        else trust.verdict_line(output, analysis.verdict),
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
    reviews = [
        summary.review
        for summary in reversed(
            review_queries.list_reviews(session, team=team, include_drafts=include_drafts)
        )
    ]
    tables = kpis.kpi_tables(session, team=team, reviews=reviews)
    lines = review_decisions.decision_lines_of(session, reviews=reviews)
    for review in reviews:
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
        for row in tables[review.id].rows:
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
        for line in lines[review.id]:
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
# The columns holding one of our enums' values, per export (written as labels but in English).
WORDS: dict[str, dict[str, type[Vocabulary]]] = {
    "backlog": {"status": Status, "stage": Stage, "lever": Lever, "subject": Subject},
    "experiments": {
        "status": ExperimentStatus,
        "metric_kind": MetricKind,
        "decision": Decision,
        "outcome": Outcome,
    },
    "reviews": {"status": ReviewStatus, "decision_status": ItemStatus},
}


def in_english() -> bool:
    """Whether exports are written in English now (stored names and values, no labels)."""
    locale = get_locale()
    return locale is None or locale.language == "en"


def headers_of(kind: str) -> list[str]:
    """The header row of one export in the current language."""
    return [str(COLUMN_NAMES[name]) for name in EXPORTS[kind][0]]


def _worded(kind: str, headers: list[str], rows: list[list[Any]]) -> list[list[Any]]:
    """Enum values and review item kinds as labels in the current language (not English)."""
    columns = {headers.index(name): enum for name, enum in WORDS.get(kind, {}).items()}
    if kind == "reviews":
        item = headers.index("item")
    for row in rows:
        for index, enum in columns.items():
            if row[index] is not None:
                row[index] = str(enum.label_of(row[index]))
        if kind == "reviews" and row[item] in ITEM_NAMES:
            row[item] = str(ITEM_NAMES[row[item]])
    return rows


def export(
    session: Session, *, team: Team, kind: str, dialect: Dialect = STANDARD, **options: Any
) -> str:
    """Return the CSV text of one export (*kind* is a key of EXPORTS) in *dialect*, without a
    BOM (the caller adds one when ``dialect.bom``)."""
    headers, rows = EXPORTS[kind]
    data = rows(session, team=team, **options)
    if not in_english():
        data = _worded(kind, headers, data)
    return write_csv(headers_of(kind), data, dialect)
