"""The team's KPI catalog: seeding, editing, ordering and value formatting.

Every public function that changes state is a complete use case: it validates, writes an
audit entry and commits once at the end. On a refusal it raises a DomainError and leaves
the session without pending changes from this call.
"""

from __future__ import annotations

import math
import re
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, col, func, select

from hypotheses.domain.core import audit
from hypotheses.domain.core.errors import Conflict, NotFound, ValidationFailed
from hypotheses.domain.core.transaction import write_lock
from hypotheses.models import Metric, Team, User

UNITS = ("count", "money", "percent", "duration")
DIRECTIONS = ("up", "down")
# Display formats: how many decimals to show. Units add their own sign (%, min).
FORMATS = {"0": 0, "1": 1, "2": 2}
MAX_NAME = 120
MAX_METRICS = 40

# The seeds' KPI list: (name, unit, good direction, display format = decimals).
DEFAULT_CATALOG: list[tuple[str, str, str, str]] = [
    ("Leads", "count", "up", "0"),
    ("Cost per lead", "money", "down", "2"),
    ("Lead to sale conversion", "percent", "up", "1"),
    ("CAC", "money", "down", "2"),
    ("Revenue", "money", "up", "0"),
    ("Gross profit", "money", "up", "0"),
    ("Repeat-purchase share", "percent", "up", "1"),
    ("NPS", "count", "up", "0"),
    ("Time to first contact", "duration", "down", "0"),
    ("Share of non-target leads", "percent", "down", "1"),
]
# The default catalog's names in each language, in DEFAULT_CATALOG's order. They are the team's
# data once seeded (renamed freely), so they are written here rather than in the message catalog.
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "en": tuple(name for name, *_rest in DEFAULT_CATALOG),
    "ru": (
        "Лиды",
        "Стоимость лида",
        "Конверсия из лида в продажу",
        "CAC",
        "Выручка",
        "Валовая прибыль",
        "Доля повторных покупок",
        "NPS",
        "Время до первого контакта",
        "Доля нецелевых лидов",
    ),
}
FIELDS = ("name", "unit", "direction", "fmt", "tracked")


def default_catalog(language: str | None = None) -> list[tuple[str, str, str, str]]:
    """Return DEFAULT_CATALOG with its names in *language* ("ru", "en"; others: English)."""
    names = DEFAULT_NAMES.get(language or "en", DEFAULT_NAMES["en"])
    return [
        (name, unit, direction, fmt)
        for name, (_en, unit, direction, fmt) in zip(names, DEFAULT_CATALOG, strict=True)
    ]


def seed_catalog(session: Session, *, team: Team, language: str | None = None) -> None:
    """Give a new team the default KPI catalog (skips names it already has).

    The names are in *language* ("ru", "en"); by default in the team's default language, and
    in English when the team has none.
    """
    existing = set(session.exec(select(Metric.name).where(Metric.team_id == team.id)).all())
    catalog = default_catalog(language or team.default_language)
    for position, entry in enumerate(catalog):
        values = dict(zip(("name", "unit", "direction", "fmt"), entry, strict=True))
        if values["name"] not in existing:
            session.add(Metric(team_id=team.id, position=position, **values))


def decimals_of(metric: Metric) -> int:
    """Return how many decimals *metric* shows (legacy '{:.2f}'-style formats understood)."""
    if metric.fmt in FORMATS:
        return FORMATS[metric.fmt]
    found = re.search(r"\.(\d)f", metric.fmt or "")
    if found:
        return min(int(found.group(1)), 2)
    return 2 if metric.unit == "money" else (1 if metric.unit == "percent" else 0)


def list_metrics(session: Session, *, team: Team, tracked_only: bool = False) -> list[Metric]:
    """Return the team's metrics in catalog order."""
    query = select(Metric).where(Metric.team_id == team.id)
    if tracked_only:
        query = query.where(col(Metric.tracked).is_(True))
    return list(session.exec(query.order_by(col(Metric.position), col(Metric.id))).all())


def get_metric(session: Session, *, team: Team, metric_id: int) -> Metric:
    """Return one of the team's metrics or raise NotFound."""
    in_range = isinstance(metric_id, int) and 0 < metric_id < 2**31  # PostgreSQL integer ids
    metric = session.get(Metric, metric_id) if in_range else None
    if metric is None or metric.team_id != team.id:
        raise NotFound(_("This metric does not exist in your team."))
    return metric


