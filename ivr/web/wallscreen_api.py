"""The wall screen (``/wallscreen``): the hotline on a TV, as Beijing's big screen.

The queue figures come over the board's event stream (``/api/v1/events?want=board``, as the
wallboard's); the ticket figures from ``GET /api/v1/wallscreen``, which the page polls
every ``POLL_S`` seconds: tickets change far less often than queues, and a poll of a few
GROUP BYs (``ivr.tickets.tallies``) costs less than pushing on every ticket write.
"""

from __future__ import annotations

from aiohttp import web

from .keys import TICKETS

POLL_S = 5


async def wallscreen(request: web.Request) -> web.Response:
    """GET /api/v1/wallscreen: today's tickets by kind (received, resolved), by category and
    by district; the month's top categories."""
    body = await request.app[TICKETS].wallscreen()
    return web.json_response({**body, "poll_s": POLL_S})


def add_wallscreen_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/wallscreen", wallscreen)
