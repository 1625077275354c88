"""Warnings of a stored analysis in the reader's language: their titles and explanations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from hypotheses.domain.experiments.verdicts import correction_name, derive_warning_data
from hypotheses.domain.experiments.wording import (
    count_text,
    local_decimal,
    p_text,
    percent_floor,
    plain_number,
)
from hypotheses.languages import percent_sign


@dataclass(frozen=True)
class WarningText:
    """One warning as shown: its code, a short title and the explanation."""

    code: str
    title: str
    message: str

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"


def warning_title(code: str) -> str:
    """The short title of a warning code."""
    titles = {
        "srm": _("Sample ratio mismatch"),
        "underpowered": _("Under-powered"),
        "early_look": _("Early look"),
        "multiple_variants": _("Several variants"),
    }
    return titles.get(code, _("Warning"))


def spending_name(spending: str) -> str:
    """The name of a group-sequential spending function as it reads before "bound"."""
    names = {"obrien-fleming": _("O'Brien-Fleming-type"), "pocock": _("Pocock-type")}
    return names.get(spending, spending)


def _warning_message(code: str, data: dict[str, Any]) -> str:
    if code == "srm":
        return _(
            "the observed split %(observed)s differs from the planned %(planned)s "
            "(p %(p)s). Check how visitors are assigned before trusting these results.",
            observed="/".join(count_text(int(n)) for n in data["observed"]),
            planned="/".join(
                plain_number(float(w)) + percent_sign() for w in data["planned_percent"]
            ),
            p=p_text(float(data["p_value"]), 0.001),
        )
    if code == "underpowered":
        achieved = int(data["achieved"])
        return ngettext(
            "the test ended with %(count)s per arm (smallest arm) against the planned "
            "%(planned)s, so a real effect of the planned size may have been missed.",
            "the test ended with %(count)s per arm (smallest arm) against the planned "
            "%(planned)s, so a real effect of the planned size may have been missed.",
            achieved,
            count=count_text(achieved),
            planned=count_text(int(data["planned"])),
        )
    if code == "early_look":
        achieved, planned = int(data["achieved"]), int(data["planned"])
        values = {
            "count": count_text(achieved),
            "planned": count_text(planned),
            "percent": percent_floor(achieved, planned),
        }
        if data.get("z_bound") is not None:
            return ngettext(
                "Look %(look)s at %(count)s per arm (smallest arm) of the planned %(planned)s "
                "(%(percent)s). The verdict uses the %(spending)s group-sequential bound for "
                "this look (|z| ≥ %(bound)s), which keeps the false-positive rate at α over "
                "all recorded looks.",
                "Look %(look)s at %(count)s per arm (smallest arm) of the planned %(planned)s "
                "(%(percent)s). The verdict uses the %(spending)s group-sequential bound for "
                "this look (|z| ≥ %(bound)s), which keeps the false-positive rate at α over "
                "all recorded looks.",
                achieved,
                look=count_text(int(data.get("look") or 1)),
                spending=spending_name(str(data.get("spending", ""))),
                bound=local_decimal(f"{float(data['z_bound']):.2f}"),
                **values,
            )
        return ngettext(
            "%(count)s per arm (smallest arm) of the planned %(planned)s (%(percent)s). "
            "Fixed-sample p-values are not valid yet; the verdict uses the always-valid "
            "(sequential) result.",
            "%(count)s per arm (smallest arm) of the planned %(planned)s (%(percent)s). "
            "Fixed-sample p-values are not valid yet; the verdict uses the always-valid "
            "(sequential) result.",
            achieved,
            **values,
        )
    if code == "multiple_variants":
        count = int(data["count"])
        return ngettext(
            "%(num)d variant is compared with the control, so p-values are "
            "%(correction)s-adjusted for multiple comparisons.",
            "%(num)d variants are compared with the control, so p-values are "
            "%(correction)s-adjusted for multiple comparisons.",
            count,
            correction=correction_name(str(data.get("correction"))),
        )
    return code


def warnings(output: dict[str, Any] | None) -> list[WarningText]:
    """Every warning of a stored analysis, in the active language."""
    if not output or not output.get("comparisons"):
        return []
    items = []
    for warning in output.get("warnings", []):
        code = warning["code"]
        data = warning.get("data") or derive_warning_data(output, code)
        items.append(WarningText(code, warning_title(code), _warning_message(code, data)))
    return items
