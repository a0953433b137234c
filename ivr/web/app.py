"""The aiohttp application: factory, typed keys, routes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy import Engine

from ..ami.board import queues_view
from ..config import Settings
from ..db import make_engine
from ..state import LiveState
from ..tickets.desk import TicketDesk, build_ticket_desk
from ..tickets.open311 import add_open311_routes, open311_config
from .health import check_all
from .operators import add_operator_routes

SETTINGS = web.AppKey("settings", Settings)
LIVE = web.AppKey("live", LiveState)
ENGINE = web.AppKey("engine", Engine)
TICKETS = web.AppKey("tickets", TicketDesk)


async def queues(request: web.Request) -> web.Response:
    """GET /api/v1/queues: each queue, its waiting callers and its members."""
    board = await request.app[LIVE].load_board()
    return web.json_response({"queues": queues_view(board, time.time())})


async def healthz(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    health = await check_all(request.app[LIVE], request.app[ENGINE],
                             settings.agi_host, settings.agi_port)
    body = {"status": "ok" if health.ok else "degraded", "components": health.components}
    return web.json_response(body, status=200 if health.ok else 503)


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    redis = Redis.from_url(settings.effective_redis_url, socket_timeout=2)
    app[LIVE] = LiveState(redis)
    app[ENGINE] = make_engine(settings.effective_database_url)
    yield
    await redis.aclose()
    app[ENGINE].dispose()


async def _tickets(app: web.Application) -> AsyncIterator[None]:
    """The ticket desk on the app's engine; migrates, then flushes the spool in the background."""
    desk = build_ticket_desk(app[SETTINGS], app[ENGINE])
    await desk.prepare()
    app[TICKETS] = desk
    flusher = asyncio.create_task(desk.keep_flushing())
    yield
    flusher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await flusher


def make_app(settings: Settings) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_resources)
    app.cleanup_ctx.append(_tickets)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/v1/queues", queues)
    add_open311_routes(app, TICKETS, open311_config(settings))
    add_operator_routes(app)
    return app
