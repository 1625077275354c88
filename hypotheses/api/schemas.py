"""Request and response shapes of the API; the OpenAPI components are generated from them.

One source of truth: every constraint a field declares (``doc()``: lengths, item counts,
ranges, choices) is both written in the OpenAPI document and enforced here, before anything
else runs, with the domain's own constants; known fields only (anything else is refused),
strict JSON types ("5" is not a number, true is not 1), finite numbers, no NUL or other
control characters in text. The domain functions the browser uses still check the values
that depend on data (lifecycle, ownership, sums), so each rule is written once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from hypotheses.domain.backlog.rules import CHOICES, MAX_EFFORT, MAX_REACH, MAX_REASON, TEXT_LIMITS
from hypotheses.enums import Status

# Ids and versions are positive 32-bit INTEGER columns on PostgreSQL: another cannot exist, and
# refusing it here keeps it away from the database (an overflow there is a server error).
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class In(BaseModel):
    """A request body: unknown fields refused, strict JSON types, no NaN or infinities."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Query(BaseModel):
    """Query-string parameters: unknown ones refused; numbers parsed from their text."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Out(BaseModel):
    """A response body; every field is always present in the JSON."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


# JSON Schema keywords → the pydantic constraints that enforce them (and write them back).
ENFORCED = {
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_length",
    "maxItems": "max_length",
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "pattern": "pattern",
}


def doc(description: str | None = None, default: Any = ..., **constraints: Any) -> Any:
    """A field whose constraints are enforced and documented alike.

    An ``enum`` of texts is enforced as the equivalent anchored pattern (also documented).
    """
    enforced = {ENFORCED[key]: value for key, value in constraints.items() if key in ENFORCED}
    extra = {key: value for key, value in constraints.items() if key not in ENFORCED}
    if "enum" in extra:
        enforced["pattern"] = "^(?:" + "|".join(map(_literal, extra["enum"])) + ")$"
    return Field(default, description=description, json_schema_extra=extra or None, **enforced)


def _literal(text: str) -> str:
    """*text* as a regular expression matching exactly it (Python and ECMAScript alike)."""
    return "".join("\\" + ch if ch in ".^$*+?()[]{}|\\/" else ch for ch in text)


def _text(name: str, description: str | None = None, required: bool = False) -> Any:
    extra = {"maxLength": TEXT_LIMITS[name]}
    if name == "title":
        extra["minLength"] = 1
    return doc(description, ... if required else None, **extra)


def _choice(name: str, required: bool = False) -> Any:
    return doc(None, ... if required else None, enum=[e.value for e in CHOICES[name]])


ICE = {"minimum": 1, "maximum": 10}
# An ISO week such as 2026-W47 (domain.weeks also checks that a year has a week 53).
WEEK = r"^[0-9]{4}-W(?:0[1-9]|[1-4][0-9]|5[0-3])$"


# ---------------------------------------------------------------- errors


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, a sentence for people, and messages per input field."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorResponse(Out):
    error: ErrorDetail


def example(values: dict[str, Any], **keywords: Any) -> ConfigDict:
    """A model's configuration showing *values* as its example in the document (with other
    JSON Schema *keywords*, such as if/then)."""
    return ConfigDict(json_schema_extra={"examples": [values], **keywords})


# ---------------------------------------------------------------- hypotheses


