"""Server-rendered SVG charts (no script, no external resource; CSP-safe).

Every piece of text is escaped here, so the returned markup is safe to render with ``|safe``;
only output of these functions may be rendered that way. Each chart carries <title>/<desc>;
the page adds a table with the same numbers as the text equivalent.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# Each variant is a row: its name and numbers on one line, its interval as a band below, on a
# plot as wide as the chart. The viewBox is narrow so the text stays readable when the chart
# shrinks to a phone's width (about 0.85 of its size at 360 px); app.css caps its width.
WIDTH = 420
PAD = 12  # left and right margin of the plot
ROW_H = 58  # a text line, the band, space
TOP, BOTTOM = 22, 52  # room for the "no change" label; ticks and the axis label
NAME_CHARS = 20
AXIS_CHARS, AXIS_LINE = 44, 17  # a longer axis label takes two lines (the Russian ones do)
INK, MUTED, GRID = "#1f2733", "#4a5361", "#dfe3e8"
SIGNIFICANT, SIGNIFICANT_BAND, PLAIN_BAND = "#0e6b70", "#a9cfd1", "#cfd5dc"


@dataclass(frozen=True)
class LiftRow:
    """One variant's relative lift against the control and its confidence interval (fractions)."""

    name: str
    lift: float | None
    low: float | None = None
    high: float | None = None
    significant: bool = False


def _signed(value: float) -> str:
    return f"{value * 100:+.1f}%"


def _interval(low: float, high: float) -> str:
    return f"{_signed(low)} to {_signed(high)}"


def _tick(value: float, digits: int) -> str:
    return f"{value * 100:+.{digits}f}%"


def _nice_step(span: float) -> float:
    raw = span / 5
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power


def _tick_digits(values: list[float]) -> int:
    """Return the fewest decimals that show every tick (in percent) exactly: 0.5 → 1, 25 → 0."""
    for digits in range(5):
        if all(abs(round(v * 100, digits) - v * 100) < 1e-6 for v in values):
            return digits
    return 4


def _domain(rows: list[LiftRow]) -> tuple[float, float, float]:
    values = [0.0]
    for row in rows:
        values += [v for v in (row.lift, row.low, row.high) if v is not None and math.isfinite(v)]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 0.05, high + 0.05
    step = _nice_step(high - low)
    lo, hi = math.floor(low / step) * step, math.ceil(high / step) * step
    # keep a margin so no point, bar or the zero line sits on the plot's edge
    if low - lo < 0.3 * step:
        lo -= step
    if hi - high < 0.3 * step:
        hi += step
    return lo, hi, step


