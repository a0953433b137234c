"""Follow-up reports for supervisors: callbacks, messages and satisfaction, JSON and CSV.

- ``GET /api/v1/reports/callbacks?from&to``: callbacks of abandoned calls per kind (``112``);
- ``GET /api/v1/reports/notifications?from&to``: messages per channel and purpose;
- ``GET /api/v1/reports/satisfaction?from&to``: the follow-ups and ratings, and per agency
  the scorecard's ratings.

``&format=csv`` or ``Accept: text/csv`` for CSV, as the other reports; ``/reports`` shows
them under the calls and tickets (``follow_up_sections``). The figures are defined in
``reports/callbacks.py``, ``notifications.py`` and ``satisfaction.py``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..clock import day_now
from ..reports.callbacks import CallbackLine, callback_lines
from ..reports.follow_up_facts import callback_facts, message_facts, survey_facts
from ..reports.follow_up_tables import callback_table, notification_table, satisfaction_table
from ..reports.notifications import (
    NotificationLine,
    notification_lines,
    notification_total,
)
from ..reports.periods import Period
from ..reports.satisfaction import SatisfactionFigures, satisfaction_figures
from ..reports.scorecard import ScoreLine, scorecard_lines
from .keys import TICKETS
from .report_query import Query, api_query, csv_url, head, reply

CALLBACK_COLUMNS = ("kind", "offered", "accepted", "reached", "unreached", "cancelled",
                    "pending", "tries", "reach_rate")
NOTIFICATION_COLUMNS = ("channel", "purpose", "queued", "sent", "failed", "waiting",
                        "retried")
SATISFACTION_COLUMNS = ("key", "label", "started", "calling", "answered", "sms_surveys",
                        "unreached", "ratings", "by_call", "by_web", "average_rating",
                        "satisfied", "satisfied_share")
BY = {"callbacks": ("kind",), "notifications": ("purpose",), "satisfaction": ("agency",)}


def _share(share: float | None, digits: int = 4) -> float | None:
    return None if share is None else round(share, digits)


def callback_json(line: CallbackLine) -> dict[str, Any]:
    return {"kind": line.kind, "offered": line.offered, "accepted": line.accepted,
            "reached": line.reached,
            "unreached": line.unreached, "cancelled": line.cancelled,
            "pending": line.pending, "tries": line.tries, "reach_rate": _share(line.reach_rate)}


def notification_json(line: NotificationLine) -> dict[str, Any]:
    return {name: getattr(line, name) for name in NOTIFICATION_COLUMNS}


def satisfaction_json(figures: SatisfactionFigures) -> dict[str, Any]:
    return {"key": "total", "label": "all tickets", "started": figures.started,
            "calling": figures.calling, "answered": figures.answered,
            "sms_surveys": figures.sms_surveys, "unreached": figures.unreached,
            "ratings": figures.ratings, "by_call": figures.by_call, "by_web": figures.by_web,
            "average_rating": _share(figures.average_rating, 2),
            "satisfied": figures.satisfied, "satisfied_share": _share(figures.satisfied_share)}


def agency_json(line: ScoreLine) -> dict[str, Any]:
    return {"key": line.agency, "label": line.agency_name, "ratings": line.ratings,
            "satisfied": line.satisfied, "satisfied_share": _share(line.satisfaction)}


async def _callbacks(request: web.Request, period: Period) -> list[CallbackLine]:
    facts = await request.app[TICKETS].in_transaction(callback_facts, period.start, period.end)
    return callback_lines(facts, period)


async def _notifications(request: web.Request, period: Period) -> list[NotificationLine]:
    facts = await request.app[TICKETS].in_transaction(message_facts, period.start, period.end)
    return notification_lines(facts, period)


async def _satisfaction(request: web.Request, period: Period
                        ) -> tuple[SatisfactionFigures, list[ScoreLine]]:
    desk = request.app[TICKETS]
    facts = await desk.in_transaction(survey_facts, period.start, period.end)
    agencies, scores = await desk.score_facts(period.start, period.end)
    return (satisfaction_figures(facts, period),
            scorecard_lines(scores, agencies, period, day_now()))


async def callbacks_report(request: web.Request) -> web.Response:
    """GET /api/v1/reports/callbacks: callbacks offered, reached, unreached, cancelled."""
    query = api_query(request, BY["callbacks"])
    lines = await _callbacks(request, query.period)
    return reply(request, "callbacks", query,
                 {**head(query), "lines": [callback_json(line) for line in lines]},
                 CALLBACK_COLUMNS)


async def notifications_report(request: web.Request) -> web.Response:
    """GET /api/v1/reports/notifications: messages queued, sent, failed, waiting, retried."""
    query = api_query(request, BY["notifications"])
    lines = await _notifications(request, query.period)
    return reply(request, "notifications", query,
                 {**head(query), "lines": [notification_json(line) for line in lines],
                  "total": notification_json(notification_total(lines))},
                 NOTIFICATION_COLUMNS)


async def satisfaction_report(request: web.Request) -> web.Response:
    """GET /api/v1/reports/satisfaction: the period's follow-ups and ratings, and per agency
    the scorecard's ratings (the CSV: the total first, then the agencies with ratings)."""
    query: Query = api_query(request, BY["satisfaction"])
    figures, scores = await _satisfaction(request, query.period)
    total = satisfaction_json(figures)
    agencies = [agency_json(line) for line in scores if line.ratings]
    return reply(request, "satisfaction", query,
                 {**head(query), "total": total, "lines": agencies},
                 SATISFACTION_COLUMNS, csv_lines=[total, *agencies])


async def follow_up_sections(request: web.Request, period: Period) -> str:
    """The ``/reports`` page's tables of the period's callbacks, messages and satisfaction."""
    figures, scores = await _satisfaction(request, period)
    return (callback_table("Callbacks", await _callbacks(request, period),
                           csv_url("callbacks", period, "kind"))
            + notification_table("Messages", await _notifications(request, period),
                                 csv_url("notifications", period, "purpose"))
            + satisfaction_table("Satisfaction follow-up", figures, scores,
                                 csv_url("satisfaction", period, "agency")))


def add_follow_up_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/reports/callbacks", callbacks_report)
    app.router.add_get("/api/v1/reports/notifications", notifications_report)
    app.router.add_get("/api/v1/reports/satisfaction", satisfaction_report)
