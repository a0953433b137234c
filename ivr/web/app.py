"""The aiohttp application: factory, typed keys (``keys.py``), resources and routes.

The factory builds no redis client, engine or desk: the composition root (``ivr/app.py``)
hands them over as ``parts.WebParts``. Errors of every API route get one body from
``errors.error_middleware``.

Access is one middleware (``auth.access_middleware``) checking the table in ``access.py``;
every response gets the security headers of ``security_headers.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from aiohttp import web

from ..ami.board import queues_view
from ..config import Settings, read_or_create_secret
from ..notify.notices import keep_noticing, notice_config
from ..notify.smtp import keep_sending, outbox_worker
from ..passwords import PasswordWork, dummy_hash
from ..tickets.open311 import add_open311_routes, open311_config
from .account_api import add_account_routes
from .admin_api import add_admin_routes
from .admin_history import add_history_routes
from .agency_api import add_agency_routes
from .auth import access_middleware
from .callers_api import add_caller_routes
from .catalog_api import add_catalog_routes
from .console_api import add_console_routes
from .credentials import BasicCache, Credentials
from .desk_api import add_desk_routes
from .errors import error_middleware
from .first_admin import ensure_first_admin
from .health import check_all
from .incidents_api import add_incident_routes
from .keys import (
    CALLERS,
    CALLS,
    CLUSTER,
    CLUSTER_FEED,
    CONSOLE,
    CREDENTIALS,
    DATABASE_PING,
    FEED,
    FLOWS,
    LIVE,
    OPERATORS,
    SETTINGS,
    SIGNER,
    SOURCE,
    STREAMS,
    TICKETS,
    USERS,
)
from .live import BoardFeed, ClusterFeed, StreamSlots
from .live_api import add_live_routes
from .metrics import metrics
from .notices_api import add_notice_routes
from .openapi import openapi
from .operators import add_operator_routes
from .pages import add_page_routes, with_navigation
from .parts import PartsFactory
from .public_api import add_public_routes
from .reports_api import add_report_routes, keep_escalating
from .roster_admin_api import add_roster_admin_routes
from .scorecard_api import add_scorecard_routes
from .security_headers import use_security_headers
from .sessions import Signer
from .throttle import LoginThrottle
from .tracking import add_tracking_routes
from .wallscreen_api import add_wallscreen_routes

__all__ = ["LIVE", "SETTINGS", "TICKETS", "make_app"]

log = logging.getLogger(__name__)


async def queues(request: web.Request) -> web.Response:
    """GET /api/v1/queues: each queue, its waiting callers and its members."""
    board = await request.app[SOURCE].load_board()
    return web.json_response({"queues": queues_view(board, time.time())})


async def healthz(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    health = await check_all(request.app[LIVE], request.app[DATABASE_PING],
                             settings.agi_host, settings.agi_port)
    body = {"status": "ok" if health.ok else "degraded", "components": health.components}
    return web.json_response(body, status=200 if health.ok else 503)


def _parts(factory: PartsFactory) -> Callable[[web.Application], AsyncIterator[None]]:
    """Enter the composition root's parts on start-up and put each under its key."""
    async def provide(app: web.Application) -> AsyncIterator[None]:
        async with factory() as parts:
            app[LIVE], app[SOURCE], app[TICKETS] = parts.live, parts.board, parts.tickets
            app[USERS], app[FLOWS], app[CALLS] = parts.users, parts.flows, parts.calls
            app[OPERATORS], app[DATABASE_PING] = parts.operators, parts.database_ping
            app[CALLERS], app[CONSOLE] = parts.callers, parts.console
            if parts.cluster is not None:
                app[CLUSTER] = parts.cluster
            yield
    return provide


async def _tickets(app: web.Application) -> AsyncIterator[None]:
    """The spool flush, the escalation passes, the citizens' notices and the outbox's
    senders, in the background."""
    desk, settings = app[TICKETS], app[SETTINGS]
    window = timedelta(hours=settings.ticket_due_soon_hours)
    mail = outbox_worker(settings, desk.service.sessions, desk.schema_is_ready)
    tasks = [asyncio.create_task(desk.keep_flushing(settings.ticket_flush_every)),
             asyncio.create_task(keep_escalating(desk, window,
                                                 every_s=settings.ticket_escalate_every,
                                                 hotline_email=settings.escalation_email)),
             asyncio.create_task(keep_noticing(desk.service.sessions,
                                               notice_config(settings), settings.notify_every,
                                               desk.clock, desk.schema_is_ready)),
             asyncio.create_task(keep_sending(mail))]
    yield
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _accounts(app: web.Application) -> AsyncIterator[None]:
    """The first admin, password checks, the session secret."""
    settings = app[SETTINGS]
    users = app[USERS]
    work = PasswordWork()
    await work.run(ensure_first_admin, users, settings.data_dir, settings.admin_user,
                   settings.admin_password)
    await work.run(dummy_hash)  # so the first unknown user costs no more than a known one
    app[CREDENTIALS] = Credentials(users, work, LoginThrottle(time.monotonic),
                                   BasicCache(time.monotonic))
    app[SIGNER] = Signer(read_or_create_secret(settings.data_dir, "web_session"))
    yield
    work.close()


async def _feed(app: web.Application) -> AsyncIterator[None]:
    feed = BoardFeed(app[SOURCE])
    app[FEED] = feed
    tasks = [asyncio.create_task(feed.run())]
    if CLUSTER in app:  # a cluster node: every node's board too (README "Cluster")
        app[CLUSTER_FEED] = ClusterFeed(app[CLUSTER])
        tasks.append(asyncio.create_task(app[CLUSTER_FEED].run()))
    yield
    await feed.close()
    if CLUSTER_FEED in app:
        await app[CLUSTER_FEED].close()
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _close_streams(app: web.Application) -> None:
    """On shutdown, end the event streams first so the server need not wait for them."""
    if FEED in app:
        await app[FEED].close()
    if CLUSTER_FEED in app:
        await app[CLUSTER_FEED].close()


def make_app(settings: Settings, parts: PartsFactory) -> web.Application:
    """The web app on the parts the composition root builds (``ivr.app.web_app``)."""
    app = web.Application(client_max_size=settings.web_max_body_bytes,
                          middlewares=[error_middleware,
                                       access_middleware(lambda r: r.app[CREDENTIALS],
                                                         lambda r: r.app[SIGNER]),
                                       with_navigation])
    app[SETTINGS] = settings
    app[STREAMS] = StreamSlots(total=settings.web_max_streams)
    use_security_headers(app)
    app.cleanup_ctx.extend([_parts(parts), _tickets, _accounts, _feed])
    app.on_shutdown.append(_close_streams)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_get("/api/v1/queues", queues)
    add_page_routes(app)
    add_live_routes(app)
    add_incident_routes(app)
    add_desk_routes(app)
    add_agency_routes(app)
    add_tracking_routes(app)
    add_public_routes(app)  # the public performance page
    add_report_routes(app)
    add_scorecard_routes(app)
    add_notice_routes(app)
    add_admin_routes(app)
    add_account_routes(app)
    add_operator_routes(app)
    add_roster_admin_routes(app)  # the admin's operators and roster pages
    add_history_routes(app)
    add_console_routes(app)
    add_caller_routes(app)
    add_catalog_routes(app)  # the catalog admin and the wall screen
    add_wallscreen_routes(app)
    add_open311_routes(app, TICKETS, open311_config(settings))
    return app
