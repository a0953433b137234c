"""Horizontal bar charts as inline SVG (pure; every text escaped; no script, no web font).

The public page draws with these so it works offline and under the app's CSP: the colours
are SVG presentation attributes, not style. Each chart is an ``<svg role="img">`` with a
``<title>``; the same figures are in a table beside it for screen readers and copying.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

ROW_H = 24
LABEL_W = 240
BAR_W = 220
WIDTH = LABEL_W + BAR_W + 70
LABEL_MAX = 32
COLOURS = {"blue": "#48c", "green": "#3a7", "red": "#d44", "grey": "#999"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to draw (shown as the text, e.g. "–")
    text: str  # the figure as printed at the bar's end
    colour: str = "blue"
    target: float | None = None  # drawn as a tick on the bar's scale (a service level goal)


def bar_width(value: float | None, largest: float) -> float:
    """The bar's length in the chart's units: its share of ``largest``, 0 for none."""
    if value is None or largest <= 0:
        return 0.0
    return round(BAR_W * min(max(value, 0.0), largest) / largest, 1)


def _label(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[:LABEL_MAX - 1] + "…"


def _row(index: int, bar: Bar, largest: float) -> str:
    y = index * ROW_H
    width = bar_width(bar.value, largest)
    colour = COLOURS.get(bar.colour, COLOURS["blue"])
    tick = ""
    if bar.target is not None:
        x = LABEL_W + bar_width(bar.target, largest)
        tick = (f'<line x1="{x}" y1="{y + 2}" x2="{x}" y2="{y + ROW_H - 2}" stroke="#000" '
                f'stroke-width="2"><title>target {escape(bar.text)}</title></line>')
    return (f'<g class="bar"><title>{escape(bar.label)}: {escape(bar.text)}</title>'
            f'<text x="0" y="{y + 16}" font-size="13">{escape(_label(bar.label))}</text>'
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{width}" height="{ROW_H - 8}" '
            f'fill="{colour}"/>{tick}'
            f'<text x="{LABEL_W + width + 6}" y="{y + 16}" font-size="13">'
            f'{escape(bar.text)}</text></g>')


def bar_chart(title: str, bars: Sequence[Bar], largest: float | None = None) -> str:
    """One chart; ``largest`` is the scale's end (default the largest value; 1 for shares)."""
    if not bars:
        return ""
    scale = largest if largest is not None else max((b.value or 0.0 for b in bars),
                                                    default=0.0)
    height = ROW_H * len(bars)
    rows = "".join(_row(i, bar, scale) for i, bar in enumerate(bars))
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" '
            f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{rows}</svg>')
