"""The public performance page (no login, no personal data), one city month at a time:

- ``GET /public?month=YYYY-MM`` (default: this city month): the figures with SVG charts;
- ``GET /api/v1/public/performance?month=`` : the same as JSON (``reports.public``);
- ``GET /api/v1/public/performance.csv?month=`` (or ``&format=csv``): as long CSV rows.

Calls per service (112, 12345) with their service levels, tickets by category, district and
status, and per agency the mean time to resolve and the scorecard's rates. A bad month is a
400 ``bad-query`` (the page shows it as HTML).
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template
from typing import Any

from aiohttp import web

from ..clock import day_now
from ..reports.csv_export import to_csv
from ..reports.periods import BadPeriod, Period, month_period
from ..reports.public import (
    CSV_COLUMNS,
    PublicPerformance,
    agency_figures,
    performance_json,
    performance_rows,
    service_calls,
    ticket_counts,
)
from ..reports.scorecard import scorecard_lines
from ..tickets.public_figures import STATUS_NAMES, public_tickets
from .inputs import bad_input
from .keys import CALLS, SETTINGS, TICKETS
from .public_page import sections

PAGE = Template((Path(__file__).parent / "templates" / "public.html").read_text("utf-8"))
CACHE = {"Cache-Control": "public, max-age=60"}  # anyone may ask: let proxies help


def _period(request: web.Request) -> Period:
    return month_period(request.query.get("month"), request.app[SETTINGS].ticket_timezone,
                        day_now())


async def performance(request: web.Request, period: Period) -> PublicPerformance:
    """The month's figures: call records, ticket tallies and the scorecard's facts."""
    desk, now = request.app[TICKETS], day_now()
    records = await request.app[CALLS].calls_between(period.start, period.end)
    tickets = await desk.on_database(public_tickets, desk.service.sessions, period.start,
                                     period.end)
    agencies, facts = await desk.score_facts(period.start, period.end)
    return PublicPerformance(
        period, now, service_calls(records, period),
        ticket_counts(tickets.received, tickets.categories, tickets.districts, STATUS_NAMES),
        agency_figures(scorecard_lines(facts, agencies, period, now), tickets.resolutions))


async def performance_api(request: web.Request) -> web.Response:
    """GET /api/v1/public/performance[.csv]?month=YYYY-MM"""
    try:
        period = _period(request)
    except BadPeriod as exc:
        raise bad_input("bad-query", str(exc)) from None
    body = performance_json(await performance(request, period))
    if request.path.endswith(".csv") or request.query.get("format") == "csv":
        name = f"hotline-performance-{body['month']}.csv"
        return web.Response(text=to_csv(performance_rows(body), CSV_COLUMNS),
                            content_type="text/csv", headers={
                                **CACHE, "Content-Disposition": f'attachment; filename="{name}"'})
    return web.json_response(body, headers=CACHE)


async def public_page(request: web.Request) -> web.Response:
    """GET /public[?month=YYYY-MM]"""
    try:
        period = _period(request)
    except BadPeriod as exc:
        return _page(request, {}, f'<p class="error">{html.escape(str(exc))}</p>', 400)
    body = performance_json(await performance(request, period))
    return _page(request, body, sections(body))


def _page(request: web.Request, body: dict[str, Any], content: str,
          status: int = 200) -> web.Response:
    month = body.get("month", "")
    values = {"month": month, "timezone": request.app[SETTINGS].ticket_timezone,
              "generated": body.get("generated_at", ""),
              "json": f"/api/v1/public/performance?month={month}",
              "csv": f"/api/v1/public/performance.csv?month={month}"}
    text = PAGE.substitute({**{k: html.escape(v) for k, v in values.items()},
                            "sections": content})
    return web.Response(text=text, content_type="text/html", status=status,
                        headers=CACHE if status == 200 else {"Cache-Control": "no-store"})


def add_public_routes(app: web.Application) -> None:
    app.router.add_get("/public", public_page)
    app.router.add_get("/api/v1/public/performance", performance_api)
    app.router.add_get("/api/v1/public/performance.csv", performance_api)
