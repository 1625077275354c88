"""Pure backlog rules: what each status allows, input cleaning and merging a stale form.

No database, no Flask request: plain values in, plain values out. Validation raises
ValidationFailed carrying every wrong field at once, with messages meant for the user.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.core.numbers import to_int, to_number
from hypotheses.enums import Lever, Stage, Status, Subject
from hypotheses.permissions import role_can

# Statuses whose fields may still change (later ones belong to a test and its record).
EDITABLE = frozenset(
    {Status.IDEA.value, Status.BACKLOG.value, Status.APPROVED.value, Status.REJECTED.value}
)
# Changing one of these on an approved hypothesis changes what was approved: the approval resets.
SUBSTANTIVE = frozenset(
    {
        "title",
        "change",
        "audience",
        "expected_effect",
        "rationale",
        "stage",
        "lever",
        "subject",
        "channel",
    }
)
# action -> the statuses it may start from (the lifecycle of DESIGN.md §3 up to approval).
_IDEA, _BACKLOG, _APPROVED = Status.IDEA.value, Status.BACKLOG.value, Status.APPROVED.value
ARCHIVABLE = frozenset(
    {_IDEA, _BACKLOG, _APPROVED, Status.REJECTED.value, Status.DECIDED.value, Status.STOPPED.value}
)
ALLOWED_FROM = {
    "edit": EDITABLE,
    "approve": frozenset({_IDEA, _BACKLOG}),
    "reject": frozenset({_IDEA, _BACKLOG, _APPROVED}),
    "archive": ARCHIVABLE,
    "promote": frozenset({_IDEA}),
    "restore": frozenset({Status.REJECTED.value, Status.ARCHIVED.value}),
}
# action -> the permission it needs (hypotheses.permissions); restoring a rejected hypothesis
# needs REJECT as well (only a lead may undo a lead's rejection).
REJECT = "hypothesis.reject"
PERMISSION_OF = {
    "edit": "hypothesis.edit",
    "approve": "hypothesis.approve",
    "reject": REJECT,
    "archive": "hypothesis.archive",
    "promote": "hypothesis.edit",
    "restore": "hypothesis.archive",
}
REFUSALS = {
    "edit": _l(
        "This hypothesis is %(status)s and can no longer be edited. Create a follow-up "
        "hypothesis instead."
    ),
    "approve": _l("Only a hypothesis in the backlog can be approved; this one is %(status)s."),
    "reject": _l("Only ideas and backlog hypotheses can be rejected; this one is %(status)s."),
    "archive": _l("A %(status)s hypothesis cannot be archived; stop or finish its test first."),
    "promote": _l("Only an idea can be moved into the backlog; this one is %(status)s."),
    "restore": _l("Only rejected or archived hypotheses can be restored; this one is %(status)s."),
}
TEXT_LIMITS = {
    "title": 200,
    "change": 2000,
    "audience": 500,
    "expected_effect": 500,
    "rationale": 4000,
    "channel": 120,
}
CHOICES = {"stage": Stage, "lever": Lever, "subject": Subject}
SCORES = ("impact", "confidence", "ease")
MAX_TAGS, MAX_TAG_LENGTH, MAX_TAGS_LENGTH = 20, 40, 500
MAX_LINKS, MAX_LINK_LENGTH = 10, 500
MAX_REASON = 1000
MAX_REACH = 1_000_000_000
MAX_EFFORT = 10_000.0
EDITABLE_FIELDS = (*TEXT_LIMITS, *CHOICES, "owner_id", "tags", "links", *SCORES, "reach", "effort")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def allowed_actions(status: str) -> set[str]:
    """Return the actions a hypothesis in *status* allows (permissions are the caller's part)."""
    return {action for action, statuses in ALLOWED_FROM.items() if status in statuses}


def permitted_actions(status: str, role: str | None, *, author_blocked: bool = False) -> set[str]:
    """Return the actions a user with *role* may take on a hypothesis in *status*.

    The status must allow the action and the role hold its permission; restoring a *rejected*
    hypothesis also needs the lead's reject permission, and approving is refused to its author
    (*author_blocked*) unless the team allows self-approval (``may_take`` explains a refusal).
    """
    return {
        action
        for action in allowed_actions(status)
        if may_take(action, status, role, author_blocked=author_blocked) is None
    }


def may_take(action: str, status: str, role: str | None, *, author_blocked: bool = False):
    """Return None when *role* may take *action* on a hypothesis in *status*, else why not."""
    if not role_can(role, PERMISSION_OF[action]):
        return _("Your role in this team does not allow this.")
    if action == "restore" and status == Status.REJECTED and not role_can(role, REJECT):
        return _("Only a lead can restore a rejected hypothesis.")
    if action == "approve" and author_blocked:
        return _(
            "You wrote this hypothesis, so another lead must approve it (separation "
            "of duties). Ask a colleague to review it."
        )
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str):
        return None
    return value.strip()


