"""The Markdown export of a weekly review (read-only)."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlmodel import Session

from hypotheses.domain.reviews.agenda import period_start, tests_between
from hypotheses.domain.reviews.decisions import DecisionLine, closed_in, decision_lines
from hypotheses.domain.reviews.kpis import kpi_table
from hypotheses.domain.reviews.metrics import format_plain
from hypotheses.domain.reviews.queries import addenda_of
from hypotheses.enums import ItemStatus
from hypotheses.models import Review, Team, User

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md(text: object) -> str:
    """Escape *text* for inline Markdown: one line; pipes and brackets cannot break tables."""
    value = " ".join(str(text or "").split())
    value = _SPECIAL.sub(r"\\\1", value)
    # A line starting like a list item or a heading underline would change the structure.
    value = re.sub(r"^([-=])(?=\s|$)", r"\\\1", value)
    return re.sub(r"^(\d+)\.(?=\s|$)", r"\1\\.", value)


def _delta(row) -> str:
    if row.delta is None:
        return "—"
    sign = "+" if row.delta > 0 else ("−" if row.delta < 0 else "±")
    text = f"{row.arrow} {sign}{format_plain(row.metric, abs(row.delta))}"
    if row.metric.unit == "percent":
        text = text[:-1] + " pp"
    if row.delta_pct is not None and row.metric.unit != "percent":
        text += f" ({'+' if row.delta_pct >= 0 else '−'}{abs(row.delta_pct):.1f}%)"
    verdict = {True: _("good"), False: _("bad"), None: _("no change")}[row.good]
    return f"{text}, {verdict}"


def _decision(line: DecisionLine) -> str:
    d = line.decision
    parts = [
        md(d.text),
        _("owner: %(name)s", name=md(line.owner or "—")),
        _("due %(date)s", date=d.due.isoformat() if d.due else "—"),
    ]
    if line.hypothesis is not None:
        parts.append(_("hypothesis: %(title)s", title=md(line.hypothesis.title)))
    status = ItemStatus.label_of(d.status)
    box = "x" if d.status == ItemStatus.DONE else " "
    return f"- [{box}] " + " · ".join(parts) + f" — *{status}*"


def review_markdown(session: Session, *, team: Team, review: Review) -> str:
    """Return the review as a Markdown document: KPIs, tests covered, decisions, notes, addenda."""
    publisher = session.get(User, review.published_by_id) if review.published_by_id else None
    lines = [f"# {md(team.name)}: " + _("weekly review %(week)s", week=review.iso_week), ""]
    if review.published_at:
        lines.append(
            _(
                "Published %(when)s UTC by %(who)s.",
                when=review.published_at.strftime("%Y-%m-%d %H:%M"),
                who=md(publisher.name if publisher else "—"),
            )
        )
    else:
        lines.append(_("Draft, not yet published."))
    if review.publish_reason:
        lines += [
            "",
            "**" + _("Published outside the rules because") + ":** " + md(review.publish_reason),
        ]
    lines += ["", "**" + _("Attendees") + ":** " + (md(review.attendees) or "—"), ""]
    table = kpi_table(session, team=team, review=review)
    lines += ["## " + _("Key metrics"), ""]
    if table.rows:
        lines += [
            f"| {_('Metric')} | {_('This week')} | {_('Previous')} | {_('Change')} |",
            "|---|---:|---:|---|",
        ]
        for row in table.rows:
            lines.append(
                f"| {md(row.metric.name)} | {md(format_plain(row.metric, row.value))} | "
                f"{md(format_plain(row.metric, row.previous))} | {md(_delta(row))} |"
            )
    else:
        lines.append(_("No KPI values were recorded."))
    tests = tests_between(
        session,
        team=team,
        since=period_start(session, team=team, review=review),
        until=review.published_at,
    )
    lines += ["", "## " + _("Tests covered"), ""]
    lines += [
        f"- **{md(t.hypothesis.title)}** ({md(t.experiment.status)}): "
        + md(t.verdict or _("no analysis yet"))
        for t in tests
    ] or [_("No test finished or was decided in this period.")]
    lines += ["", "## " + _("Decisions"), ""]
    lines += [_decision(line) for line in decision_lines(session, review=review)] or [
        _("No decisions.")
    ]
    followed = closed_in(session, review=review)
    if followed:
        lines += ["", "## " + _("Earlier decisions followed up"), ""]
        lines += [_decision(line) + f" ({line.week})" for line in followed]
    if review.notes:
        lines += ["", "## " + _("Notes"), ""]
        for paragraph in (p for p in review.notes.splitlines() if p.strip()):
            lines += [md(paragraph), ""]
        lines.pop()
    addenda = addenda_of(session, review=review)
    if addenda:
        lines += ["", "## " + _("Addenda"), ""]
        lines += [
            f"- {a.created_at.strftime('%Y-%m-%d %H:%M')} UTC, "
            f"{md(u.name if u else '—')}: {md(a.text)}"
            for a, u in addenda
        ]
    return "\n".join(lines) + "\n"
