"""The state buttons' actions as the board moves cards: one success message each, shared by
the buttons and the board so both say the same."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SUCCESS = {
    "approve": _l("Approved “%(title)s”: it can now get a test design."),
    "archive": _l("Archived “%(title)s”. It no longer counts toward the backlog."),
    "promote": _l("Moved “%(title)s” into the backlog."),
    # The test page's buttons say these too (experiments.routes).
    "start": _l("Test started. Its design is now locked."),
    "finish": _l("Test finished. A lead can now record the decision."),
}
