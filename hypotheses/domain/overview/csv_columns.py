"""The columns of the CSV exports: each header in the user's language, and whether that is English.

English keeps the stored names (``title``, ``owner_email``) that scripts read; Russian gets the
labels the importer also accepts (``Название``), so an export imports back.
"""

from __future__ import annotations

from flask_babel import get_locale, lazy_pgettext

# Each column's header: the English is the column's name itself (what scripts read); the
# Russian catalog gives the words a spreadsheet user writes, which the importers recognise.
COLUMN_NAMES = {
    "id": lazy_pgettext("CSV column", "id"),
    "title": lazy_pgettext("CSV column", "title"),
    "status": lazy_pgettext("CSV column", "status"),
    "score": lazy_pgettext("CSV column", "score"),
    "rice": lazy_pgettext("CSV column", "rice"),
    "impact": lazy_pgettext("CSV column", "impact"),
    "confidence": lazy_pgettext("CSV column", "confidence"),
    "ease": lazy_pgettext("CSV column", "ease"),
    "reach": lazy_pgettext("CSV column", "reach"),
    "effort": lazy_pgettext("CSV column", "effort"),
    "stage": lazy_pgettext("CSV column", "stage"),
    "lever": lazy_pgettext("CSV column", "lever"),
    "subject": lazy_pgettext("CSV column", "subject"),
    "channel": lazy_pgettext("CSV column", "channel"),
    "owner_email": lazy_pgettext("CSV column", "owner_email"),
    "tags": lazy_pgettext("CSV column", "tags"),
    "links": lazy_pgettext("CSV column", "links"),
    "change": lazy_pgettext("CSV column", "change"),
    "audience": lazy_pgettext("CSV column", "audience"),
    "expected_effect": lazy_pgettext("CSV column", "expected_effect"),
    "rationale": lazy_pgettext("CSV column", "rationale"),
    "reject_reason": lazy_pgettext("CSV column", "reject_reason"),
    "parent_id": lazy_pgettext("CSV column", "parent_id"),
    "version": lazy_pgettext("CSV column", "version"),
    "created_at": lazy_pgettext("CSV column", "created_at"),
    "updated_at": lazy_pgettext("CSV column", "updated_at"),
    "experiment_id": lazy_pgettext("CSV column", "experiment_id"),
    "hypothesis_id": lazy_pgettext("CSV column", "hypothesis_id"),
    "hypothesis": lazy_pgettext("CSV column", "hypothesis"),
    "metric": lazy_pgettext("CSV column", "metric"),
    "metric_kind": lazy_pgettext("CSV column", "metric_kind"),
    "baseline": lazy_pgettext("CSV column", "baseline"),
    "baseline_sd": lazy_pgettext("CSV column", "baseline_sd"),
    "mde": lazy_pgettext("CSV column", "mde"),
    "mde_relative": lazy_pgettext("CSV column", "mde_relative"),
    "alpha": lazy_pgettext("CSV column", "alpha"),
    "power": lazy_pgettext("CSV column", "power"),
    "daily_visitors": lazy_pgettext("CSV column", "daily_visitors"),
    "per_variant": lazy_pgettext("CSV column", "per_variant"),
    "duration_days": lazy_pgettext("CSV column", "duration_days"),
    "variants": lazy_pgettext("CSV column", "variants"),
    "started_at": lazy_pgettext("CSV column", "started_at"),
    "ended_at": lazy_pgettext("CSV column", "ended_at"),
    "stop_reason": lazy_pgettext("CSV column", "stop_reason"),
    "decision": lazy_pgettext("CSV column", "decision"),
    "outcome": lazy_pgettext("CSV column", "outcome"),
    "learning": lazy_pgettext("CSV column", "learning"),
    "decided_at": lazy_pgettext("CSV column", "decided_at"),
    "latest_verdict": lazy_pgettext("CSV column", "latest_verdict"),
    "result_set_id": lazy_pgettext("CSV column", "result_set_id"),
    "entered_at": lazy_pgettext("CSV column", "entered_at"),
    "final": lazy_pgettext("CSV column", "final"),
    "source": lazy_pgettext("CSV column", "source"),
    "variant": lazy_pgettext("CSV column", "variant"),
    "visitors": lazy_pgettext("CSV column", "visitors"),
    "conversions": lazy_pgettext("CSV column", "conversions"),
    "n": lazy_pgettext("CSV column", "n"),
    "mean": lazy_pgettext("CSV column", "mean"),
    "sd": lazy_pgettext("CSV column", "sd"),
    "analysis_id": lazy_pgettext("CSV column", "analysis_id"),
    "computed_at": lazy_pgettext("CSV column", "computed_at"),
    "engine_version": lazy_pgettext("CSV column", "engine_version"),
    "method": lazy_pgettext("CSV column", "method"),
    "p_value": lazy_pgettext("CSV column", "p_value"),
    "adjusted_p_value": lazy_pgettext("CSV column", "adjusted_p_value"),
    "abs_diff": lazy_pgettext("CSV column", "abs_diff"),
    "abs_ci_low": lazy_pgettext("CSV column", "abs_ci_low"),
    "abs_ci_high": lazy_pgettext("CSV column", "abs_ci_high"),
    "rel_lift": lazy_pgettext("CSV column", "rel_lift"),
    "rel_ci_low": lazy_pgettext("CSV column", "rel_ci_low"),
    "rel_ci_high": lazy_pgettext("CSV column", "rel_ci_high"),
    "prob_beat_control": lazy_pgettext("CSV column", "prob_beat_control"),
    "significant": lazy_pgettext("CSV column", "significant"),
    "srm_p_value": lazy_pgettext("CSV column", "srm_p_value"),
    "srm_mismatch": lazy_pgettext("CSV column", "srm_mismatch"),
    "verdict": lazy_pgettext("CSV column", "verdict"),
    "iso_week": lazy_pgettext("CSV column", "iso_week"),
    "published_at": lazy_pgettext("CSV column", "published_at"),
    "item": lazy_pgettext("CSV column", "item"),
    "value": lazy_pgettext("CSV column", "value"),
    "previous": lazy_pgettext("CSV column", "previous"),
    "owner": lazy_pgettext("CSV column", "owner"),
    "due": lazy_pgettext("CSV column", "due"),
    "decision_status": lazy_pgettext("CSV column", "decision_status"),
    "attendees": lazy_pgettext("CSV column", "attendees"),
    "notes": lazy_pgettext("CSV column", "notes"),
}
# The kinds of rows of the reviews export ("item" column).
ITEM_NAMES = {
    "review": lazy_pgettext("CSV value", "review"),
    "kpi": lazy_pgettext("CSV value", "kpi"),
    "decision": lazy_pgettext("CSV value", "decision"),
}


def in_english() -> bool:
    """Whether exports are written in English now (stored names and values, no labels)."""
    locale = get_locale()
    return locale is None or locale.language == "en"
