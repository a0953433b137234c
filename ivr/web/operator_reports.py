"""Per-operator figures: handled, missed, average handle time, pause time by reason, wrap-up.

``GET /api/v1/reports/operators?from=YYYY-MM-DD&to=YYYY-MM-DD[&shift=NAME][&operator=NAME]``
answers JSON, or CSV (``&format=csv``); with ``shift`` the period is that roster shift of the
``from`` day. ``GET /reports/operators`` (same query) is the page, one table, each operator
linking to their own page. ``GET /api/v1/me/figures`` is the signed-in operator's own
figures for the shift running now (the console's "my shift" panel).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from ..clock import day_now
from ..reports.operator_figures import (
    FIGURE_COLUMNS,
    OperatorFigures,
    csv_line,
    figures_json,
    operator_figures,
    operator_table,
)
from ..reports.periods import OFF_SHIFT, city_day, shift_of
from ..roster.model import Shift
from .auth import current
from .inputs import bad_input
from .keys import CALLS, SETTINGS
from .report_query import BadQuery, Query, api_query, head, parse_query, reply
from .reports_pages import report_page, roster_shifts

Window = tuple[str, datetime, datetime]  # shift name (or ""), start, end


def window_of(query: Query, shift_name: str, shifts: list[Shift]) -> Window:
    """The period's days, or the named shift of its first day (``BadQuery`` if unknown)."""
    if not shift_name:
        return "", query.period.start, query.period.end
    shift = next((s for s in shifts if s.name == shift_name), None)
    if shift is None:
        raise BadQuery(f"shift is one of {', '.join(s.name for s in shifts)}")
    begins, ends = shift.interval(query.period.first, query.period.zone)
    return shift_name, begins.astimezone(UTC), ends.astimezone(UTC)


async def _figures(request: web.Request, window: Window, operator: str) -> list[Any]:
    _, start, end = window
    activities = await request.app[CALLS].activities_between(start, end)
    lines = operator_figures(activities, start, end)
    return [line for line in lines if not operator or line.operator == operator]


def _head(query: Query, window: Window, operator: str) -> dict[str, Any]:
    shift, start, end = window
    return {**head(query), "shift": shift, "operator": operator,
            "start": start.isoformat(), "end": end.isoformat()}


async def operators_report(request: web.Request) -> web.Response:
    """GET /api/v1/reports/operators: each operator's figures in the period or shift."""
    query = api_query(request, ("operator",))
    try:
        window = window_of(query, request.query.get("shift", ""), roster_shifts(request))
    except BadQuery as exc:
        raise bad_input("bad-query", str(exc)) from None
    operator = request.query.get("operator", "")
    lines = await _figures(request, window, operator)
    body = {**_head(query, window, operator), "lines": [figures_json(x) for x in lines]}
    return reply(request, "operators", query, body, FIGURE_COLUMNS,
                 [csv_line(x) for x in lines])


async def operators_page(request: web.Request) -> web.Response:
    """GET /reports/operators: the figures as a page, with the CSV link."""
    try:
        query = parse_query(request, ("operator",))
        window = window_of(query, request.query.get("shift", ""), roster_shifts(request))
    except BadQuery as exc:
        return report_page(request, None, f'<p class="error">{html.escape(str(exc))}</p>', 400)
    operator = request.query.get("operator", "")
    lines = await _figures(request, window, operator)
    params = {"from": query.period.first.isoformat(), "to": query.period.last.isoformat(),
              "shift": window[0]}
    title = f"Operator {operator}" if operator else "Operators"
    title += f", shift {window[0]}" if window[0] else ""
    section = operator_table(
        title, lines, "/reports/operators?" + urlencode(params) + "&operator=",
        "/api/v1/reports/operators?" + urlencode({**params, "operator": operator,
                                                  "format": "csv"}))
    return report_page(request, query.period, _shift_form(params, roster_shifts(request),
                                                          operator) + section)


def _shift_form(params: dict[str, str], shifts: list[Shift], operator: str) -> str:
    options = "".join(
        f'<option value="{html.escape(s.name)}"{_selected(s.name == params["shift"])}>'
        f"{html.escape(str(s))}</option>" for s in shifts)
    return ('<form class="period operators-filter" method="get" action="/reports/operators">'
            f'<label>Day <input type="date" name="from" value="{params["from"]}"></label>'
            f'<label>Shift <select name="shift"><option value="">whole day</option>{options}'
            '</select></label>'
            f'<label>Operator <input name="operator" value="{html.escape(operator)}"></label>'
            "<button>Show</button></form>")


def _selected(chosen: bool) -> str:
    return " selected" if chosen else ""


def current_window(shifts: list[Shift], now: datetime, timezone: str) -> Window:
    """The roster shift running ``now``, else the city day (pure)."""
    day, name = shift_of(now, shifts, timezone)
    zone = ZoneInfo(timezone)
    shift = next((s for s in shifts if s.name == name), None)
    if name == OFF_SHIFT or shift is None:
        begins = datetime.combine(city_day(now, timezone), datetime.min.time(), zone)
        return "", begins.astimezone(UTC), now
    begins, ends = shift.interval(day, zone)
    return name, begins.astimezone(UTC), ends.astimezone(UTC)


async def my_figures(request: web.Request) -> web.Response:
    """GET /api/v1/me/figures: my own figures for the shift running now."""
    username = current(request).user.username
    window = current_window(roster_shifts(request), day_now(),
                            request.app[SETTINGS].ticket_timezone)
    lines = await _figures(request, window, username)
    shift, start, end = window
    body = figures_json(lines[0] if lines else OperatorFigures(username))
    return web.json_response({"shift": shift, "start": start.isoformat(),
                              "end": end.isoformat(), **body})


def add_operator_report_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/reports/operators", operators_report)
    app.router.add_get("/reports/operators", operators_page)
    app.router.add_get("/api/v1/me/figures", my_figures)