def _clean(
    session: Session, team: Team, values: dict[str, Any], exclude_id: int | None
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = (values.get("name") or "").strip() if isinstance(values.get("name"), str) else ""
    if not name:
        errors["name"] = [_("Give the metric a name.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("Use at most %(n)d characters.", n=MAX_NAME)]
    elif re.search(r"[\x00-\x1f\x7f]", name):
        errors["name"] = [_("Remove control characters from the name.")]
    else:
        query = select(Metric.id).where(
            Metric.team_id == team.id, func.lower(Metric.name) == name.lower()
        )
        if exclude_id is not None:
            query = query.where(Metric.id != exclude_id)
        if session.exec(query).first() is not None:
            errors["name"] = [_("Another metric in the catalog already has this name.")]
    if values.get("unit") not in UNITS:
        errors["unit"] = [_("Choose count, money, percent or duration.")]
    if values.get("direction") not in DIRECTIONS:
        errors["direction"] = [_("Choose whether up or down is good.")]
    if values.get("fmt") not in FORMATS:
        errors["fmt"] = [_("Choose 0, 1 or 2 decimals.")]
    if not isinstance(values.get("tracked"), bool):
        errors["tracked"] = [_("Choose yes or no.")]
    if errors:
        raise ValidationFailed(errors, _("The metric was not saved; see the marked fields."))
    return {
        "name": name,
        "unit": values["unit"],
        "direction": values["direction"],
        "fmt": values["fmt"],
        "tracked": values["tracked"],
    }


def create_metric(
    session: Session,
    *,
    team: Team,
    actor: User,
    name: str,
    unit: str,
    direction: str,
    fmt: str,
    tracked: bool = True,
) -> Metric:
    """Add a metric at the end of the team's catalog."""
    write_lock(session)
    clean = _clean(
        session,
        team,
        {"name": name, "unit": unit, "direction": direction, "fmt": fmt, "tracked": tracked},
        None,
    )
    count = session.exec(select(func.count(col(Metric.id))).where(Metric.team_id == team.id)).one()
    if count >= MAX_METRICS:
        raise Conflict(_("A catalog holds at most %(n)d metrics.", n=MAX_METRICS), field="name")
    last = session.exec(select(func.max(Metric.position)).where(Metric.team_id == team.id)).one()
    metric = Metric(team_id=team.id, position=(last if last is not None else -1) + 1, **clean)
    audit.record_new(
        session,
        metric,
        team_id=team.id,
        entity="metric",
        action="metric.create",
        actor=actor,
        values=clean,
    )
    session.commit()
    return metric


def update_metric(
    session: Session,
    *,
    team: Team,
    actor: User,
    metric_id: int,
    name: str,
    unit: str,
    direction: str,
    fmt: str,
    tracked: bool,
) -> dict[str, list[Any]]:
    """Change a metric's name, unit, good direction, format or tracking; return the diff."""
    write_lock(session)
    metric = get_metric(session, team=team, metric_id=metric_id)
    clean = _clean(
        session,
        team,
        {"name": name, "unit": unit, "direction": direction, "fmt": fmt, "tracked": tracked},
        metric.id,
    )
    changes = audit.apply_changes(
        session,
        metric,
        clean,
        team_id=team.id,
        entity="metric",
        action="metric.update",
        actor=actor,
    )
    if changes:
        session.commit()
    return changes


def move_metric(session: Session, *, team: Team, actor: User, metric_id: int, offset: int) -> None:
    """Move a metric up (offset −1) or down (+1) in the catalog order."""
    write_lock(session)
    metrics = list_metrics(session, team=team)
    index = next((i for i, m in enumerate(metrics) if m.id == metric_id), None)
    if index is None:
        raise NotFound(_("This metric does not exist in your team."))
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(metrics):
        return
    metrics[index], metrics[target] = metrics[target], metrics[index]
    for position, metric in enumerate(metrics):
        if metric.position != position:
            metric.position = position
            session.add(metric)
    moved = metrics[target]  # the metric asked for, now at its new place
    audit.log(session, "metric", moved, "metric.move", actor, changes={"position": [index, target]})
    session.commit()


def format_plain(metric: Metric, value: float | None) -> str:
    """Format *value* for *metric* without locale (Markdown export, tests)."""
    if value is None or not math.isfinite(value):
        return "—"
    text = f"{value:,.{decimals_of(metric)}f}"
    if metric.unit == "percent":
        return f"{text}%"
    if metric.unit == "duration":
        return f"{text} min"
    return text
