"""Forms of the test lifecycle: design and results (numbers and CSV); ending and deciding
are in decision_forms.

Forms check shape (numbers parse, lengths); the domain checks meaning. The design form shows
percentages to people and hands the domain fractions (to_data / from_design).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from hypotheses.domain.experiments.metrics import MAX_GUARDRAILS, MAX_SECONDARY
from hypotheses.domain.experiments.results import MAX_COUNT
from hypotheses.experiments.fields import ActionForm, text_field
from hypotheses.experiments.metric_forms import (
    GuardrailRow,
    SecondaryRow,
    design_extras,
    fill_extras,
)
from hypotheses.forms import (
    AppForm,
    RowForm,
    StrictFloatField,
    StrictIntegerField,
    row_list,
)

ROWS = 6  # control + up to 5 variants
KIND_CHOICES = [
    SelectChoice("conversion", _l("Conversion (a rate: visitors who converted)")),
    SelectChoice("continuous", _l("Continuous (a mean: revenue, order value, time)")),
]
MDE_CHOICES = [
    SelectChoice("relative", _l("Relative, percent of the baseline")),
    SelectChoice("absolute", _l("Absolute (percentage points, or metric units)")),
]


class VariantRow(RowForm):
    """One row of the design's variant table (row 0 is the control)."""

    variant_name = text_field(_l("Name of the control"), 60, optional=True)
    variant_split = StrictFloatField(_l("Traffic share of the control, %"), percent=True)


