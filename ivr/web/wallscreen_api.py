"""The wall screen (``/wallscreen``): the hotline on a TV, as Beijing's big screen.

The queue figures come over the board's event stream (``/api/v1/events?want=board``, as the
wallboard's); the ticket figures from ``GET /api/v1/wallscreen``, which the page polls
every ``POLL_S`` seconds, and the queues' day (targets and hourly trends) from
``GET /api/v1/wallscreen/trends`` as often: tickets change far less often than queues, and a
poll of a few GROUP BYs (``ivr.tickets.tallies``) costs less than pushing on every ticket write.
"""

from __future__ import annotations

from aiohttp import web

from ..clock import day_now
from ..queues import ALL_QUEUES
from ..reports.wall_targets import bucket_starts, day_trends
from ..reports.wallscreen import today_and_month
from .keys import CALLS, SETTINGS, TICKETS

POLL_S = 5


async def wallscreen(request: web.Request) -> web.Response:
    """GET /api/v1/wallscreen: today's tickets by kind (received, resolved), by category and
    by district; the month's top categories."""
    body = await request.app[TICKETS].wallscreen()
    return web.json_response({**body, "poll_s": POLL_S})


async def trends(request: web.Request) -> web.Response:
    """GET /api/v1/wallscreen/trends: per queue, the city day's calls offered and service
    levels per hour (the sparklines), the day's levels against the queue's targets and the
    state they give ("ok", "amber", "red"; ``reports.wall_targets``)."""
    settings = request.app[SETTINGS]
    now = day_now()
    today, _ = today_and_month(now, settings.ticket_timezone)
    starts = bucket_starts(today.start, now)
    cells = await request.app[CALLS].trend(starts, today.end)
    return web.json_response(day_trends(cells, starts, ALL_QUEUES,
                                        settings.service_level_hotline_target,
                                        today.first.isoformat()))


def add_wallscreen_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/wallscreen", wallscreen)
    app.router.add_get("/api/v1/wallscreen/trends", trends)
