"""Results from files: an aggregated CSV or a per-user CSV, recorded like typed-in numbers.

The per-user file is streamed through ``stats.reduce_per_user_csv`` (one pass, never read
whole); any bad row refuses the whole file with its row numbers, and nothing is saved.
"""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import IO, Any

from flask_babel import gettext as _
from sqlmodel import Session

import stats
from hypotheses.domain.core.errors import DomainError
from hypotheses.domain.experiments.common import variants_of
from hypotheses.domain.experiments.metric_files import (
    attach_aggregated,
    attach_per_user,
    seekable,
)
from hypotheses.domain.experiments.metrics import metrics_of
from hypotheses.domain.experiments.results import open_experiment, record_results
from hypotheses.domain.experiments.results_files import (
    FIELD,
    parse_aggregated,
    read_text,
    refuse,
)
from hypotheses.enums import MetricKind
from hypotheses.models import Analysis, Team, User
from hypotheses.uploads import file_path, with_keep_alive


def results_from_csv(
    session: Session,
    *,
    team: Team,
    actor: User | None,
    hypothesis_id: int,
    file: IO[bytes],
    kind: str,
    final: bool,
    file_name: str | None = None,
    variant_column: str | None = None,
    conversion_column: str | None = None,
    value_column: str | None = None,
    progress=None,
    finish_reason: str | None = None,
) -> Analysis:
    """Read a results CSV and record it (see record_results, which takes *finish_reason*); a
    bad file saves nothing.

    *kind* "aggregated": one row per variant (variant, visitors, conversions | variant, n,
    mean, sd). *kind* "per-user": one row per user, streamed through
    stats.reduce_per_user_csv with the chosen column names; *file* is read once, never whole.
    """
    experiment = open_experiment(session, team, hypothesis_id)
    names = [v.name for v in variants_of(session, experiment=experiment)]
    metrics = [SimpleNamespace(name=m.name, kind=m.kind) for m in metrics_of(session, experiment)]
    session.rollback()  # release the read transaction (and SQLite's lock) while parsing a big file
    if kind == "aggregated":
        text = read_text(file)
        rows = parse_aggregated(
            io.StringIO(text), metric_kind=experiment.metric_kind, variant_names=names
        )
        attach_aggregated(rows, text, metrics)
        source = "csv"
    elif kind == "per-user":
        readable = seekable(file) if metrics else file
        try:
            rows = _reduce_per_user(
                readable,
                experiment.metric_kind,
                names,
                variant_column,
                conversion_column,
                value_column,
                progress,
            )
            attach_per_user(
                rows,
                readable,
                metrics,
                _column(variant_column, "variant", "variant_column"),
                names,
                per_user_error,
            )
        finally:
            if readable is not file:
                readable.close()
        source = "per-user csv"
    else:
        raise DomainError(_("Choose an aggregated or a per-user file."), field="kind")
    return record_results(
        session,
        team=team,
        actor=actor,
        hypothesis_id=hypothesis_id,
        variants=rows,
        final=final,
        source=source,
        file_name=file_name,
        finish_reason=finish_reason,
    )


def _column(raw: str | None, default: str, field: str) -> str:
    text = (raw or "").strip() or default
    if len(text) > 100 or any(ord(c) < 32 for c in text):
        raise DomainError(_("Give the column's name as it appears in the header."), field=field)
    return text


def _reduce_per_user(file, kind, names, variant_column, conversion_column, value_column, progress):
    variant_column = _column(variant_column, "variant", "variant_column")
    kwargs: dict[str, Any] = {
        "variant_column": variant_column,
        "variants": names,
        "skip_bad_rows": False,
        "progress": with_keep_alive(progress),
    }
    if kind == MetricKind.CONVERSION:
        kwargs["conversion_column"] = _column(conversion_column, "converted", "conversion_column")
    else:
        kwargs["value_column"] = _column(value_column, "value", "value_column")
    try:
        # A file on disk is read by its path (DuckDB reads it in parallel, no second copy).
        summary = stats.reduce_per_user_csv(file_path(file) or file, **kwargs)
    except stats.StatsInputError as error:
        raise per_user_error(error) from None
    return summary_rows(summary, kind, names)


def per_user_error(error: Exception) -> DomainError:
    """Turn the engine's refusal of a per-user file into a file-field error with row numbers."""
    if isinstance(error, stats.BadRowsError):
        return refuse([(row.line, row.reason) for row in error.bad_rows], total=error.bad_row_count)
    return DomainError(
        _("The file was refused (nothing was saved): %(why)s", why=str(error)), field=FIELD
    )


def summary_rows(summary: Any, kind: str, names: list[str]) -> list[dict[str, Any]]:
    """Turn a PerUserSummary into per-variant rows for record_results (in variant order)."""
    rows = []
    for name in names:
        totals = next((v for v in summary.variants if v.name == name), None)
        if totals is None or totals.n == 0:
            raise DomainError(
                _(
                    "The file was refused (nothing was saved): it has no rows for the "
                    "variant “%(name)s”.",
                    name=name,
                ),
                field=FIELD,
            )
        if kind == MetricKind.CONVERSION:
            rows.append({"name": name, "visitors": totals.n, "conversions": totals.conversions})
        elif totals.value_sd is None:
            raise DomainError(
                _(
                    "The file was refused (nothing was saved): the variant “%(name)s” "
                    "needs at least 2 users.",
                    name=name,
                ),
                field=FIELD,
            )
        else:
            rows.append(
                {"name": name, "n": totals.n, "mean": totals.value_mean, "sd": totals.value_sd}
            )
    return rows
