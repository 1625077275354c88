"""The review's rules before publishing: 3–7 decisions and KPI values for 5–12 metrics.

The editor shows the checklist before a lead publishes; ``lifecycle.publish`` refuses a review
outside the bounds unless the lead writes why (the reason is stored and shown on the published
review and its Markdown export). A review with no decision at all is never published.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlmodel import Session

from hypotheses.domain.reviews.kpis import TRACKED_MAX, TRACKED_MIN, kpi_table
from hypotheses.domain.reviews.queries import DECISIONS_MAX, DECISIONS_MIN, decisions_of
from hypotheses.models import Review, Team

MAX_REASON = 1000


@dataclass(frozen=True)
class CheckItem:
    """One rule of the checklist: its code (decisions, kpis), whether it holds, and the line."""

    code: str
    ok: bool
    message: str


@dataclass(frozen=True)
class Checklist:
    decisions: int
    kpi_values: int
    items: tuple[CheckItem, ...]

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    @property
    def problems(self) -> list[str]:
        return [item.message for item in self.items if not item.ok]


def check_bounds(decisions: int, kpi_values: int) -> Checklist:
    """The checklist for *decisions* recorded and *kpi_values* (metrics with a value)."""
    decisions_ok = DECISIONS_MIN <= decisions <= DECISIONS_MAX
    kpis_ok = TRACKED_MIN <= kpi_values <= TRACKED_MAX
    bounds = {"lo": DECISIONS_MIN, "hi": DECISIONS_MAX}
    if decisions_ok:
        decision_line = ngettext(
            "%(num)d decision recorded (the rule: %(lo)d–%(hi)d).",
            "%(num)d decisions recorded (the rule: %(lo)d–%(hi)d).",
            decisions,
            **bounds,
        )
    elif decisions == 0:
        decision_line = _("No decision recorded yet; a review ends with %(lo)d–%(hi)d.", **bounds)
    elif decisions < DECISIONS_MIN:
        decision_line = ngettext(
            "Only %(num)d decision recorded; a review ends with %(lo)d–%(hi)d.",
            "Only %(num)d decisions recorded; a review ends with %(lo)d–%(hi)d.",
            decisions,
            **bounds,
        )
    else:
        decision_line = ngettext(
            "%(num)d decision recorded; a review ends with at most %(hi)d.",
            "%(num)d decisions recorded; a review ends with at most %(hi)d.",
            decisions,
            **bounds,
        )
    kpi_bounds = {"lo": TRACKED_MIN, "hi": TRACKED_MAX}
    if kpis_ok:
        kpi_line = ngettext(
            "KPI values for %(num)d metric (the rule: %(lo)d–%(hi)d).",
            "KPI values for %(num)d metrics (the rule: %(lo)d–%(hi)d).",
            kpi_values,
            **kpi_bounds,
        )
    elif kpi_values == 0:
        kpi_line = _(
            "No KPI value entered yet; a review looks at %(lo)d–%(hi)d metrics.", **kpi_bounds
        )
    elif kpi_values < TRACKED_MIN:
        kpi_line = ngettext(
            "KPI values for only %(num)d metric; a review looks at %(lo)d–%(hi)d.",
            "KPI values for only %(num)d metrics; a review looks at %(lo)d–%(hi)d.",
            kpi_values,
            **kpi_bounds,
        )
    else:
        kpi_line = ngettext(
            "KPI values for %(num)d metric; a review looks at no more than %(hi)d.",
            "KPI values for %(num)d metrics; a review looks at no more than %(hi)d.",
            kpi_values,
            **kpi_bounds,
        )
    return Checklist(
        decisions=decisions,
        kpi_values=kpi_values,
        items=(
            CheckItem("decisions", decisions_ok, decision_line),
            CheckItem("kpis", kpis_ok, kpi_line),
        ),
    )


def checklist(session: Session, *, team: Team, review: Review) -> Checklist:
    """The checklist of *review* as it stands."""
    table = kpi_table(session, team=team, review=review)
    values = sum(1 for row in table.rows if row.value is not None)
    return check_bounds(len(decisions_of(session, review=review)), values)


def reason_needed_message(check: Checklist) -> str:
    """The refusal when a review outside its rules is published without a reason."""
    return _(
        "%(problems)s To publish anyway, write why.",
        problems=" ".join(check.problems),
    )
