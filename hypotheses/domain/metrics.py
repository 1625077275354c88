"""The team's KPI catalog."""

from __future__ import annotations

from sqlmodel import Session, select

from hypotheses.models import Metric, Team

# The seeds' KPI list: (name, unit, good direction, display format).
DEFAULT_CATALOG: list[tuple[str, str, str, str]] = [
    ("Leads", "count", "up", "{:,.0f}"),
    ("Cost per lead", "money", "down", "{:,.2f}"),
    ("Lead to sale conversion", "percent", "up", "{:.1f}%"),
    ("CAC", "money", "down", "{:,.2f}"),
    ("Revenue", "money", "up", "{:,.0f}"),
    ("Gross profit", "money", "up", "{:,.0f}"),
    ("Repeat-purchase share", "percent", "up", "{:.1f}%"),
    ("NPS", "count", "up", "{:.0f}"),
    ("Time to first contact", "duration", "down", "{:.0f} min"),
    ("Share of non-target leads", "percent", "down", "{:.1f}%"),
]


def seed_catalog(session: Session, *, team: Team) -> None:
    """Give a new team the default KPI catalog (skips names it already has)."""
    existing = set(session.exec(select(Metric.name).where(Metric.team_id == team.id)).all())
    for position, (name, unit, direction, fmt) in enumerate(DEFAULT_CATALOG):
        if name not in existing:
            session.add(
                Metric(team_id=team.id, name=name, unit=unit, direction=direction, fmt=fmt,
                       position=position)
            )
