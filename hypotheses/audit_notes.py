"""Audit notes the code writes, read in the viewer's language (Jinja globals ``audit_note`` and
``results_source``).

Some audit entries carry a note the application itself composed: the decision and outcome of a
test, "design locked (pre-registered)", which look of results was entered and from where, which
analysis a re-run replaced. The database keeps them in English, as written (database readers
and the audit trail stay as they were); the pages word them when shown. A note a person wrote
(a reason to stop or reject) is shown as it is.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import pgettext

from hypotheses.enums import Decision, Outcome

_DECISION = re.compile(r"(ship|iterate|kill) \((won|lost|inconclusive)\): (.*)", re.DOTALL)
_RESULTS = re.compile(r"(final|early look) \((form|csv|per-user csv|api|sql)\)")
_RERUN = re.compile(r"analysis (\d+) → (\d+)")


def results_source(source: str) -> str:
    """Where a set of results came from (ResultSet.source), as the viewer reads it."""
    names = {
        "form": pgettext("results source", "form"),
        "csv": pgettext("results source", "csv"),
        "per-user csv": pgettext("results source", "per-user csv"),
        "api": pgettext("results source", "api"),
        "sql": pgettext("results source", "data source"),
    }
    return names.get(source, source)


def audit_note(action: str, note: str | None) -> str:
    """Return *note* of an audit entry with *action* as the viewer reads it."""
    if not note:
        return ""
    if action == "hypothesis.decide" and (match := _DECISION.fullmatch(note)):
        decision, outcome, learning = match.groups()
        return _(
            "%(decision)s (%(outcome)s): %(learning)s",
            decision=str(Decision.label_of(decision)).lower(),
            outcome=str(Outcome.label_of(outcome)).lower(),
            learning=learning,
        )
    if action == "experiment.start" and note == "design locked (pre-registered)":
        return _("design locked (pre-registered)")
    if action == "experiment.results" and (match := _RESULTS.fullmatch(note)):
        look, source = match.groups()
        return _(
            "%(look)s (%(source)s)",
            look=_("final") if look == "final" else _("early look"),
            source=results_source(source),
        )
    if action == "experiment.rerun" and (match := _RERUN.fullmatch(note)):
        return _("analysis %(old)s → %(new)s", old=match.group(1), new=match.group(2))
    return note
