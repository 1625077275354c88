"""The lift chart reads on a phone: a narrow viewBox, labelled axes, the labelled zero line."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypotheses.charts import WIDTH, LiftRow, lift_chart

NS = "{http://www.w3.org/2000/svg}"


def _chart(**extra) -> ET.Element:
    svg = lift_chart(
        [LiftRow("B", 0.26, 0.08, 0.44, True), LiftRow("C", -0.02, -0.1, 0.06)],
        title="Relative lift per variant",
        description="B: +26%; C: -2%",
        axis_label="Relative lift vs the control, 95% CI",
        **extra,
    )
    return ET.fromstring(str(svg))


def test_the_chart_is_narrow_enough_to_read_on_a_phone():
    root = _chart()
    assert root.get("viewBox").split()[2] == str(WIDTH) and WIDTH <= 440
    texts = [t.text for t in root.iter(f"{NS}text")]
    # Each variant's name and its numbers are text of their own, above its band.
    assert "B" in texts and "+26.0% (+8.0% to +44.0%)" in texts
    assert "-2.0% (-10.0% to +6.0%)" in texts


def test_both_axes_and_the_zero_line_are_labelled():
    root = _chart(zero_label="no change")
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "Relative lift vs the control, 95% CI" in texts  # the x axis
    assert "no change" in texts  # the dashed zero line
    assert [t for t in texts if re.fullmatch(r"[-+]?\d+%", t or "")], "ticks on the x axis"
    dashed = [ln for ln in root.iter(f"{NS}line") if ln.get("stroke-dasharray")]
    assert len(dashed) == 1, "one dashed zero line"
    # The interval is drawn for each variant: a band between two caps.
    bands = [ln for ln in root.iter(f"{NS}line") if ln.get("stroke-width") == "12"]
    assert len(bands) == 2


def test_without_a_zero_label_none_is_drawn():
    texts = [t.text for t in _chart().iter(f"{NS}text")]
    assert "no change" not in texts
