"""Deadlines for supervisors: the escalation report (overdue and due-soon tickets per agency),
and the background pass that escalates them to each agency's supervisor, once per ticket."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web

from ..tickets.desk import TicketDesk
from ..tickets.escalation import EscalationReport
from .inputs import query_float
from .keys import SETTINGS, TICKETS
from .operator_reports import add_operator_report_routes
from .reports_pages import add_reports_routes

log = logging.getLogger(__name__)

ESCALATE_EVERY_S = 60.0
MAX_WINDOW_HOURS = 24 * 366  # a due-soon window of a year; beyond is a typo (or inf)


def report_json(report: EscalationReport) -> dict[str, Any]:
    return {
        "generated_at": report.generated_at.isoformat(),
        "due_soon_window_hours": report.window.total_seconds() / 3600,
        "overdue_count": report.overdue_count,
        "due_soon_count": report.due_soon_count,
        "agencies": [{"agency": line.agency, "agency_name": line.agency_name,
                      "overdue": list(line.overdue), "due_soon": list(line.due_soon)}
                     for line in report.agencies],
    }


async def escalations(request: web.Request) -> web.Response:
    """GET /api/v1/reports/escalations[?hours=H]: overdue and due-soon tickets per agency."""
    hours = query_float(request, "hours", request.app[SETTINGS].ticket_due_soon_hours, 0,
                        MAX_WINDOW_HOURS)
    report = await request.app[TICKETS].escalation_report(timedelta(hours=hours))
    return web.json_response(report_json(report))


async def keep_escalating(desk: TicketDesk, window: timedelta,
                          every_s: float = ESCALATE_EVERY_S, hotline_email: str = "") -> None:
    """Background task: flag newly overdue or due-soon tickets to their supervisors (and
    queue the overdue ones' e-mail to their agency and ``hotline_email``)."""
    while True:
        try:
            flagged = await desk.escalate(window, hotline_email)
            if flagged:
                log.warning("escalated to supervisors: %s", ", ".join(flagged))
        except Exception:  # the database may be away; the next pass tries again
            log.exception("escalation pass failed")
        await asyncio.sleep(every_s)


def add_report_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/reports/escalations", escalations)
    add_reports_routes(app)  # calls and tickets per day, shift, queue, category, agency
    add_operator_report_routes(app)  # per operator and shift; the operator's own figures