class HypothesisCreate(In):
    """A new hypothesis. It enters the backlog when there is room, else it waits as an idea."""

    model_config = example(
        {
            "title": "Shorter lead form",
            "change": "Remove 3 of 7 fields",
            "audience": "Mobile visitors",
            "expected_effect": "+15% lead rate",
            "rationale": "Fewer fields, less friction",
            "stage": "lead",
            "lever": "conversion",
            "subject": "landing page",
            "impact": 8,
            "confidence": 5,
            "ease": 7,
        }
    )

    title: str = _text("title", "What we change, in a few words.", required=True)
    change: str | None = _text("change", "What exactly we change.")
    audience: str | None = _text("audience", "For whom (audience or segment).")
    expected_effect: str | None = _text("expected_effect", "Which metric moves, by how much.")
    rationale: str | None = _text("rationale", "Why we believe it.")
    stage: str = _choice("stage", required=True)
    lever: str = _choice("lever", required=True)
    subject: str = _choice("subject", required=True)
    channel: str | None = _text("channel")
    owner_id: Id | None = doc(
        "A member of the team; defaults to the token's user.", None, minimum=1
    )
    tags: list[str] | str | None = doc("A list, or one comma-separated string.", None)
    links: list[str] | str | None = doc("http(s) addresses: a list, or one per line.", None)
    impact: int = doc("ICE impact, 1–10 (default 5).", None, **ICE)
    confidence: int = doc("ICE confidence, 1–10 (default 5).", None, **ICE)
    ease: int = doc("ICE ease, 1–10 (default 5).", None, **ICE)
    reach: int | None = doc("RICE reach (teams using RICE).", None, minimum=0, maximum=MAX_REACH)
    effort: float | None = doc(
        "RICE effort in person-weeks (teams using RICE).",
        None,
        exclusiveMinimum=0,
        maximum=MAX_EFFORT,
    )


class HypothesisPatch(In):
    """An edit: only the fields sent change (null clears an optional one, e.g. the owner).
    ``version`` is the version you read."""

    model_config = example({"version": 1, "impact": 9, "tags": ["form", "mobile"]})

    version: Id = doc(
        "The version you read; a stale one gets 409 with what changed.", ..., minimum=1
    )
    title: str = _text("title")
    change: str | None = _text("change")
    audience: str | None = _text("audience")
    expected_effect: str | None = _text("expected_effect")
    rationale: str | None = _text("rationale")
    stage: str = _choice("stage")
    lever: str = _choice("lever")
    subject: str = _choice("subject")
    channel: str | None = _text("channel")
    owner_id: Id | None = doc(None, None, minimum=1)
    tags: list[str] | str | None = None
    links: list[str] | str | None = None
    impact: int = doc(None, None, **ICE)
    confidence: int = doc(None, None, **ICE)
    ease: int = doc(None, None, **ICE)
    reach: int | None = doc(None, None, minimum=0, maximum=MAX_REACH)
    effort: float | None = doc(None, None, exclusiveMinimum=0, maximum=MAX_EFFORT)


class VersionIn(In):
    """Optionally, the version you read: a stale one gets 409."""

    version: Id | None = doc(None, None, minimum=1)


class RejectIn(In):
    model_config = example({"reason": "Already tested in spring; no effect."})

    reason: str = doc(
        "Why it will not be tested (required).", ..., minLength=1, maxLength=MAX_REASON
    )
    version: Id | None = doc(None, None, minimum=1)


class HypothesisQuery(Query):
    status: str | None = doc(
        "Default: the active ones (idea, backlog, approved, running); 'all' lists every status.",
        None,
        enum=[s.value for s in Status] + ["all"],
    )
    stage: str | None = _choice("stage")
    lever: str | None = _choice("lever")
    subject: str | None = _choice("subject")
    q: str | None = doc(
        "Words in the title, change, audience, rationale or tags.", None, maxLength=200
    )
    sort: str | None = doc(
        "Default: score (ties: older first).", None, enum=["score", "rice", "newest", "title"]
    )
    page: int | None = doc("Page number; out-of-range pages give the nearest page.", None)
    per_page: int | None = doc("Items per page (default 25), kept within 1–100.", None)


class HypothesisOut(Out):
    id: int
    version: int
    status: str
    score: float
    rice: float | None
    title: str
    change: str
    audience: str
    expected_effect: str
    rationale: str
    stage: str
    lever: str
    subject: str
    channel: str
    owner_id: int | None
    tags: list[str]
    links: list[str]
    impact: int
    confidence: int
    ease: int
    reach: int | None
    effort: float | None
    reject_reason: str | None
    approved_by_id: int | None
    approved_at: datetime | None
    parent_id: int | None
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime


class HypothesisCreated(HypothesisOut):
    entered_backlog: bool = Field(
        description="False when the backlog was full: it waits as an idea."
    )
    message: str | None


class HypothesisPage(Out):
    items: list[HypothesisOut]
    page: int
    pages: int
    total: int
    per_page: int