def normalise_tags(value: Any) -> str:
    """Return tags as 'a, b, c': split on commas, trimmed, lower-case, without '#' or repeats."""
    parts = value if isinstance(value, list | tuple) else re.split(r"[,;\n]", str(value or ""))
    tags: list[str] = []
    for part in parts:
        tag = " ".join(str(part).split()).lstrip("#").strip().lower()
        if tag and tag not in tags:
            tags.append(tag)
    return ", ".join(tags)


def split_links(value: Any) -> list[str]:
    """Return the non-empty links of a newline-separated string (or a list)."""
    parts = value if isinstance(value, list | tuple) else str(value or "").splitlines()
    return [str(p).strip() for p in parts if str(p).strip()]


def link_error(link: str) -> str | None:
    """Explain why *link* is not an acceptable http(s) address, or return None."""
    if len(link) > MAX_LINK_LENGTH:
        return _("Each link may be at most %(n)d characters.", n=MAX_LINK_LENGTH)
    if _CONTROL.search(link) or any(ch.isspace() for ch in link):
        return _("A link cannot contain spaces; put one link per line.")
    try:
        parts = urlsplit(link)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return _(
            "“%(link)s” is not a web address; links must start with http:// or https://.",
            link=link[:80],
        )
    return None


def _clean_text(errors: dict, values: dict, name: str, raw: Any) -> None:
    text = _text(raw)
    limit = TEXT_LIMITS[name]
    if text is None:
        errors[name] = [_("Enter text.")]
    elif name == "title" and not text:
        errors[name] = [_("A title is required.")]
    elif len(text) > limit:
        errors[name] = [
            _("Use at most %(max)d characters (this has %(n)d).", max=limit, n=len(text))
        ]
    elif _CONTROL.search(text):
        errors[name] = [_("Remove control characters from this field.")]
    else:
        values[name] = text


def _clean_score(errors: dict, values: dict, name: str, raw: Any) -> None:
    number = to_int(raw)
    if raw is None or raw == "":
        errors[name] = [_("Give a score from 1 to 10.")]
    elif number is None or not 1 <= number <= 10:
        errors[name] = [_("Use a whole number from 1 to 10.")]
    else:
        values[name] = number


def _clean_rice(errors: dict, values: dict, data: dict) -> None:
    if "reach" in data:
        raw = data["reach"]
        number = to_int(raw)
        if raw is None or raw == "":
            values["reach"] = None
        elif number is None or not 0 <= number <= MAX_REACH:
            errors["reach"] = [
                _("Reach is a whole number from 0 to %(max)s.", max=format_decimal(MAX_REACH))
            ]
        else:
            values["reach"] = number
    if "effort" in data:
        raw = data["effort"]
        number = to_number(raw)
        if raw is None or raw == "":
            values["effort"] = None
        elif number is None or not 0 < number <= MAX_EFFORT:
            errors["effort"] = [
                _(
                    "Effort is a number above 0 (person-weeks), at most %(max)d.",
                    max=int(MAX_EFFORT),
                )
            ]
        else:
            values["effort"] = number


