"""The aiohttp application: factory, typed keys, routes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy import Engine

from ..ami.board import queues_view
from ..config import Settings
from ..db import make_engine
from ..state import LiveState
from .health import check_all

SETTINGS = web.AppKey("settings", Settings)
LIVE = web.AppKey("live", LiveState)
ENGINE = web.AppKey("engine", Engine)


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


def make_app(settings: Settings) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_resources)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/v1/queues", queues)
    return app
