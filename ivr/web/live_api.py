"""The wallboard, the operator console and their server-sent-event stream.

``GET /api/v1/events?want=board`` (supervisors) sends ``event: board`` with the wallboard's
figures on every change; ``?want=board-delta`` sends that once, then ``event: board-delta``
with what changed (``board_delta``); ``?want=console`` (anyone logged in) sends
``event: console`` when the call offered to this user (queue member name = user name)
changes. On a cluster node (``IVR_CLUSTER_REDIS_URL``) the wallboard and its streams show
every live node's queues as one (``scope=cluster``, the default there; README "Cluster");
``?scope=node`` shows this node's own. A comment line every 15 s keeps proxies from closing
the stream. Each user may
have ``MAX_STREAMS_PER_USER`` (5) streams open; one more is refused with 429 (see
``live.StreamSlots``).
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import asdict
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from ..accounts import Role
from ..ami.board import is_silent
from ..queues import EMERGENCY_QUEUES
from ..stats.queue_day import thresholds
from ..tickets.errors import NoSuchTicket
from .auth import current
from .board_delta import board_delta, is_empty
from .errors import Refused
from .inputs import bad_input, json_object
from .keys import CLUSTER, CLUSTER_FEED, FEED, SETTINGS, STREAMS, TICKETS
from .live import BoardFeed, ClusterFeed
from .ticket_json import ticket_json
from .wallboard import cluster_wallboard, wallboard_view

KEEPALIVE_S = 15.0


SCOPES = ("cluster", "node")


def board_scope(request: web.Request) -> str:
    """``cluster`` (every node's queues as one) on a cluster node unless ``?scope=node``;
    ``node`` elsewhere (one node is the whole hotline)."""
    scope = request.query.get("scope", "cluster")
    if scope not in SCOPES:
        raise bad_input("bad-scope", "scope is cluster or node")
    return "cluster" if scope == "cluster" and CLUSTER_FEED in request.app else "node"


def board_body(app: web.Application, scope: str = "node") -> dict[str, Any]:
    settings = app[SETTINGS]
    levels = thresholds(settings.service_level_seconds)
    if scope == "cluster":
        return cluster_wallboard(app[CLUSTER_FEED].snapshot, time.time(), levels,
                                 settings.emergency_silent_after)
    return {**wallboard_view(app[FEED].snapshot, time.time(), levels,
                             settings.emergency_silent_after), "scope": "node"}


async def console_body(app: web.Application, username: str) -> dict[str, Any]:
    offer = app[FEED].snapshot.offers.get(username)
    if offer is None:
        return {"operator": username, "call": None, "ticket": None, "earlier": []}
    earlier = await app[TICKETS].by_caller(offer.caller_number)
    ticket = await app[TICKETS].ticket(offer.ticket) if offer.ticket else None
    call = {**asdict(offer), "emergency": offer.queue in EMERGENCY_QUEUES,
            "silent": is_silent(offer.queue, offer.keyed, offer.waited_s,
                                app[SETTINGS].emergency_silent_after)}
    return {"operator": username, "call": call,
            "ticket": ticket_json(ticket) if ticket else None,
            "earlier": [ticket_json(t) for t in earlier]}


async def wallboard(request: web.Request) -> web.Response:
    """GET /api/v1/wallboard[?scope=cluster|node]: per queue figures, abandoned callers,
    operators (in a cluster: each caller's and operator's node, and the nodes)."""
    scope = board_scope(request)
    if scope == "cluster":  # read now, not at the feed's next pass
        feed = request.app[CLUSTER_FEED]
        with contextlib.suppress(RedisError, OSError):  # else the feed's last read
            await feed.refresh(await request.app[CLUSTER].read())
    return web.json_response(board_body(request.app, scope))


async def console(request: web.Request) -> web.Response:
    """GET /api/v1/console: the call offered to me, its ticket, the caller's earlier tickets."""
    return web.json_response(await console_body(request.app, current(request).user.username))


def _sse(event: str, body: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(body)}\n\n".encode()


async def events(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/events?want=board|console (text/event-stream)."""
    identity = current(request)
    want = request.query.get("want", "console")
    if want not in ("board", "board-delta", "console"):
        raise bad_input("bad-want", "want is board, board-delta or console")
    if want != "console" and not identity.user.role.allows(Role.SUPERVISOR):
        raise Refused("forbidden", "the board is for supervisors")
    scope = board_scope(request)
    name, slots = identity.user.username, request.app[STREAMS]
    if slots.full():
        raise Refused("streams-full", f"the service has its {slots.total} live streams open; "
                      "try again", retry_after_s=int(KEEPALIVE_S))
    if not slots.take(name):
        raise Refused("too-many-streams", f"at most {slots.limit} live pages per user; "
                      "close one", retry_after_s=int(KEEPALIVE_S))
    try:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                               "Cache-Control": "no-cache",
                                               "X-Accel-Buffering": "no"})
        await response.prepare(request)
        with contextlib.suppress(ConnectionResetError):  # the browser left the page
            await _stream(request, response, want, name, scope)
    finally:
        slots.give_back(name)
    return response


async def _stream(request: web.Request, response: web.StreamResponse, want: str,
                  username: str, scope: str = "node") -> None:
    feed: BoardFeed | ClusterFeed = request.app[FEED]
    if want != "console" and scope == "cluster":
        feed = request.app[CLUSTER_FEED]
    seen, last = -1, ""
    last_board: dict[str, Any] | None = None
    while not feed.closed:
        version = await feed.wait(seen, KEEPALIVE_S)
        if version == seen:
            await response.write(b": keepalive\n\n")
            continue
        seen = version
        if want == "board":
            await response.write(_sse("board", board_body(request.app, scope)))
            continue
        if want == "board-delta":
            last_board = await _send_board_delta(request.app, response, last_board, scope)
            continue
        body = await console_body(request.app, username)
        text = json.dumps(body)
        if text != last:
            last = text
            await response.write(_sse("console", body))


async def _send_board_delta(app: web.Application, response: web.StreamResponse,
                            last: dict[str, Any] | None, scope: str = "node") -> dict[str, Any]:
    """The whole board first, then what changed since the body last sent; returns it."""
    body = board_body(app, scope)
    if last is None:
        await response.write(_sse("board", body))
        return body
    delta = board_delta(last, body)
    if is_empty(delta):
        return last
    await response.write(_sse("board-delta", delta))
    return body


async def find_tickets(request: web.Request) -> web.Response:
    """GET /api/v1/tickets?caller=NUMBER: that caller's latest tickets."""
    caller = request.query.get("caller", "")
    if not caller:
        raise bad_input("bad-caller", "give ?caller=NUMBER")
    found = await request.app[TICKETS].by_caller(caller)
    return web.json_response({"tickets": [ticket_json(t) for t in found]})


async def get_ticket(request: web.Request) -> web.Response:
    """GET /api/v1/tickets/{number}: one ticket with its history."""
    number = request.match_info["number"]
    record = await request.app[TICKETS].ticket(number)
    if record is None:
        raise NoSuchTicket("no such ticket", number=number)
    return web.json_response(ticket_json(record))


async def change_status(request: web.Request) -> web.Response:
    """POST /api/v1/tickets/{number}/status  {"status": "in_progress", "note": "...",
    "public_note": "..."}: ``note`` is internal, ``public_note`` the citizen sees."""
    body = await json_object(request)
    actor = "web:" + current(request).user.username
    record = await request.app[TICKETS].change_status(
        request.match_info["number"], str(body.get("status", "")), actor,
        str(body.get("note", ""))[:2000],  # ticket errors: the table's status (errors.py)
        public_note=str(body.get("public_note", ""))[:2000])
    return web.json_response(ticket_json(record))


def add_live_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/wallboard", wallboard)
    app.router.add_get("/api/v1/console", console)
    app.router.add_get("/api/v1/events", events)
    app.router.add_get("/api/v1/tickets", find_tickets)
    app.router.add_get("/api/v1/tickets/{number}", get_ticket)
    app.router.add_post("/api/v1/tickets/{number}/status", change_status)