def _clean_lists(errors: dict, values: dict, data: dict) -> None:
    if "tags" in data:
        tags = normalise_tags(data["tags"])
        if len(tags.split(", ")) > MAX_TAGS or len(tags) > MAX_TAGS_LENGTH:
            errors["tags"] = [_("Use at most %(n)d tags.", n=MAX_TAGS)]
        elif any(len(t) > MAX_TAG_LENGTH for t in tags.split(", ")):
            errors["tags"] = [_("Each tag may be at most %(n)d characters.", n=MAX_TAG_LENGTH)]
        elif _CONTROL.search(tags):
            errors["tags"] = [_("Remove control characters from this field.")]
        else:
            values["tags"] = tags
    if "links" in data:
        links = split_links(data["links"])
        problems = [p for p in (link_error(link) for link in links) if p]
        if len(links) > MAX_LINKS:
            errors["links"] = [_("Add at most %(n)d links.", n=MAX_LINKS)]
        elif problems:
            errors["links"] = problems[:3]
        else:
            values["links"] = "\n".join(links)


def clean_fields(data: dict[str, Any], *, rice: bool, partial: bool) -> dict[str, Any]:
    """Validate the editable fields of *data* and return them cleaned.

    With *partial* only the keys present are checked (an edit); otherwise title, stage, lever
    and subject are required and missing ICE scores default to 5. RICE inputs are read only
    when the team uses RICE. ``owner_id`` is returned as an int or None (membership is checked
    by the caller). Raises ValidationFailed listing every wrong field.
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in TEXT_LIMITS:
        if name in data or (name == "title" and not partial):
            _clean_text(errors, values, name, data.get(name))
    for name, enum in CHOICES.items():
        if name in data or not partial:
            raw = data.get(name)
            if raw in {e.value for e in enum}:
                values[name] = str(raw)
            else:
                errors[name] = [_("Choose one of the options.")]
    for name in SCORES:
        if name in data:
            _clean_score(errors, values, name, data[name])
        elif not partial:
            values[name] = 5
    if "owner_id" in data:
        raw = data["owner_id"]
        owner = to_int(raw)
        if raw is None or raw == "":
            values["owner_id"] = None
        elif owner is None or owner < 1:
            errors["owner_id"] = [_("Choose an owner from this team.")]
        else:
            values["owner_id"] = owner
    _clean_lists(errors, values, data)
    if rice:
        _clean_rice(errors, values, data)
    if errors:
        raise ValidationFailed(
            errors, _("Some fields need attention: %(names)s.", names=", ".join(errors))
        )
    return values


def clean_scores(data: dict[str, Any]) -> dict[str, int]:
    """Validate the three ICE scores (whole numbers 1–10)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in SCORES:
        _clean_score(errors, values, name, data.get(name))
    if errors:
        raise ValidationFailed(errors, _("Scores are whole numbers from 1 to 10."))
    return values


def clean_reason(raw: Any) -> str:
    """Validate a reason (reject, stop): required, at most 1000 characters."""
    text = _text(raw)
    if not text:
        message = _(
            "Give a reason: it tells the author what to change or why it will not be tested."
        )
    elif len(text) > MAX_REASON:
        message = _("Use at most %(max)d characters (this has %(n)d).", max=MAX_REASON, n=len(text))
    elif _CONTROL.search(text):
        message = _("Remove control characters from this field.")
    else:
        return text
    raise ValidationFailed({"reason": [message]}, message)


def values_of(hypothesis: Any) -> dict[str, Any]:
    """Return the editable fields of a hypothesis as a plain dict."""
    return {name: getattr(hypothesis, name) for name in EDITABLE_FIELDS}


def merge_after_conflict(
    current: dict[str, Any], changes: list[dict[str, Any]], typed: dict[str, Any]
) -> dict[str, Any]:
    """Decide what a refused (stale) form shows: current values, except where the user typed.

    *changes* (oldest first, as audit.changes_since returns them) tell what the record held
    when the user opened the form; a field the user changed from that keeps the typed value,
    any other field shows the current value.
    """
    opened = dict(current)
    seen: set[str] = set()
    for entry in changes:
        for name, pair in entry.get("changes", {}).items():
            if name not in seen:
                opened[name] = pair[0]
                seen.add(name)

    def same(name: str, a: Any, b: Any) -> bool:
        if name == "tags":
            return normalise_tags(a) == normalise_tags(b)
        if name == "links":
            return split_links(a) == split_links(b)
        return ("" if a is None else a) == ("" if b is None else b)

    return {
        name: (current.get(name) if same(name, value, opened.get(name)) else value)
        for name, value in typed.items()
    }
