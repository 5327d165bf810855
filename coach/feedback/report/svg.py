"""Inline SVG line charts for the report page: no script, no library, nothing fetched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 760, 230
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 14, 46


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per day; None: no value that day (the line breaks)
    colour: str


def nice_ceiling(value: float) -> float:
    """A round axis top at or above `value` (1, 2, 2.5, 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def _label(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def line_chart(title: str, days: Sequence[str], series: Sequence[Series], *, percent: bool = False,
               chart_id: str = "") -> str:
    """A chart of the series over the days; y from 0 to a round top (100% for shares)."""
    top = 1.0 if percent else nice_ceiling(max((v for s in series for v in s.values if v is not None), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(days) - 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(days) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - (v / top) * plot_h

    parts = [f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for k in range(5):
        value = top * k / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
                     f'<text class="tick" x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{_label(value, percent)}</text>')
    every = max(1, round(len(days) / 8))
    for i, day in enumerate(days):
        last = i == len(days) - 1 and (i % every == 0 or i % every > every / 2)  # no label on top of another
        if i % every == 0 or last:
            parts.append(f'<text class="tick" x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(day[5:])}</text>')
    for s in series:
        runs: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
                continue
            runs[-1].append(f"{x(i):.1f},{y(min(v, top)):.1f}")
            parts.append(f'<circle class="point" data-series="{escape(s.name)}" data-day="{escape(days[i])}" '
                         f'cx="{x(i):.1f}" cy="{y(min(v, top)):.1f}" r="2.5" fill="{s.colour}"><title>{escape(days[i])} '
                         f'{escape(s.name)}: {_label(v, percent)}</title></circle>')
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline data-series="{escape(s.name)}" points="{" ".join(run)}" fill="none" '
                             f'stroke="{s.colour}" stroke-width="2"/>')
    legend_x = LEFT
    for s in series:
        parts.append(f'<rect x="{legend_x}" y="{HEIGHT - 18}" width="12" height="4" fill="{s.colour}"/>'
                     f'<text class="legend" x="{legend_x + 16}" y="{HEIGHT - 13}">{escape(s.name)}</text>')
        legend_x += 24 + 8 * len(s.name)
    parts.append("</svg>")
    return "".join(parts)
