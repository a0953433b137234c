"""Shared by the Open311 tests: the Open311 routes alone, on a real desk and loopback server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from schema_fixtures import upgraded

from ivr.config import Settings
from ivr.tickets.desk import TicketDesk, build_ticket_desk
from ivr.tickets.open311 import add_open311_routes, open311_config

DESK = web.AppKey("desk", TicketDesk)
V2 = "/open311/v2"


class Open311Client(TestClient[web.Request, web.Application]):
    """A test client that also holds the desk behind the routes."""

    desk: TicketDesk


@asynccontextmanager
async def open311_client(settings: Settings) -> AsyncIterator[Open311Client]:
    """A client of the Open311 routes; ``client.desk`` is the migrated desk behind them."""
    desk = build_ticket_desk(upgraded(settings))
    assert await desk.prepare()
    app = web.Application()
    app[DESK] = desk
    add_open311_routes(app, DESK, open311_config(settings))
    try:
        async with Open311Client(TestServer(app)) as client:
            client.desk = desk
            yield client
    finally:
        desk.close()
