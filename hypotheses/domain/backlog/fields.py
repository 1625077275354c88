"""The labels of a hypothesis's fields, as its form and its history name them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FIELD_LABELS = {
    "title": _l("Title"),
    "change": _l("Change (what we do)"),
    "audience": _l("Audience / segment"),
    "expected_effect": _l("Expected effect"),
    "rationale": _l("Because (rationale)"),
    "stage": _l("Funnel stage"),
    "lever": _l("Lever"),
    "subject": _l("Subject"),
    "channel": _l("Channel"),
    "owner_id": _l("Owner"),
    "tags": _l("Tags"),
    "links": _l("Links"),
    "impact": _l("Impact"),
    "confidence": _l("Confidence"),
    "ease": _l("Ease"),
    "reach": _l("Reach"),
    "effort": _l("Effort"),
    "status": _l("Status"),
    "reject_reason": _l("Reason"),
    "approved_by_id": _l("Approved by"),
    "approved_at": _l("Approved at"),
    "approved_version": _l("Approved version"),
}
