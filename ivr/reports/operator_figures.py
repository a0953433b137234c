"""Per-operator figures of a period (a shift, days): handled, missed, average handle time,
pause time by reason, wrap-up time (pure: the activities and the period are passed in).

- handled: queue calls the operator answered and completed (AgentComplete);
- missed: offers that rang out or were refused (AgentRingNoAnswer), one per offer;
- average handle time: (talk time + wrap-up time) / handled;
- pause time by reason: each pause interval's overlap with the period (wrap-up is the pause
  reason ``wrap-up``, so wrap-up time is that reason's total).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from .records import HANDLED, MISSED, PAUSE, WRAP_UP, OperatorActivity


@dataclass
class OperatorFigures:
    operator: str
    handled: int = 0
    missed: int = 0
    talk_s: float = 0.0
    pause_s: dict[str, float] = field(default_factory=dict)  # reason → seconds

    @property
    def wrapup_s(self) -> float:
        return self.pause_s.get(WRAP_UP, 0.0)

    @property
    def paused_s(self) -> float:
        return sum(self.pause_s.values())

    @property
    def average_handle_s(self) -> float | None:
        return (self.talk_s + self.wrapup_s) / self.handled if self.handled else None


def overlap_s(started_at: datetime, seconds: float, start: datetime, end: datetime) -> float:
    """How much of ``[started_at, started_at + seconds)`` falls in ``[start, end)``."""
    ends = started_at + timedelta(seconds=max(0.0, seconds))
    return max(0.0, (min(ends, end) - max(started_at, start)).total_seconds())


def operator_figures(activities: Iterable[OperatorActivity], start: datetime,
                     end: datetime) -> list[OperatorFigures]:
    """One line per operator with activity in ``[start, end)``, by operator name. Calls count
    in the period they started in; pauses by their overlap."""
    lines: dict[str, OperatorFigures] = {}
    for activity in activities:
        if activity.kind == PAUSE:
            seconds = overlap_s(activity.started_at, activity.seconds, start, end)
            if seconds <= 0:
                continue
            line = lines.setdefault(activity.operator, OperatorFigures(activity.operator))
            reason = activity.reason or "paused"
            line.pause_s[reason] = line.pause_s.get(reason, 0.0) + seconds
        elif start <= activity.started_at < end and activity.kind in (HANDLED, MISSED):
            line = lines.setdefault(activity.operator, OperatorFigures(activity.operator))
            if activity.kind == HANDLED:
                line.handled += 1
                line.talk_s += activity.seconds
            else:
                line.missed += 1
    return [lines[name] for name in sorted(lines)]


def figures_json(line: OperatorFigures) -> dict[str, object]:
    aht = line.average_handle_s
    return {"operator": line.operator, "handled": line.handled, "missed": line.missed,
            "talk_s": round(line.talk_s, 1),
            "average_handle_s": None if aht is None else round(aht, 1),
            "paused_s": round(line.paused_s, 1), "wrapup_s": round(line.wrapup_s, 1),
            "pause_s_by_reason": {r: round(s, 1) for r, s in sorted(line.pause_s.items())}}


FIGURE_COLUMNS = ("operator", "handled", "missed", "talk_s", "average_handle_s", "paused_s",
                  "wrapup_s", "pause_s_by_reason")


def csv_line(line: OperatorFigures) -> dict[str, object]:
    """``figures_json`` with the pauses as ``reason=seconds`` pairs (one CSV cell)."""
    body = figures_json(line)
    body["pause_s_by_reason"] = " ".join(f"{r}={s:.0f}" for r, s in sorted(line.pause_s.items()))
    return body



def duration(seconds: float | None) -> str:
    """``1m 05s``, ``42s``; ``–`` for none (as the wallboard's script writes them)."""
    if seconds is None:
        return "–"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m {rest:02d}s" if minutes else f"{rest}s"


def _row(line: OperatorFigures, page_url: str) -> str:
    reasons = ", ".join(f"{r} {duration(s)}" for r, s in sorted(line.pause_s.items()))
    return (f'<tr class="operator-figures" data-operator="{escape(line.operator)}">'
            f'<td><a href="{escape(page_url + line.operator)}">{escape(line.operator)}</a></td>'
            f'<td class="num handled">{line.handled}</td>'
            f'<td class="num missed">{line.missed}</td>'
            f'<td class="num aht">{duration(line.average_handle_s)}</td>'
            f'<td class="num paused">{duration(line.paused_s)}</td>'
            f'<td class="num wrapup">{duration(line.wrapup_s)}</td>'
            f'<td class="reasons">{escape(reasons)}</td></tr>')


def operator_table(title: str, lines: Iterable[OperatorFigures], page_url: str,
                   csv_url: str) -> str:
    """The figures as an HTML table; each name links to ``page_url`` + the name (pure)."""
    body = "".join(_row(line, page_url) for line in lines) or (
        '<tr><td colspan="7">No activity in this period.</td></tr>')
    return (f'<section class="report operators"><h2>{escape(title)}</h2>'
            f'<p><a class="csv" href="{escape(csv_url)}">CSV</a></p><table>'
            "<tr><th>Operator</th><th>Handled</th><th>Missed</th><th>Average handle</th>"
            "<th>Paused</th><th>Wrap-up</th><th>Pause by reason</th></tr>"
            f"{body}</table></section>")
