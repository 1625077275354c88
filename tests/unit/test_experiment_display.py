"""Numbers for people and the server-rendered lift chart (escaped, with a text equivalent)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from hypotheses.charts import LiftRow, lift_chart
from hypotheses.experiments import formatting as f


@pytest.fixture
def ctx(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield


@pytest.mark.parametrize(
    "value, text",
    [
        (0.0004, "< 0.001"),
        (0.004, "0.004"),
        (0.0123, "0.012"),
        (0.049, "0.049"),
        (0.23, "0.23"),
        (1.0, "1.00"),
        (None, "—"),
    ],
)
def test_pvalues(ctx, value, text):
    assert f.pvalue(value) == text


def test_percentages_lifts_and_intervals(ctx):
    assert f.pct(0.031) == "3.1%" and f.pct(0.03106, 2) == "3.11%"
    assert (
        f.signed_pct(0.26) == "+26.0%"
        and f.signed_pct(-0.021) == "−2.1%"  # a real minus sign, as in the verdicts
        and f.signed_pct(0.00001) == "0.0%"
    )
    assert f.ci_range(0.08, 0.44) == "+8.0% to +44.0%"
    assert f.ci_range(-0.029, 0.319) == "−2.9% to +31.9%"
    assert f.signed_pp(-0.0013) == "−0.13 pp" and f.signed_num(-1.5) == "−1.50"
    assert f.ci_range(None, 0.4) == "—" and f.pct(float("nan")) == "—"
    assert f.signed_pp(0.008) == "+0.80 pp" and f.num(12345) == "12,345"
    assert (
        f.chance(0.9996) == "> 99.9%"
        and f.chance(0.973) == "97.3%"
        and f.chance(0.0001) == "< 0.1%"
    )


def test_chart_escapes_labels_and_names_itself():
    svg = lift_chart(
        [
            LiftRow("<script>alert(1)</script>", 0.26, 0.08, 0.44, True),
            LiftRow("B & “C”", -0.02, -0.1, 0.06),
        ],
        title="Lift <b>",
        description="B: +26% & more",
        axis_label="Relative lift",
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&amp;" in svg
    root = ET.fromstring(str(svg))  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img" and root.find(f"{ns}title").text == "Lift <b>"
    assert root.find(f"{ns}desc").text == "B: +26% & more"
    labelled = root.get("aria-labelledby").split()
    assert labelled == [root.find(f"{ns}title").get("id"), root.find(f"{ns}desc").get("id")]
    assert (
        len(root.findall(f"{ns}path")) == 1 and len(root.findall(f"{ns}circle")) == 1
    )  # shape, not colour


def test_a_long_axis_label_takes_two_lines_inside_the_chart():
    row = [LiftRow("B", 0.13, -0.06, 0.37)]
    label = "Относительный прирост к контролю, повторный 95 % ДИ"
    root = ET.fromstring(str(lift_chart(row, title="t", description="d", axis_label=label)))
    short = ET.fromstring(str(lift_chart(row, title="t", description="d", axis_label="x")))
    ns = "{http://www.w3.org/2000/svg}"
    lines = [t.text for t in root.iter(f"{ns}text") if t.get("class") == "chart-axis"]
    assert lines == ["Относительный прирост к контролю,", "повторный 95 % ДИ"]
    height = float(root.get("viewBox").split()[3])
    assert height == float(short.get("viewBox").split()[3]) + 17
    assert all(float(t.get("y")) < height for t in root.iter(f"{ns}text"))


def test_chart_axis_keeps_zero_inside_and_ticks_readable():
    svg = str(
        lift_chart([LiftRow("B", 0.008, -0.001, 0.017)], title="t", description="d", axis_label="x")
    )
    ticks = re.findall(r">([^<]*%)</text>", svg)
    assert ticks == ["-0.5%", "0%", "+0.5%", "+1.0%", "+1.5%", "+2.0%"]
    empty = str(
        lift_chart(
            [LiftRow("B", None)],
            title="t",
            description="d",
            axis_label="x",
            not_computable="not computable",
        )
    )
    assert "not computable" in empty
