"""What each event says: the subject, paragraphs, list and link of its message.

``compose`` is called under the reader's locale (flask_babel ``force_locale``), so every
sentence comes out in the recipient's language. The context is plain data given by the caller
of ``notify`` (names, titles, dates, enum values); labels are translated here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import has_app_context
from flask_babel import gettext as _
from flask_babel import ngettext

from hypotheses import languages
from hypotheses.enums import Decision, NotificationEvent, Outcome

E = NotificationEvent


@dataclass
class Message:
    """A rendered notification, before it becomes HTML and plain text."""

    subject: str
    lines: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    link_label: str = ""
    sections: list[tuple[str, list[str]]] = field(default_factory=list)


def _day(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if not isinstance(value, date | datetime):
        return "—"
    return languages.day(value) if has_app_context() else value.isoformat()[:10]


def _test_line(test: dict[str, Any]) -> str:
    parts = [str(test.get("title", ""))]
    if test.get("outcome"):
        parts.append(str(Outcome.label_of(test["outcome"])))
    if test.get("decision"):
        parts.append(str(Decision.label_of(test["decision"])))
    line = " — ".join(parts)
    if test.get("learning"):
        line += ": " + str(test["learning"])
    return line


def _decision_line(decision: dict[str, Any]) -> str:
    line = str(decision.get("text", ""))
    owner, due = decision.get("owner"), decision.get("due")
    if owner and due:
        return line + " " + _("(%(owner)s, by %(due)s)", owner=owner, due=_day(due))
    if owner:
        return line + f" ({owner})"
    if due:
        return line + " " + _("(by %(due)s)", due=_day(due))
    return line


# Events said in one sentence: (subject, sentence, link label) from the context, under the
# reader's locale.
ONE_SENTENCE: dict[str, Callable[[dict[str, Any]], tuple[str, str, str]]] = {
    E.APPROVAL_REQUESTED: lambda c: (
        _("Approval requested: %(title)s", **c),
        _("%(actor)s asks for approval of the hypothesis “%(title)s”.", **c),
        _("Open the hypothesis"),
    ),
    E.HYPOTHESIS_APPROVED: lambda c: (
        _("Approved: %(title)s", **c),
        _("%(actor)s approved your hypothesis “%(title)s”. It can now be tested.", **c),
        _("Open the hypothesis"),
    ),
    E.TEST_STARTED: lambda c: (
        _("Test started: %(title)s", **c),
        _("%(actor)s started the test “%(title)s”.", **c),
        _("Open the test"),
    ),
    E.TEST_REACHED_SAMPLE: lambda c: (
        _("Planned sample reached: %(title)s", **c),
        _("The test “%(title)s” reached its planned sample: it is time to finish it.", **c),
        _("Open the test"),
    ),
    E.SRM_DETECTED: lambda c: (
        _("Sample ratio mismatch: %(title)s", **c),
        _(
            "The traffic split of the test “%(title)s” differs from the planned one "
            "more than chance allows. Check the assignment before trusting its results.",
            **c,
        ),
        _("Open the test"),
    ),
    E.TEST_FINISHED: lambda c: (
        _("Test finished: %(title)s", **c),
        _("%(actor)s finished the test “%(title)s”. It awaits a decision.", **c),
        _("Open the test"),
    ),
    E.REVIEW_DRAFT_REMINDER: lambda c: (
        _("The review of %(week)s is still a draft", week=c.get("week", "")),
        _(
            "Today is the team's review day and the review of %(week)s is not published yet.",
            week=c.get("week", ""),
        ),
        _("Open the review"),
    ),
}


def _imported(c: dict[str, Any]) -> Message:
    """Approval requested for the hypotheses of one imported file: the first titles listed."""
    n, titles = int(c["imported"]), [str(t) for t in c.get("titles") or []]
    items = titles + (
        [ngettext("…and %(num)d more", "…and %(num)d more", n - len(titles))]
        if n > len(titles)
        else []
    )
    return Message(
        ngettext(
            "Approval requested: %(num)d imported hypothesis",
            "Approval requested: %(num)d imported hypotheses",
            n,
        ),
        [
            ngettext(
                "%(actor)s imported a CSV file: %(num)d hypothesis entered the backlog and "
                "awaits approval.",
                "%(actor)s imported a CSV file: %(num)d hypotheses entered the backlog and "
                "await approval.",
                n,
                actor=c["actor"],
            )
        ],
        items=items,
        link_label=_("Open the backlog"),
    )


def compose(event: str, context: dict[str, Any]) -> Message:
    """Return the message of *event* with *context*, in the current locale."""
    c = {"title": "", "actor": _("Someone"), **{k: v for k, v in context.items() if v}}
    title, actor = c["title"], c["actor"]
    if event == E.APPROVAL_REQUESTED and c.get("imported"):
        return _imported(c)
    if event in ONE_SENTENCE:
        subject, sentence, label = ONE_SENTENCE[event](c)
        return Message(subject, [sentence], link_label=label)
    if event == E.HYPOTHESIS_REJECTED:
        lines = [_("%(actor)s rejected your hypothesis “%(title)s”.", **c)]
        if c.get("reason"):
            lines.append(_("Reason: %(reason)s", reason=c["reason"]))
        return Message(
            _("Rejected: %(title)s", title=title), lines, link_label=_("Open the hypothesis")
        )
    if event == E.DECISION_RECORDED:
        return Message(
            _("Decision on %(title)s", title=title),
            [_("%(actor)s recorded a decision on the test “%(title)s”.", **c)],
            items=[_test_line(c)],
            link_label=_("Open the test"),
        )
    if event == E.REVIEW_PUBLISHED:
        week = c.get("week", "")
        sections = []
        if c.get("tests"):
            sections.append((_("Tests"), [_test_line(t) for t in c["tests"]]))
        if c.get("decisions"):
            sections.append((_("Decisions"), [_decision_line(d) for d in c["decisions"]]))
        return Message(
            _("Weekly review %(week)s published", week=week),
            [_("%(actor)s published the weekly review of %(week)s.", actor=actor, week=week)],
            sections=sections,
            link_label=_("Read the review"),
        )
    if event == E.REVIEW_DECISION_ASSIGNED:
        return Message(
            _("A review decision is yours: %(text)s", text=c.get("text", "")),
            [_("%(actor)s made you the owner of a decision of the weekly review.", actor=actor)],
            items=[_decision_line({"text": c.get("text", ""), "due": c.get("due")})],
            link_label=_("Open the review"),
        )
    if event == E.REVIEW_DECISION_DUE:
        return Message(
            _("Due tomorrow: %(text)s", text=c.get("text", "")),
            [_("Your review decision is due tomorrow, %(due)s.", due=_day(c.get("due")))],
            items=[str(c.get("text", ""))],
            link_label=_("Open the review"),
        )
    if event == E.REVIEW_DECISION_OVERDUE:
        return Message(
            _("Overdue: %(text)s", text=c.get("text", "")),
            [_("Your review decision was due on %(due)s and is still open.", due=_day(c["due"]))]
            if c.get("due")
            else [],
            items=[str(c.get("text", ""))],
            link_label=_("Open the review"),
        )
    if event == E.MENTIONED:
        lines = [_("%(actor)s mentioned you in a comment on “%(title)s”.", **c)]
        return Message(
            _("%(actor)s mentioned you", actor=actor),
            lines,
            items=[str(c["excerpt"])] if c.get("excerpt") else [],
            link_label=_("Open the comment"),
        )
    if event == E.WEEKLY_DIGEST:
        sections = []
        if c.get("tests"):
            sections.append((_("Decided and learned"), [_test_line(t) for t in c["tests"]]))
        if c.get("started"):
            sections.append((_("Started"), [str(t) for t in c["started"]]))
        if c.get("running"):
            sections.append((_("Running now"), [str(t) for t in c["running"]]))
        if c.get("decisions"):
            sections.append((_("Due"), [_decision_line(d) for d in c["decisions"]]))
        lines = [] if sections else [_("A quiet week: nothing was tested, decided or due.")]
        return Message(
            _("%(team)s: the week %(week)s", team=c.get("team", ""), week=c.get("week", "")),
            lines,
            sections=sections,
            link_label=_("Open the dashboard"),
        )
    # Events composed elsewhere (the daily digest) or unknown: the subject alone.
    return Message(str(c.get("subject") or NotificationEvent.label_of(event)))
