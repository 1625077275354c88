"""The cumulative lift over days, as a server-rendered SVG line chart (the style of
hypotheses.charts: no script, every text escaped, a <title> and <desc>; the page adds a table
with the same numbers)."""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 680, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40
COLOURS = ("#0d6efd", "#d63384", "#198754", "#fd7e14")
DASHES = ("", "6 3", "2 3", "8 3 2 3")  # colour is never the only signal


def lift_over_time(
    points: list[tuple[str, dict[str, float | None]]], *, title: str, description: str, fmt
) -> Markup:
    """*points*: (day label, {variant: relative lift}) in time order; *fmt* formats a lift."""
    names = sorted({name for _, lifts in points for name in lifts})
    values = [v for _, lifts in points for v in lifts.values() if v is not None]
    values = [v for v in values if math.isfinite(v)] + [0.0]
    low, high = min(values), max(values)
    pad = max((high - low) * 0.15, 0.01)
    low, high = low - pad, high + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(i: int) -> float:
        return LEFT + (plot_w * i / (len(points) - 1) if len(points) > 1 else plot_w / 2)

    def sy(v: float) -> float:
        return TOP + plot_h * (high - v) / (high - low)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="img-fluid" style="max-width: {WIDTH}px" '
        'aria-labelledby="lift-time-title lift-time-desc">',
        f'<title id="lift-time-title">{escape(title)}</title>',
        f'<desc id="lift-time-desc">{escape(description)}</desc>',
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{sy(0):.1f}" y2="{sy(0):.1f}" '
        'stroke="#6c757d" stroke-width="1"/>',
    ]
    ticks = [0.0] + [t for t in (low + pad, high - pad) if abs(t) > 0.12 * (high - low)]
    for tick in ticks:
        parts.append(
            f'<text x="{LEFT - 6}" y="{sy(tick) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#495057">{escape(fmt(tick))}</text>'
        )
    step = max(1, math.ceil(len(points) / 8))
    for i, (label, _) in enumerate(points):
        if i % step == 0 or i == len(points) - 1:
            anchor = "end" if i == len(points) - 1 and len(points) > 1 else "middle"
            if i == 0 and len(points) > 1:
                anchor = "start"
            parts.append(
                f'<text x="{sx(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}" '
                f'font-size="11" fill="#495057">{escape(label)}</text>'
            )
    for k, name in enumerate(names):
        colour, dash = COLOURS[k % len(COLOURS)], DASHES[k % len(DASHES)]
        coords = [
            (sx(i), sy(lifts[name]))
            for i, (_, lifts) in enumerate(points)
            if lifts.get(name) is not None and math.isfinite(lifts[name])
        ]
        if not coords:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
        )
        for x, y in coords:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        x, y = coords[-1]
        parts.append(
            f'<text x="{min(x + 6, WIDTH - RIGHT - 40):.1f}" y="{y - 6:.1f}" font-size="11" '
            f'fill="{colour}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
