"""Server-rendered SVG sparklines: a small trend line that needs no JavaScript."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape


def _points(
    values: Sequence[float | None], width: float, height: float, pad: float
) -> list[tuple[float, float]]:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    low, high = min(finite), max(finite)
    span = high - low
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = []
    for i, value in enumerate(values):
        if value is None or not math.isfinite(value):
            continue
        # A flat series sits in the middle; otherwise scale to the box (SVG y grows down).
        share = 0.5 if span == 0 else (value - low) / span
        points.append(
            (round(pad + i * step, 2), round(height - pad - share * (height - 2 * pad), 2))
        )
    return points


def sparkline_svg(
    values: Sequence[float | None],
    *,
    title: str,
    width: int = 120,
    height: int = 32,
    css_class: str = "sparkline",
) -> Markup:
    """Return an inline SVG trend line of *values* (None marks a week without a value).

    The SVG carries role="img" and a <title>; the page must also show the numbers as
    text, since a line alone is not an accessible equivalent.
    """
    label = escape(title)
    head = (
        f'<svg class="{escape(css_class)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{label}"><title>{label}</title>'
    )
    if not any(v is not None and math.isfinite(v) for v in values):
        return Markup(head + "</svg>")
    points = _points(values, width, height, pad=3)
    body = []
    if len(points) > 1:
        path = " ".join(f"{x},{y}" for x, y in points)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="currentColor" '
            'stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    x, y = points[-1]
    body.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="currentColor"/>')
    return Markup(head + "".join(body) + "</svg>")
