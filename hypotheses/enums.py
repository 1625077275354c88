"""The product's vocabulary (DESIGN.md §2): string enums stored as their values.

Each member carries its human label (marked for translation) right beside its value::

    Status.IDEA.label            # "Idea", in the user's language
    Status.label_of("idea")      # the same from a stored value (unknown values come back as is)
    Stage.labels()               # {value: label} for a select field

A member compares equal to its stored string (``Status.IDEA == "idea"``), so the database
keeps plain strings.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l


class Vocabulary(StrEnum):
    """A string enum whose members carry a translatable label (and a badge colour)."""

    def __new__(cls, value: str, label: Any = None, badge: str = "secondary") -> Vocabulary:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = value if label is None else label
        member._badge = badge
        return member

    @property
    def label(self) -> Any:
        """The human label (a lazy string: it translates when rendered)."""
        return self._label

    @property
    def badge(self) -> str:
        """The Bootstrap colour of the member's badge."""
        return self._badge

    @classmethod
    def find(cls, value: Any) -> Vocabulary | None:
        """Return the member stored as *value*, or None when it is not one of ours."""
        try:
            return cls(value)
        except ValueError:
            return None

    @classmethod
    def label_of(cls, value: Any, default: Any = ...) -> Any:
        """Return the label of a stored *value*; for an unknown value, *default* or the value."""
        member = cls.find(value)
        if member is None:
            return value if default is ... else default
        return member.label

    @classmethod
    def badge_of(cls, value: Any) -> str:
        """Return the badge colour of a stored *value* ("secondary" when it is unknown)."""
        member = cls.find(value)
        return "secondary" if member is None else member.badge

    @classmethod
    def flags(cls, value: Any) -> dict[str, bool]:
        """Return {member name in lower case: whether *value* is that member}, for templates
        that show a different sentence per state (``state.approved``) without comparing."""
        return {member.name.lower(): value == member for member in cls}

    @classmethod
    def labels(cls) -> dict[str, Any]:
        """Return {value: label} in declaration order (lazy labels, for form choices)."""
        return {member.value: member.label for member in cls}

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """Return (value, label) pairs for a select field, translated now."""
        return [(member.value, str(member.label)) for member in cls]


class Role(Vocabulary):
    ADMIN = "admin", _l("Admin")
    LEAD = "lead", _l("Team lead")
    MARKETER = "marketer", _l("Marketer")
    VIEWER = "viewer", _l("Viewer")


class ScoreFormula(Vocabulary):
    MEAN = "mean", _l("Mean (I + C + E) / 3")
    PRODUCT = "product", _l("Product I × C × E")


class Status(Vocabulary):
    """The status of a hypothesis (DESIGN.md §3)."""

    IDEA = "idea", _l("Idea"), "secondary"
    BACKLOG = "backlog", _l("Backlog"), "info"
    APPROVED = "approved", _l("Approved"), "primary"
    RUNNING = "running", _l("Running"), "warning"
    FINISHED = "finished", _l("Finished"), "dark"
    DECIDED = "decided", _l("Decided"), "success"
    ARCHIVED = "archived", _l("Archived"), "light"
    REJECTED = "rejected", _l("Rejected"), "danger"
    STOPPED = "stopped", _l("Stopped"), "danger"


class ExperimentStatus(Vocabulary):
    """The status of a test: design → running → finished → decided, or running → stopped."""

    DESIGN = "design", _l("Designed"), "secondary"
    RUNNING = "running", _l("Running"), "warning"
    FINISHED = "finished", _l("Finished"), "dark"
    STOPPED = "stopped", _l("Stopped"), "danger"
    DECIDED = "decided", _l("Decided"), "success"


class Stage(Vocabulary):
    ATTENTION = "attention", _l("Attention")
    INTEREST = "interest", _l("Interest")
    TRUST = "trust", _l("Trust")
    LEAD = "lead", _l("Lead")
    SALE = "sale", _l("Sale")
    RETENTION = "retention", _l("Retention")


class Lever(Vocabulary):
    TRAFFIC = "traffic", _l("Traffic / leads")
    CONVERSION = "conversion", _l("Conversion")
    AOV = "aov", _l("Average order value")
    REPEAT = "repeat", _l("Repeat purchases")


class Subject(Vocabulary):
    CREATIVE = "creative", _l("Creative")
    SEGMENT = "segment", _l("Segment")
    OFFER = "offer", _l("Offer")
    LANDING_PAGE = "landing page", _l("Landing page")
    MESSAGE = "message", _l("Message")
    LEAD_HANDLING = "lead handling", _l("Lead handling")
    PRICING = "pricing", _l("Pricing")
    OTHER = "other", _l("Other")


class MetricKind(Vocabulary):
    CONVERSION = "conversion", _l("conversion")
    CONTINUOUS = "continuous", _l("continuous")


class CsvDialect(Vocabulary):
    """How one's CSV exports are written (a user setting); imports read either."""

    EXCEL_RU = "excel-ru", _l("Excel (Russia): semicolons, decimal comma, UTF-8 with BOM")
    STANDARD = "standard", _l("Standard: commas, decimal point, UTF-8")