def _text(x: float, y: float, body: str, **attrs: str) -> str:
    extra = "".join(f' {k.rstrip("_").replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(body)}</text>'


def _lines(text: str, limit: int) -> list[str]:
    """Split *text* in two at the space nearest its middle (after a comma if one is close) when
    it is longer than *limit* characters."""
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if len(text) <= limit or not spaces:
        return [text]
    middle = len(text) / 2
    cut = min(spaces, key=lambda i: abs(i - middle) - (8 if text[i - 1] == "," else 0))
    return [text[:cut], text[cut + 1 :]]


def lift_chart(
    rows: list[LiftRow],
    *,
    title: str,
    description: str,
    axis_label: str,
    no_ci: str = "no CI",
    not_computable: str = "not computable",
    zero_label: str = "",
    signed: Callable[[float], str] = _signed,
    interval: Callable[[float, float], str] = _interval,
    tick: Callable[[float, int], str] = _tick,
) -> Markup:
    """Return an SVG of each variant's relative lift (point) with its CI (band) and a zero line.

    Significant lifts get a filled diamond, others a hollow circle, and every row prints its
    numbers, so colour is never the only signal. The x axis has ticks and *axis_label*; the
    dashed zero line is labelled *zero_label* ("no change") when given. *signed* (a lift),
    *interval* (its CI) and *tick* (an axis value with so many decimals) word the numbers; the
    defaults are English.
    """
    plot_x0, plot_x1 = PAD, WIDTH - PAD
    count = max(len(rows), 1)
    axis_y = TOP + ROW_H * count
    axis_lines = _lines(axis_label, AXIS_CHARS)
    height = axis_y + BOTTOM + AXIS_LINE * (len(axis_lines) - 1)
    lo, hi, step = _domain(rows)

    def sx(value: float) -> float:
        return plot_x0 + (value - lo) / (hi - lo) * (plot_x1 - plot_x0)

    ident = "lift-" + hashlib.sha1(repr((title, rows)).encode()).hexdigest()[:10]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-lift" role="img" width="100%" '
        f'viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(description)}</desc>',
    ]
    ticks = int(round((hi - lo) / step))
    values = [lo + i * step for i in range(ticks + 1)]
    digits = _tick_digits(values)
    # Ticks: a thin ink tick, a light grid line; the first and last anchored inside the chart.
    parts.append(
        f'<line x1="{plot_x0}" y1="{axis_y}" x2="{plot_x1}" y2="{axis_y}" stroke="{MUTED}"/>'
    )
    for i, value in enumerate(values):
        x = sx(value)
        parts.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{axis_y}" stroke="{GRID}"/>')
        parts.append(
            f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}" stroke="{MUTED}"/>'
        )
        label = tick(0.0, 0).lstrip("+") if abs(value) < step / 1000 else tick(value, digits)
        anchor = "start" if i == 0 else "end" if i == ticks else "middle"
        parts.append(
            _text(x, axis_y + 19, label, text_anchor=anchor, fill=MUTED, class_="chart-tick")
        )
    for i, line in enumerate(axis_lines):
        y = axis_y + 42 + AXIS_LINE * i
        parts.append(_text(WIDTH / 2, y, line, text_anchor="middle", fill=INK, class_="chart-axis"))
    zero = sx(0.0)
    parts.append(
        f'<line x1="{zero:.1f}" y1="{TOP - 4}" x2="{zero:.1f}" y2="{axis_y}" stroke="{INK}" '
        f'stroke-width="1.5" stroke-dasharray="5 4"/>'
    )
    if zero_label:
        anchor = "start" if zero < WIDTH * 0.3 else "end" if zero > WIDTH * 0.7 else "middle"
        parts.append(
            _text(zero, TOP - 8, zero_label, text_anchor=anchor, fill=MUTED, class_="chart-tick")
        )
    for index, row in enumerate(rows):
        top = TOP + ROW_H * index
        text_y, y = top + 18, top + 36
        name = row.name if len(row.name) <= NAME_CHARS else row.name[: NAME_CHARS - 1] + "…"
        colour = SIGNIFICANT if row.significant else MUTED
        finite = (
            row.low is not None
            and row.high is not None
            and math.isfinite(row.low)
            and math.isfinite(row.high)
        )
        if finite:
            x1, x2 = sx(row.low), sx(row.high)
            band = SIGNIFICANT_BAND if row.significant else PLAIN_BAND
            parts.append(
                f'<line x1="{x1:.1f}" y1="{y}" x2="{x2:.1f}" y2="{y}" stroke="{band}" '
                f'stroke-width="12" stroke-linecap="butt"/>'
            )
            for x in (x1, x2):
                parts.append(
                    f'<line x1="{x:.1f}" y1="{y - 9}" x2="{x:.1f}" y2="{y + 9}" '
                    f'stroke="{colour}" stroke-width="2"/>'
                )
            label = (
                f"{signed(row.lift)} ({interval(row.low, row.high)})"
                if row.lift is not None
                else ""
            )
        else:
            label = f"{signed(row.lift)} ({no_ci})" if row.lift is not None else not_computable
        if row.lift is not None and math.isfinite(row.lift):
            x = sx(row.lift)
            if row.significant:
                parts.append(
                    f'<path d="M{x:.1f} {y - 9} L{x + 9:.1f} {y} L{x:.1f} {y + 9} '
                    f'L{x - 9:.1f} {y} Z" fill="{colour}" stroke="#fff" stroke-width="1.5"/>'
                )
            else:
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y}" r="6.5" fill="#fff" stroke="{colour}" '
                    f'stroke-width="2.5"/>'
                )
        parts.append(_text(plot_x0, text_y, name, fill=INK, font_weight="600"))
        parts.append(
            _text(
                plot_x1,
                text_y,
                label,
                text_anchor="end",
                fill=colour if row.significant else INK,
                font_weight="600" if row.significant else "400",
            )
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above went through html.escape
