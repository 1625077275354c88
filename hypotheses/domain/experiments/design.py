"""Pure rules of a test design: validation, planned sample size and duration.

No database, no Flask request. Fractions throughout: a conversion baseline of 3.1% is 0.031,
a relative MDE of 10% is 0.10, an absolute MDE for a conversion is in rate units (0.005 is
half a percentage point). Traffic splits may be fractions summing to 1 or percentages
summing to 100; they are stored as fractions.
"""

from __future__ import annotations

import math
import re
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

import stats
from hypotheses.domain.core.errors import ValidationFailed
from hypotheses.domain.core.numbers import to_int, to_number
from hypotheses.domain.experiments.metrics import clean_extras, underpowered
from hypotheses.enums import MetricKind
from hypotheses.languages import percent_sign

MIN_VARIANTS, MAX_VARIANTS = 2, 6  # control + 1..5
MAX_NAME, MAX_METRIC = 60, 120
MAX_DAILY = 1_000_000_000
MAX_MEAN = 1e12
# What a running test may no longer change (pre-registration). The planned sample per variant
# derives from these and is kept as stored. Daily traffic stays editable: it only moves the
# expected end date.
_PLAN_INPUTS = (
    "metric_name",
    "metric_kind",
    "baseline",
    "baseline_sd",
    "mde",
    "mde_relative",
    "alpha",
    "power",
)
LOCKED_FIELDS = (*_PLAN_INPUTS, "variants")
DESIGN_FIELDS = (*_PLAN_INPUTS, "daily_visitors", "per_variant", "duration_days")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _flag(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in {"true", "1", "yes", "on", "relative"}:
        return True
    if isinstance(raw, str) and raw.strip().lower() in {"false", "0", "no", "off", "absolute", ""}:
        return False
    return None


def _clean_variants(errors: dict[str, list[str]], raw: Any) -> list[dict[str, Any]]:
    """Validate the variant rows; rows with neither name nor split are ignored."""
    if not isinstance(raw, list | tuple):
        errors["variants"] = [_("List the control and 1 to 5 variants.")]
        return []
    rows = []
    for index, row in enumerate(raw):
        row = row if isinstance(row, dict) else {}
        name = row.get("name")
        name = name.strip() if isinstance(name, str) else name
        split = row.get("split")
        if (name in (None, "")) and split in (None, ""):
            continue
        rows.append((index, name, split))
    if not MIN_VARIANTS <= len(rows) <= MAX_VARIANTS:
        errors["variants"] = [
            _(
                "A test has a control and 1 to 5 variants (2 to 6 rows); this one has %(n)d.",
                n=len(rows),
            )
        ]
    seen: set[str] = set()
    cleaned = []
    for index, name, split in rows:
        if not isinstance(name, str) or not name:
            errors[f"variant_name_{index}"] = [_("Give this variant a name.")]
        elif len(name) > MAX_NAME:
            errors[f"variant_name_{index}"] = [_("Use at most %(n)d characters.", n=MAX_NAME)]
        elif _CONTROL.search(name):
            errors[f"variant_name_{index}"] = [_("Remove control characters from this field.")]
        elif name.casefold() in seen:
            errors[f"variant_name_{index}"] = [_("Each variant needs a different name.")]
        else:
            seen.add(name.casefold())
        value = None if split in (None, "") else to_number(split)
        if split not in (None, "") and (value is None or value <= 0):
            errors[f"variant_split_{index}"] = [_("The traffic share must be a number above 0.")]
        cleaned.append({"index": index, "name": name, "split": value})
    _normalise_splits(errors, cleaned)
    return [{"name": r["name"], "split": r["split"]} for r in cleaned]


def _normalise_splits(errors: dict[str, list[str]], rows: list[dict[str, Any]]) -> None:
    """Turn the shares into fractions: all empty → equal; percentages summing to 100 → /100."""
    if any(k.startswith("variant_split_") for k in errors) or not rows:
        return
    given = [r["split"] for r in rows]
    if all(v is None for v in given):
        for r in rows:
            r["split"] = 1 / len(rows)
        return
    if any(v is None for v in given):
        for r in rows:
            if r["split"] is None:
                errors[f"variant_split_{r['index']}"] = [
                    _(
                        "Give every variant a traffic share, or "
                        "leave all of them empty for an equal split."
                    )
                ]
        return
    total = math.fsum(given)
    if abs(total - 1) <= 1e-6:
        scale = 1.0
    elif abs(total - 100) <= 1e-4:
        scale = 100.0
    else:
        errors["variants"] = [
            _(
                "The traffic shares add up to %(total)s; they must add up to 100%% "
                "(or to 1 as fractions).",
                total=format_decimal(total, "#,##0.######"),
            )
        ]
        return
    for r in rows:
        r["split"] = r["split"] / scale


def _clean_baseline(
    errors: dict[str, list[str]], values: dict[str, Any], data: dict[str, Any]
) -> None:
    kind = values.get("metric_kind")
    baseline = to_number(data.get("baseline"))
    values["baseline_sd"] = None
    if kind == MetricKind.CONVERSION:
        if baseline is None or not 0 < baseline < 1:
            errors["baseline"] = [
                _("The baseline conversion rate must be between 0% and 100% (not 0 or 100).")
            ]
        values["baseline"] = baseline
    elif kind == MetricKind.CONTINUOUS:
        if baseline is None or abs(baseline) > MAX_MEAN:
            errors["baseline"] = [_("Enter the metric's current mean (a finite number).")]
        sd = to_number(data.get("baseline_sd"))
        if sd is None or not 0 < sd <= MAX_MEAN:
            errors["baseline_sd"] = [_("Enter the metric's standard deviation (a number above 0).")]
        values["baseline"], values["baseline_sd"] = baseline, sd


def _clean_mde(errors: dict[str, list[str]], values: dict[str, Any], data: dict[str, Any]) -> None:
    relative = _flag(data.get("mde_relative", True))
    mde = to_number(data.get("mde"))
    values["mde_relative"] = bool(relative)
    values["mde"] = mde
    if relative is None:
        errors["mde_relative"] = [_("Choose a relative or an absolute effect.")]
        return
    if mde is None or mde <= 0:
        errors["mde"] = [_("The minimum detectable effect must be a number above 0.")]
        return
    baseline, kind = values.get("baseline"), values.get("metric_kind")
    if "baseline" in errors or baseline is None:
        return
    if kind == MetricKind.CONVERSION:
        target = baseline * (1 + mde) if relative else baseline + mde
        if not 0 < target < 1:
            errors["mde"] = [
                _(
                    "With this effect the target rate would be %(rate)s, outside 0%%–100%%. "
                    "Choose a smaller effect.",
                    rate=format_decimal(target * 100, "#,##0.##") + percent_sign(),
                )
            ]
    elif kind == MetricKind.CONTINUOUS and relative and baseline == 0:
        errors["mde"] = [
            _(
                "A relative effect needs a baseline mean other than 0; use an absolute "
                "effect instead."
            )
        ]


def validate_design(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a design and compute its plan; return the cleaned values.

    The result holds every key of DESIGN_FIELDS plus ``variants`` (list of {name, split},
    control first). Raises ValidationFailed listing every wrong field.
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    name = data.get("metric_name")
    name = name.strip() if isinstance(name, str) else None
    if not name:
        errors["metric_name"] = [
            _("Name the primary metric (choose one from the catalog or type it).")
        ]
    elif len(name) > MAX_METRIC or _CONTROL.search(name):
        errors["metric_name"] = [
            _("Use at most %(n)d characters, without control characters.", n=MAX_METRIC)
        ]
    values["metric_name"] = name
    kind = data.get("metric_kind")
    if kind not in {k.value for k in MetricKind}:
        errors["metric_kind"] = [_("Choose conversion or continuous.")]
    values["metric_kind"] = str(kind) if kind in {k.value for k in MetricKind} else None
    _clean_baseline(errors, values, data)
    _clean_mde(errors, values, data)
    alpha, power = to_number(data.get("alpha")), to_number(data.get("power"))
    if alpha is None or not 0 < alpha <= 0.5:
        errors["alpha"] = [
            _("The significance level α must be above 0 and at most 0.5 (usually 0.05).")
        ]
    if power is None or not 0 < power < 1:
        errors["power"] = [_("Power must be between 0 and 1 (usually 0.8).")]
    values["alpha"], values["power"] = alpha, power
    daily = to_int(data.get("daily_visitors"))
    if daily is None or not 1 <= daily <= MAX_DAILY:
        errors["daily_visitors"] = [_("Expected daily visitors is a whole number of at least 1.")]
    values["daily_visitors"] = daily
    values["variants"] = _clean_variants(errors, data.get("variants"))
    values.update(clean_extras(errors, data))
    if errors:
        raise ValidationFailed(
            errors, _("Some fields need attention: %(names)s.", names=", ".join(errors))
        )
    values.update(plan(values))
    values["underpowered"] = underpowered(values)
    return values


def plan(values: dict[str, Any]) -> dict[str, int]:
    """Return the planned sample size per variant and the duration in days for clean *values*."""
    try:
        if values["metric_kind"] == MetricKind.CONVERSION:
            per_variant = stats.sample_size_conversions(
                baseline=values["baseline"],
                mde=values["mde"],
                relative=values["mde_relative"],
                alpha=values["alpha"],
                power=values["power"],
            )
        else:
            delta = (
                values["mde"] * abs(values["baseline"]) if values["mde_relative"] else values["mde"]
            )
            per_variant = stats.sample_size_means(
                sd=values["baseline_sd"], mde=delta, alpha=values["alpha"], power=values["power"]
            )
        days = stats.test_duration_days(
            per_variant=per_variant,
            variants=len(values["variants"]),
            daily_visitors=values["daily_visitors"],
        )
    except (stats.StatsInputError, OverflowError) as error:
        raise ValidationFailed({"mde": [str(error)]}, str(error)) from None
    return {"per_variant": int(per_variant), "duration_days": int(days)}


def design_values(experiment: Any, variants: list[Any]) -> dict[str, Any]:
    """Return a stored design in the shape validate_design returns."""
    values = {name: getattr(experiment, name) for name in DESIGN_FIELDS}
    values["variants"] = [{"name": v.name, "split": v.split} for v in variants]
    return values


def locked_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Return the pre-registered fields that differ between two designs."""
    changed = []
    for name in LOCKED_FIELDS:
        a, b = old.get(name), new.get(name)
        if name == "variants":
            same = len(a) == len(b) and all(
                x["name"] == y["name"] and math.isclose(x["split"], y["split"], abs_tol=1e-9)
                for x, y in zip(a, b, strict=True)
            )
        elif isinstance(a, float) and isinstance(b, float):
            same = math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
        else:
            same = a == b
        if not same:
            changed.append(name)
    return changed


def describe_variants(variants: list[dict[str, Any]]) -> str:
    """Return 'Control 50% / B 33.33%' (in the reader's number format) for the audit trail."""
    return " / ".join(
        f"{v['name']} {format_decimal(round(v['split'] * 100, 2), format='#,##0.##')}%"
        for v in variants
    )
