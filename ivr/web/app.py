"""The aiohttp application: factory, typed keys (``keys.py``), resources and routes.

Access is one middleware (``auth.access_middleware``) checking the table in ``access.py``;
every response gets the security headers of ``security_headers.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web
from redis.asyncio import Redis

from ..ami.board import queues_view
from ..config import Settings, read_or_create_secret
from ..db import make_engine
from ..state import LiveState
from ..tickets.desk import build_ticket_desk
from ..tickets.open311 import add_open311_routes, open311_config
from .account_api import add_account_routes
from .admin_api import add_admin_routes
from .auth import access_middleware
from .credentials import BasicCache, Credentials
from .first_admin import ensure_first_admin
from .health import check_all
from .keys import (
    CREDENTIALS,
    ENGINE,
    FEED,
    FLOWS,
    LIVE,
    LOOKUP,
    SETTINGS,
    SIGNER,
    SOURCE,
    STREAMS,
    TICKETS,
    USERS,
)
from .live import BoardFeed, BoardSource, RedisBoardSource, StreamSlots
from .live_api import add_live_routes
from .metrics import metrics
from .openapi import openapi
from .operators import add_operator_routes
from .pages import add_page_routes
from .passwords import PasswordWork, dummy_hash
from .reports_api import add_report_routes, keep_escalating
from .security_headers import use_security_headers
from .sessions import Signer
from .throttle import LoginThrottle
from .ticket_lookup import TicketLookup
from .users import UserStore

__all__ = ["ENGINE", "LIVE", "SETTINGS", "TICKETS", "make_app"]

log = logging.getLogger(__name__)


async def queues(request: web.Request) -> web.Response:
    """GET /api/v1/queues: each queue, its waiting callers and its members."""
    board = await request.app[SOURCE].load_board()
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
    if SOURCE not in app:
        app[SOURCE] = RedisBoardSource(app[LIVE], settings.effective_redis_url)
    yield
    await redis.aclose()
    app[ENGINE].dispose()


async def _tickets(app: web.Application) -> AsyncIterator[None]:
    """The ticket desk on the app's engine; migrates, then flushes the spool in the background."""
    desk = build_ticket_desk(app[SETTINGS], app[ENGINE])
    await desk.prepare()
    app[TICKETS] = desk
    app[LOOKUP] = TicketLookup(desk)
    window = timedelta(hours=app[SETTINGS].ticket_due_soon_hours)
    tasks = [asyncio.create_task(desk.keep_flushing()),
             asyncio.create_task(keep_escalating(desk, window))]
    yield
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    desk.close()  # the desk's thread pools (the engine is the app's, closed by _resources)


async def _accounts(app: web.Application) -> AsyncIterator[None]:
    """Web accounts (and the first admin), password checks, the session secret, the flows."""
    from ..services import flow_store  # services imports this module

    settings = app[SETTINGS]
    users = UserStore(app[ENGINE])
    work = PasswordWork()
    await asyncio.to_thread(users.create_schema)
    await work.run(ensure_first_admin, users, settings.data_dir, settings.admin_user,
                   settings.admin_password)
    await work.run(dummy_hash)  # so the first unknown user costs no more than a known one
    app[USERS] = users
    app[CREDENTIALS] = Credentials(users, work, LoginThrottle(time.monotonic),
                                   BasicCache(time.monotonic))
    app[SIGNER] = Signer(read_or_create_secret(settings.data_dir, "web_session"))
    app[FLOWS] = flow_store(settings)
    yield
    work.close()


async def _feed(app: web.Application) -> AsyncIterator[None]:
    feed = BoardFeed(app[SOURCE])
    app[FEED] = feed
    task = asyncio.create_task(feed.run())
    yield
    await feed.close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _close_streams(app: web.Application) -> None:
    """On shutdown, end the event streams first so the server need not wait for them."""
    if FEED in app:
        await app[FEED].close()


def make_app(settings: Settings, board_source: BoardSource | None = None) -> web.Application:
    """The web app; ``board_source`` replaces redis as the live board's source (tests)."""
    app = web.Application(middlewares=[access_middleware(lambda r: r.app[CREDENTIALS],
                                                         lambda r: r.app[SIGNER])])
    app[SETTINGS] = settings
    app[STREAMS] = StreamSlots()
    use_security_headers(app)
    if board_source is not None:
        app[SOURCE] = board_source
    app.cleanup_ctx.extend([_resources, _tickets, _accounts, _feed])
    app.on_shutdown.append(_close_streams)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_get("/api/v1/queues", queues)
    add_page_routes(app)
    add_live_routes(app)
    add_report_routes(app)
    add_admin_routes(app)
    add_account_routes(app)
    add_operator_routes(app)
    add_open311_routes(app, TICKETS, open311_config(settings))
    return app
