"""Daily, shift, queue, category and agency reports for supervisors: JSON, CSV and a page.

``GET /api/v1/reports/calls?from=YYYY-MM-DD&to=YYYY-MM-DD&by=day|shift|queue[&queue=NAME]`` and
``GET /api/v1/reports/tickets?from&to&by=day|category|agency`` answer JSON, or CSV with a
header row for ``&format=csv`` or ``Accept: text/csv``; ``/reports`` shows them all as bar
charts with CSV links, then the follow-up reports (``follow_up_reports.py``: callbacks,
messages, satisfaction). Days are the city's (``IVR_TICKET_TIMEZONE``); shifts the roster's.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from datetime import timedelta
from string import Template
from typing import Any

from aiohttp import web

from ..clock import day_now
from ..reports.calls import CALL_GROUPINGS, CallLine, call_lines, call_total
from ..reports.charts import call_table, ticket_table
from ..reports.periods import Period
from ..reports.store import CallRecord
from ..reports.tickets import TICKET_GROUPINGS, TicketFact, TicketLine, ticket_lines
from ..roster.model import DEFAULT_SHIFTS, RosterError, Shift
from ..roster.store import RosterStore, roster_path
from ..stats.queue_day import thresholds
from .auth import csrf_for, current
from .follow_up_reports import add_follow_up_routes, follow_up_sections
from .keys import CALLS, SETTINGS, SIGNER, TICKETS
from .pages import TEMPLATES
from .report_query import BadQuery, api_query, csv_url, head, parse_query, reply

log = logging.getLogger(__name__)

TICKET_COLUMNS = ("key", "label", "opened", "resolved", "overdue")


def _levels(request: web.Request) -> tuple[int, ...]:
    return thresholds(request.app[SETTINGS].service_level_seconds)


def roster_shifts(request: web.Request) -> list[Shift]:
    try:
        roster = RosterStore(roster_path(request.app[SETTINGS].data_dir)).load()
    except (RosterError, OSError) as exc:
        log.warning("reports: roster unreadable (%s); default shifts", exc)
        return list(DEFAULT_SHIFTS)
    return list(roster.shifts.values()) or list(DEFAULT_SHIFTS)


async def _call_records(request: web.Request, period: Period) -> list[CallRecord]:
    """A day beyond each end: night shifts reach past midnight (see ``call_lines``)."""
    return await request.app[CALLS].calls_between(
                                   period.start - timedelta(days=1),
                                   period.end + timedelta(days=1))


async def _ticket_facts(request: web.Request, period: Period) -> list[TicketFact]:
    return await request.app[TICKETS].ticket_facts(period.start, period.end)


def call_line_json(line: CallLine, levels_s: Sequence[int]) -> dict[str, Any]:
    body: dict[str, Any] = {"key": line.key, "offered": line.offered, "answered": line.answered,
                            "abandoned": line.abandoned}
    for threshold in levels_s:
        share = line.service_level.get(threshold)
        body[f"service_level_{threshold}s"] = None if share is None else round(share, 4)
    asa = line.average_speed_of_answer_s
    body["average_speed_of_answer_s"] = None if asa is None else round(asa, 1)
    rate = line.abandon_rate
    body["abandon_rate"] = None if rate is None else round(rate, 4)
    return body


def ticket_line_json(line: TicketLine) -> dict[str, Any]:
    return {"key": line.key, "label": line.label, "opened": line.opened,
            "resolved": line.resolved, "overdue": line.overdue}


async def calls_report(request: web.Request) -> web.Response:
    """GET /api/v1/reports/calls: offered, answered, abandoned, service level, ASA."""
    query = api_query(request, CALL_GROUPINGS)
    levels = _levels(request)
    records = await _call_records(request, query.period)
    queue = request.query.get("queue", "")
    if queue:  # one queue's lines (e.g. by=shift&queue=emergency: a queue per shift)
        records = [r for r in records if r.queue == queue]
    lines = call_lines(records, query.period, query.by, roster_shifts(request), levels)
    body = {**head(query), "service_level_thresholds_s": list(levels),
            "lines": [call_line_json(line, levels) for line in lines],
            "total": call_line_json(call_total(records, query.period, levels), levels)}
    columns = ["key", "offered", "answered", "abandoned",
               *(f"service_level_{t}s" for t in levels), "average_speed_of_answer_s",
               "abandon_rate"]
    return reply(request, "calls", query, body, columns)


async def tickets_report(request: web.Request) -> web.Response:
    """GET /api/v1/reports/tickets: opened, resolved and overdue tickets."""
    query = api_query(request, TICKET_GROUPINGS)
    facts = await _ticket_facts(request, query.period)
    lines = ticket_lines(facts, query.period, query.by, day_now())
    body = {**head(query), "lines": [ticket_line_json(line) for line in lines],
            "total": {name: sum(getattr(line, name) for line in lines)
                      for name in ("opened", "resolved", "overdue")}}
    return reply(request, "tickets", query, body, TICKET_COLUMNS)


async def reports_page(request: web.Request) -> web.Response:
    """GET /reports[?from&to]: every report of the period as bar charts, with CSV links."""
    try:
        query = parse_query(request, ("day",))
    except BadQuery as exc:
        return report_page(request, None, f"<p class=\"error\">{html.escape(str(exc))}</p>", 400)
    period, levels, shifts = query.period, _levels(request), roster_shifts(request)
    records = await _call_records(request, period)
    facts = await _ticket_facts(request, period)
    now = day_now()
    sections = [
        call_table(f"Calls by {by}", call_lines(records, period, by, shifts, levels), levels,
                   csv_url("calls", period, by))
        for by in CALL_GROUPINGS
    ] + [
        ticket_table(f"Tickets by {by}", ticket_lines(facts, period, by, now),
                     csv_url("tickets", period, by))
        for by in TICKET_GROUPINGS
    ]
    sections.append(await follow_up_sections(request, period))
    return report_page(request, period, "".join(sections))


def report_page(request: web.Request, period: Period | None, sections: str,
          status: int = 200) -> web.Response:
    identity = current(request)
    values = {"csrf": csrf_for(request, request.app[SIGNER]), "user": identity.user.username,
              "role": str(identity.user.role),
              "from": period.first.isoformat() if period else "",
              "to": period.last.isoformat() if period else "",
              "timezone": request.app[SETTINGS].ticket_timezone}
    text = Template((TEMPLATES / "reports.html").read_text(encoding="utf-8"))
    body = text.safe_substitute({**{k: html.escape(v) for k, v in values.items()},
                                 "sections": sections})
    return web.Response(text=body, content_type="text/html", status=status,
                        headers={"Cache-Control": "no-store"})


def add_reports_routes(app: web.Application) -> None:
    """The report routes (the call records are the app's ``CALLS``)."""
    app.router.add_get("/api/v1/reports/calls", calls_report)
    app.router.add_get("/api/v1/reports/tickets", tickets_report)
    app.router.add_get("/reports", reports_page)
    add_follow_up_routes(app)  # callbacks, messages, satisfaction
