"""The agencies' monthly scorecard (``reports/scorecard.py``): JSON, CSV and a page.

- ``GET /api/v1/reports/scorecard?month=YYYY-MM`` (default: this city month): one line per
  agency with its response and resolution rates (0..1, null when nothing was decided) and
  the counts behind them, and the satisfaction rate (ratings of 4 or 5 / ratings given in
  the month, from the follow-up; null without ratings);
- ``GET /api/v1/reports/scorecard.csv?month=`` (or ``&format=csv``): the same lines as CSV;
- ``GET /scorecard?month=``: the table.

Hotline supervisors and admins see every agency; an agency user sees only its own agencies'
lines (the route is open to the agency role, the lines are not).
"""

from __future__ import annotations

import html
from string import Template
from typing import Any

from aiohttp import web

from ..clock import day_now
from ..reports.charts import scorecard_table
from ..reports.csv_export import to_csv
from ..reports.periods import BadPeriod, Period, month_period
from ..reports.scorecard import ScoreLine, scorecard_lines
from .auth import csrf_for, current
from .inputs import bad_input
from .keys import SETTINGS, SIGNER, TICKETS
from .pages import TEMPLATES

COLUMNS = ("month", "agency", "agency_name", "responses", "responded_on_time",
           "response_rate", "resolutions", "resolved_on_time", "resolution_rate",
           "ratings", "satisfied", "satisfaction")


def _round(share: float | None) -> float | None:
    return None if share is None else round(share, 4)


def line_json(line: ScoreLine, month: str) -> dict[str, Any]:
    return {"month": month, "agency": line.agency, "agency_name": line.agency_name,
            "responses": line.responses, "responded_on_time": line.responded_on_time,
            "response_rate": _round(line.response_rate), "resolutions": line.resolutions,
            "resolved_on_time": line.resolved_on_time,
            "resolution_rate": _round(line.resolution_rate), "ratings": line.ratings,
            "satisfied": line.satisfied, "satisfaction": _round(line.satisfaction)}


def _month(period: Period) -> str:
    return period.first.strftime("%Y-%m")


async def _lines(request: web.Request, period: Period) -> list[ScoreLine]:
    """The period's lines the user may see."""
    agencies, facts = await request.app[TICKETS].score_facts(period.start, period.end)
    user = current(request).user
    return [line for line in scorecard_lines(facts, agencies, period, day_now())
            if user.sees_agency(line.agency)]


def _period(request: web.Request) -> Period:
    return month_period(request.query.get("month"), request.app[SETTINGS].ticket_timezone,
                        day_now())


async def scorecard(request: web.Request) -> web.Response:
    """GET /api/v1/reports/scorecard[.csv]?month=YYYY-MM"""
    try:
        period = _period(request)
    except BadPeriod as exc:
        raise bad_input("bad-query", str(exc)) from None
    month = _month(period)
    lines = [line_json(line, month) for line in await _lines(request, period)]
    if request.path.endswith(".csv") or request.query.get("format") == "csv":
        return web.Response(text=to_csv(lines, COLUMNS), content_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="scorecard-{month}.csv"'})
    return web.json_response({"month": month, "from": period.first.isoformat(),
                              "to": period.last.isoformat(), "timezone": period.timezone,
                              "lines": lines})


async def scorecard_page(request: web.Request) -> web.Response:
    """GET /scorecard[?month=YYYY-MM]"""
    try:
        period = _period(request)
    except BadPeriod as exc:
        return _page(request, "", f'<p class="error">{html.escape(str(exc))}</p>', 400)
    month = _month(period)
    table = scorecard_table(f"Agencies in {month}", await _lines(request, period),
                            f"/api/v1/reports/scorecard.csv?month={month}")
    return _page(request, month, table)


def _page(request: web.Request, month: str, table: str, status: int = 200) -> web.Response:
    user = current(request).user
    values = {"csrf": csrf_for(request, request.app[SIGNER]), "user": user.username,
              "role": str(user.role), "month": month,
              "timezone": request.app[SETTINGS].ticket_timezone}
    text = Template((TEMPLATES / "scorecard.html").read_text(encoding="utf-8"))
    body = text.safe_substitute({**{k: html.escape(v) for k, v in values.items()},
                                 "table": table})
    return web.Response(text=body, content_type="text/html", status=status,
                        headers={"Cache-Control": "no-store"})


def add_scorecard_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/reports/scorecard", scorecard)
    app.router.add_get("/api/v1/reports/scorecard.csv", scorecard)
    app.router.add_get("/scorecard", scorecard_page)
