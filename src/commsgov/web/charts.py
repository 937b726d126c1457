"""Charts drawn on the server: the geometry of a stacked bar chart as numbers for the template
to write as SVG (no script, no chart library). Every chart's page lists its data in a table
beside it, which is what a screen reader reads; the drawing is for the eye.

Colours are the design system's, each with at least 3:1 contrast on white.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from commsgov.services.dashboard import Chart

#: the series' colours, in order (blue, red, green, purple, orange, teal, grey, black)
PALETTE = ("#0065bd", "#d32205", "#1a7032", "#953b8b", "#b84a00", "#00837e", "#5e5e5e", "#1a1a1a")


@dataclass(frozen=True, slots=True)
class Bar:
    """One segment of a stacked bar: where it is drawn, its colour and what it counts."""

    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str


def _short(period: str, kind: str) -> str:
    day = dt.date.fromisoformat(period)
    return f"{day.day} {day:%b}" if kind == "week" else f"{day:%b %y}"


def stacked_bars(chart: Chart, *, width: int = 640, height: int = 260) -> dict[str, Any]:
    """The bars, axis labels and legend of ``chart`` drawn in a ``width`` x ``height`` box.

    >>> from commsgov.services.dashboard import Series
    >>> c = Chart("t", "month", ("2026-10-01", "2026-11-01"), (Series("a", (1, 3)),))
    >>> drawn = stacked_bars(c)
    >>> [round(b.height) for b in drawn["bars"]], drawn["totals"], drawn["peak"]
    ([67, 200], [1, 3], 3)
    """
    left, right, top, bottom = 44, 8, 12, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(chart.periods), 1)
    totals = [sum(s.counts[i] for s in chart.series) for i in range(len(chart.periods))]
    peak = max([*totals, 1])
    step = plot_w / count
    bars = []
    for i, period in enumerate(chart.periods):
        y = float(top + plot_h)
        for n, series in enumerate(chart.series):
            value = series.counts[i]
            if not value:
                continue
            h = value / peak * plot_h
            y -= h
            colour = PALETTE[n % len(PALETTE)]
            label = f"{series.name}, {period}: {value}"
            bars.append(Bar(left + i * step + step * 0.15, y, step * 0.7, h, colour, label))
    every = max(1, round(count / 8))  # at most about eight labels along the bottom
    xlabels = [
        (left + i * step + step / 2, _short(p, chart.period))
        for i, p in enumerate(chart.periods)
        if i % every == 0
    ]
    yticks = sorted({0, peak // 2, peak})
    return {
        "width": width, "height": height, "left": left, "top": top, "bottom": top + plot_h,
        "right": width - right, "bars": bars, "xlabels": xlabels, "totals": totals,
        "peak": peak, "yticks": [(top + plot_h - v / peak * plot_h, v) for v in yticks],
        "legend": [(s.name, PALETTE[n % len(PALETTE)]) for n, s in enumerate(chart.series)],
    }  # fmt: skip
