"""Report lines as HTML tables with CSS bar charts (pure; every value HTML-escaped).

No script: each bar is a ``<span>`` whose width is its share of the table's largest figure,
so a day with twice the calls has twice the bar. Service levels are coloured against the
NENA targets (90 % within 15 s, 95 % within 20 s).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .calls import CallLine
from .scorecard import ScoreLine
from .tickets import TicketLine

NENA_TARGETS = {15: 0.90, 20: 0.95}


def _width(value: int, largest: int) -> str:
    return f"{100 * value / largest:.1f}%" if largest else "0%"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f} %"


def _level_cell(threshold: int, share: float | None) -> str:
    target = NENA_TARGETS.get(threshold)
    css = "" if share is None or target is None else (" good" if share >= target else " bad")
    return f'<td class="num{css}">{_percent(share)}</td>'


def call_table(title: str, lines: Sequence[CallLine], levels_s: Sequence[int],
               csv_url: str) -> str:
    largest = max((line.offered for line in lines), default=0)
    heads = "".join(f"<th>SL {t} s</th>" for t in levels_s)
    rows = []
    for line in lines:
        bar = (f'<span class="bar answered" style="width:{_width(line.answered, largest)}" '
               f'title="answered {line.answered}"></span>'
               f'<span class="bar abandoned" style="width:{_width(line.abandoned, largest)}" '
               f'title="abandoned {line.abandoned}"></span>')
        asa = ("–" if line.average_speed_of_answer_s is None
               else f"{line.average_speed_of_answer_s:.0f} s")
        levels = "".join(_level_cell(t, line.service_level.get(t)) for t in levels_s)
        rows.append(f'<tr data-key="{escape(line.key)}"><th>{escape(line.key)}</th>'
                    f'<td class="chart">{bar}</td><td class="num offered">{line.offered}</td>'
                    f'<td class="num answered">{line.answered}</td>'
                    f'<td class="num abandoned">{line.abandoned}</td>{levels}'
                    f'<td class="num">{asa}</td></tr>')
    return table_section(title, csv_url,
                    "<tr><th></th><th>answered / abandoned</th><th>Offered</th><th>Answered</th>"
                    f"<th>Abandoned</th>{heads}<th>ASA</th></tr>", rows)


def ticket_table(title: str, lines: Sequence[TicketLine], csv_url: str) -> str:
    largest = max((max(x.opened, x.resolved, x.overdue) for x in lines), default=0)
    rows = []
    for line in lines:
        bars = "".join(
            f'<span class="bar {name}" style="width:{_width(value, largest)}" '
            f'title="{name} {value}"></span><br>'
            for name, value in (("opened", line.opened), ("resolved", line.resolved),
                                ("overdue", line.overdue)))
        rows.append(f'<tr data-key="{escape(line.key)}"><th>{escape(line.label)}</th>'
                    f'<td class="chart">{bars}</td><td class="num opened">{line.opened}</td>'
                    f'<td class="num resolved">{line.resolved}</td>'
                    f'<td class="num overdue">{line.overdue}</td></tr>')
    return table_section(title, csv_url,
                    "<tr><th></th><th>opened / resolved / overdue</th><th>Opened</th>"
                    "<th>Resolved</th><th>Overdue</th></tr>", rows)


def _rate_cell(name: str, share: float | None, on_time: int, decided: int) -> str:
    counts = f" <small>({on_time}/{decided})</small>" if decided else ""
    return f'<td class="num {name}">{_percent(share)}{counts}</td>'


def scorecard_table(title: str, lines: Sequence[ScoreLine], csv_url: str) -> str:
    """The agencies' scorecard: each rate with its on-time and decided counts."""
    rows = [f'<tr data-key="{escape(line.agency)}"><th>{escape(line.agency_name)}</th>'
            + _rate_cell("response", line.response_rate, line.responded_on_time,
                         line.responses)
            + _rate_cell("resolution", line.resolution_rate, line.resolved_on_time,
                         line.resolutions)
            + f'<td class="num satisfaction">{_percent(line.satisfaction)}</td></tr>'
            for line in lines]
    return table_section(title, csv_url, "<tr><th>Agency</th><th>Response</th><th>Resolution</th>"
                    "<th>Satisfaction</th></tr>", rows)


def table_section(title: str, csv_url: str, head: str, rows: list[str]) -> str:
    body = "".join(rows) or '<tr><td colspan="9">nothing in this period</td></tr>'
    return (f'<section><h2>{escape(title)} <a class="csv" href="{escape(csv_url)}">CSV</a>'
            f"</h2><table><thead>{head}</thead><tbody>{body}</tbody></table></section>")
