"""Audit entries read in the viewer's language: the actions' names (``audit_label``) and the
notes the code writes (Jinja globals ``audit_note`` and ``results_source``).

Some audit entries carry a note the application itself composed: the decision and outcome of a
test, "design locked (pre-registered)", which look of results was entered and from where, which
analysis a re-run replaced. The database keeps them in English, as written (database readers
and the audit trail stay as they were); the pages word them when shown. A note a person wrote
(a reason to stop or reject) is shown as it is.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from hypotheses.enums import Decision, Outcome

# Every action the audit trail records on a hypothesis or a test, by its readable name.
ACTIONS = {
    "hypothesis.create": _l("created"),
    "hypothesis.edit": _l("edited"),
    "hypothesis.score": _l("scored"),
    "hypothesis.approve": _l("approved"),
    "hypothesis.reject": _l("rejected"),
    "hypothesis.archive": _l("archived"),
    "hypothesis.promote": _l("moved into the backlog"),
    "hypothesis.restore": _l("restored"),
    "hypothesis.import": _l("imported from a CSV file"),
    "hypothesis.start": _l("test started"),
    "hypothesis.stop": _l("test stopped"),
    "hypothesis.finish": _l("test finished"),
    "hypothesis.decide": _l("decided"),
    "experiment.design": _l("saved the design"),
    "experiment.start": _l("started the test"),
    "experiment.stop": _l("stopped the test"),
    "experiment.results": _l("entered results"),
    "experiment.finish": _l("finished the test"),
    "experiment.decide": _l("recorded the decision"),
    "experiment.correct": _l("corrected the decision"),
    "experiment.rerun": _l("re-ran an analysis with the current engine"),
}
_DECISION = re.compile(r"(ship|iterate|kill) \((won|lost|inconclusive)\): (.*)", re.DOTALL)
_RESULTS = re.compile(r"(final|early look) \((form|csv|per-user csv|api|sql)\)")
_RERUN = re.compile(r"analysis (\d+) → (\d+)")


def audit_label(action: str) -> str:
    """Return the readable name of an audit action (the action itself when it has none)."""
    return str(ACTIONS.get(action, action))


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