class DesignForm(AppForm):
    """The test design: metric, baseline, effect, error rates, traffic, variants."""

    metric_choice = SelectField(
        _l("Primary metric from the team's catalog"), choices=[], validate_choice=False
    )
    metric_other = text_field(_l("…or type another metric"), 120, optional=True)
    metric_kind = RadioField(
        _l("Metric kind"), choices=KIND_CHOICES, default="conversion", validate_choice=False
    )
    baseline = StrictFloatField(
        _l("Baseline: conversion rate in %, or the current mean"), percent=True
    )
    baseline_sd = StrictFloatField(_l("Standard deviation (continuous metrics only)"))
    mde = StrictFloatField(_l("Minimum detectable effect"), percent=True)
    mde_type = RadioField(
        _l("Effect is"), choices=MDE_CHOICES, default="relative", validate_choice=False
    )
    alpha = StrictFloatField(_l("Significance level α"), default=0.05)
    power = StrictFloatField(_l("Power (1 − β)"), default=0.8)
    daily_visitors = StrictIntegerField(_l("Expected daily visitors entering the test"))
    variants = row_list(VariantRow, ROWS)
    # issue 13: secondary metrics, guardrails, and the money behind the primary metric
    secondary = row_list(SecondaryRow, MAX_SECONDARY)
    guardrails = row_list(GuardrailRow, MAX_GUARDRAILS)
    value_per_conversion = StrictFloatField(
        _l("Money per conversion (optional)"), validators=[Optional()]
    )
    metric_is_money = BooleanField(
        _l("The primary metric is money per visitor (revenue or gross profit)")
    )
    monthly_traffic = StrictIntegerField(
        _l("Visitors a month after launch (optional)"), validators=[Optional()], minimum=1
    )
    version = StrictIntegerField(widget=HiddenInput(), validators=[Optional()], minimum=1)
    calculate = SubmitField(_l("Calculate"))
    save = SubmitField(_l("Save design"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i, (name, split) in enumerate(self.rows()):
            if i:
                name.label.text = _l("Name of variant %(n)s", n=i + 1)
                split.label.text = _l("Traffic share of variant %(n)s, %%", n=i + 1)

    def rows(self) -> list[tuple[Any, Any]]:
        """Return the (name, split) field pairs of the variant rows."""
        return [(row.variant_name, row.variant_split) for row in self.variants]

    def metric_name(self) -> str:
        return (self.metric_other.data or "").strip() or (self.metric_choice.data or "").strip()

    def to_data(self) -> dict[str, Any]:
        """Return the design in the domain's units (fractions)."""
        kind = self.metric_kind.data
        relative = self.mde_type.data != "absolute"
        baseline, mde = self.baseline.data, self.mde.data
        if kind == "conversion" and baseline is not None:
            baseline = baseline / 100
        if mde is not None and (relative or kind == "conversion"):
            mde = mde / 100
        return {
            "metric_name": self.metric_name(),
            "metric_kind": kind,
            "baseline": baseline,
            "baseline_sd": self.baseline_sd.data,
            "mde": mde,
            "mde_relative": relative,
            "alpha": self.alpha.data,
            "power": self.power.data,
            "daily_visitors": self.daily_visitors.data,
            "variants": [{"name": (n.data or "").strip(), "split": s.data} for n, s in self.rows()],
            **design_extras(self),
        }

    def fill(self, design: dict[str, Any], catalog: list[str]) -> None:
        """Show a stored design (fractions) in the form's units (percent)."""
        kind = design["metric_kind"]
        if design["metric_name"] in catalog:
            self.metric_choice.data, self.metric_other.data = design["metric_name"], ""
        else:
            self.metric_choice.data, self.metric_other.data = "", design["metric_name"]
        self.metric_kind.data = kind
        self.baseline.data = _round(
            design["baseline"] * 100 if kind == "conversion" else design["baseline"]
        )
        self.baseline_sd.data = design["baseline_sd"]
        relative = design["mde_relative"]
        self.mde_type.data = "relative" if relative else "absolute"
        self.mde.data = _round(
            design["mde"] * 100 if (relative or kind == "conversion") else design["mde"]
        )
        self.alpha.data, self.power.data = design["alpha"], design["power"]
        self.daily_visitors.data = design["daily_visitors"]
        for i, (name, split) in enumerate(self.rows()):
            row = design["variants"][i] if i < len(design["variants"]) else None
            name.data = row["name"] if row else ""
            split.data = _round(row["split"] * 100) if row else None
        fill_extras(self, design)


def _round(value: float | None) -> float | int | None:
    """Drop float noise for display (0.031 * 100 → 3.1; 50.0 → 50)."""
    if value is None:
        return None
    value = float(f"{value:.10g}")
    return int(value) if value.is_integer() else value


# Domain field names that live under another name in the form.
DESIGN_ALIASES = {
    "metric_name": "metric_other",
    "mde_relative": "mde_type",
    "variants": "variant_name_0",
    "status": None,
}


class ResultRow(RowForm):
    """The numbers of one variant: visitors/conversions or n/mean/sd."""

    visitors = StrictIntegerField(_l("Visitors"), minimum=0, maximum=MAX_COUNT)
    conversions = StrictIntegerField(_l("Conversions"), minimum=0, maximum=MAX_COUNT)
    n = StrictIntegerField(_l("Users (n)"), minimum=0, maximum=MAX_COUNT)
    mean = StrictFloatField(_l("Mean"))
    sd = StrictFloatField(_l("Standard deviation"))


class ResultsForm(ActionForm):
    """Per-variant numbers typed in: visitors/conversions or n/mean/sd."""

    page_key = "results_form"
    anchor = "analysis"
    rows = row_list(ResultRow, ROWS)
    final = BooleanField(_l("These are the final results: end the test"))
    submit = SubmitField(_l("Save results and analyse"))


def results_rows(form: ResultsForm, kind: str, names: list[str]) -> list[dict[str, Any]]:
    """Return the typed numbers as the domain's per-variant rows."""
    keys = ("visitors", "conversions") if kind == "conversion" else ("n", "mean", "sd")
    return [
        {"name": name, **{k: row[k].data for k in keys}}
        for name, row in zip(names, form.rows, strict=False)
    ]


class CsvUploadForm(ActionForm):
    """An aggregated results file: one row per variant."""

    page_key, anchor, sends = "csv_form", "analysis", ("final",)
    file = FileField(_l("Aggregated CSV file (one row per variant)"))
    final = BooleanField(_l("These are the final results: end the test"))
    submit = SubmitField(_l("Upload and analyse"))


class PerUserUploadForm(ActionForm):
    """A per-user file, reduced in one streaming pass; the user names the columns."""

    page_key, anchor = "user_form", "analysis"
    sends = ("final", "variant_column", "conversion_column", "value_column")
    file = FileField(_l("Per-user CSV file (one row per user)"))
    variant_column = text_field(_l("Variant column"), 100, optional=True, default="variant")
    conversion_column = text_field(
        _l("Converted column (1/0, true/false)"), 100, optional=True, default="converted"
    )
    value_column = text_field(
        _l("Value column (a number per user)"), 100, optional=True, default="value"
    )
    final = BooleanField(_l("These are the final results: end the test"))
    submit = SubmitField(_l("Upload and analyse"))