class Decision(Vocabulary):
    SHIP = "ship", _l("Ship"), "success"
    ITERATE = "iterate", _l("Iterate"), "warning"
    KILL = "kill", _l("Kill"), "danger"


class Outcome(Vocabulary):
    WON = "won", _l("Won"), "success"
    LOST = "lost", _l("Lost"), "danger"
    INCONCLUSIVE = "inconclusive", _l("Inconclusive"), "secondary"


class ReviewStatus(Vocabulary):
    """The status of a weekly review: a draft until a lead publishes it."""

    DRAFT = "draft", _l("Draft"), "secondary"
    PUBLISHED = "published", _l("Published"), "success"


class ItemStatus(Vocabulary):
    """The status of a review's decision item: open, done, or carried over to a later review."""

    OPEN = "open", _l("open")
    DONE = "done", _l("done"), "success"
    CARRIED = "carried", _l("carried over"), "secondary"


class EarlyLookMethod(Vocabulary):
    """How a team's early looks at a running test are judged (a team setting; the values are
    the statistics engine's ``stats.EARLY_LOOK_METHODS``). Each member also carries the one
    sentence that says what it promises (``promise``), shown where the team chooses it."""

    def __new__(cls, value: str, label: Any, promise: Any) -> EarlyLookMethod:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label, member._badge, member._promise = label, "secondary", promise
        return member

    @property
    def promise(self) -> Any:
        """What the method promises, in one sentence (a lazy string)."""
        return self._promise

    @classmethod
    def promise_of(cls, value: Any) -> Any:
        """Return the promise of a stored *value* (None when it is not one of ours)."""
        member = cls.find(value)
        return None if member is None else member.promise

    OBRIEN_FLEMING = (
        "obrien-fleming",
        _l("Group-sequential, O'Brien-Fleming type (recommended)"),
        _l(
            "Look whenever you like and record every look: the chance of a false winner over "
            "the whole test stays at the chosen significance level, early looks need "
            "overwhelming evidence, and the last look at the planned sample is almost as "
            "powerful as a single test."
        ),
    )
    POCOCK = (
        "pocock",
        _l("Group-sequential, Pocock type"),
        _l(
            "Look whenever you like and record every look: the chance of a false winner over "
            "the whole test stays at the chosen significance level, with about the same bar at "
            "every look, so clear winners stop earlier but the last look needs more evidence "
            "than a single test."
        ),
    )
    ALWAYS_VALID = (
        "always-valid",
        _l("Always-valid (for looks that are not recorded)"),
        _l(
            "Look at any time without recording looks: the chance of a false winner stays below "
            "the chosen significance level however often anyone peeks, at the price of wider "
            "intervals and less power at the planned sample than a single test."
        ),
    )


class NotificationEvent(Vocabulary):
    """What a notification is about (issue 15). Each person chooses per event how it reaches
    them (NotificationChoice); INVITATION and PASSWORD_RESET bypass that choice."""

    APPROVAL_REQUESTED = "approval_requested", _l("A hypothesis awaits approval")
    HYPOTHESIS_APPROVED = "hypothesis_approved", _l("Your hypothesis was approved")
    HYPOTHESIS_REJECTED = "hypothesis_rejected", _l("Your hypothesis was rejected")
    TEST_STARTED = "test_started", _l("A test started")
    TEST_REACHED_SAMPLE = "test_reached_sample", _l("A test reached its planned sample")
    SRM_DETECTED = "srm_detected", _l("Sample ratio mismatch in a test")
    TEST_FINISHED = "test_finished", _l("A test finished")
    DECISION_RECORDED = "decision_recorded", _l("A decision was recorded on a test")
    REVIEW_PUBLISHED = "review_published", _l("The weekly review was published")
    REVIEW_DECISION_ASSIGNED = "review_decision_assigned", _l("A review decision is yours")
    REVIEW_DECISION_DUE = "review_decision_due", _l("Your review decision is due tomorrow")
    REVIEW_DECISION_OVERDUE = "review_decision_overdue", _l("Your review decision is overdue")
    REVIEW_DRAFT_REMINDER = "review_draft_reminder", _l("This week's review is still a draft")
    MENTIONED = "mentioned", _l("You were mentioned in a comment")
    WEEKLY_DIGEST = "weekly_digest", _l("The team's weekly digest")
    DAILY_DIGEST = "daily_digest", _l("Your daily digest")
    INVITATION = "invitation", _l("Invitation")
    PASSWORD_RESET = "password_reset", _l("Password reset")


class NotificationChoice(Vocabulary):
    """How one person receives one event."""

    NOW = "now", _l("E-mail now")
    DIGEST = "digest", _l("In the daily digest")
    NEVER = "never", _l("Never")


class WebhookKind(Vocabulary):
    """A team's outgoing chat or HTTP webhook."""

    TELEGRAM = "telegram", _l("Telegram bot")
    SLACK = "slack", _l("Slack-compatible incoming webhook")
    JSON = "json", _l("Signed JSON webhook")


class OutboxStatus(Vocabulary):
    """Where a message in the outbox stands."""

    PENDING = "pending", _l("waiting"), "secondary"
    SENDING = "sending", _l("sending"), "info"
    SENT = "sent", _l("sent"), "success"
    FAILED = "failed", _l("failed"), "danger"
