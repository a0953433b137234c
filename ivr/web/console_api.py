"""The operator's own actions at the console, and the admin's code lists.

Operator (for themselves; their user name is their queue member name):
``GET /api/v1/console/me`` (logged in, pause, call on hold),
``POST /api/v1/console/login`` and ``/logout`` (the queues), ``/pause {"reason": "break"}``
and ``/unpause``, ``/wrapup {"unique_id", "code", "queue", "caller_number"}``,
``/transfer {"mode": "blind"|"attended", "to": "queue"|"operator"|"number", "target"}``,
``/hold`` and ``/resume``. ``GET /api/v1/pause-reasons`` and ``/api/v1/wrapup-codes`` (anyone
logged in at the hotline); ``PUT`` them (admins) with ``{"codes": [{"code", "label"}, …]}``.
The service (``ivr.console.service``) checks and acts; this module only reads and answers.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict
from typing import Any

from aiohttp import web

from ..console.codes import PAUSE_REASONS, WRAPUP_CODES, as_json, checked_codes
from ..queues import ALL_QUEUES
from .auth import current
from .inputs import json_object
from .keys import CONSOLE, FEED

KIND_OF_PATH = {"pause-reasons": PAUSE_REASONS, "wrapup-codes": WRAPUP_CODES}


def _me(request: web.Request) -> str:
    return current(request).user.username


async def me(request: web.Request) -> web.Response:
    """GET /api/v1/console/me"""
    return web.json_response(await request.app[CONSOLE].me(_me(request), time.time()))


async def log_in(request: web.Request) -> web.Response:
    """POST /api/v1/console/login: back in the roster's queues (the engine's next pass)."""
    await request.app[CONSOLE].log_in(_me(request))
    return web.json_response({"operator": _me(request), "logged_in": True})


async def log_out(request: web.Request) -> web.Response:
    """POST /api/v1/console/logout: out of every queue until logging in again."""
    board = request.app[FEED].snapshot
    await request.app[CONSOLE].log_out(_me(request), board, time.time())
    return web.json_response({"operator": _me(request), "logged_in": False})


async def pause(request: web.Request) -> web.Response:
    """POST /api/v1/console/pause {"reason": "break"} (a code of the pause reasons)."""
    body = await json_object(request)
    reason = await request.app[CONSOLE].pause(_me(request), str(body.get("reason", "")),
                                              time.time())
    return web.json_response({"operator": _me(request), "paused": True, "reason": reason})


async def unpause(request: web.Request) -> web.Response:
    """POST /api/v1/console/unpause"""
    lasted = await request.app[CONSOLE].unpause(_me(request), time.time())
    return web.json_response({"operator": _me(request), "paused": False,
                              "paused_s": round(lasted)})


async def wrap_up(request: web.Request) -> web.Response:
    """POST /api/v1/console/wrapup {"unique_id", "code", "queue", "caller_number"}"""
    body = await json_object(request)
    call = await request.app[CONSOLE].wrap_up(_me(request), body, time.time())
    return web.json_response({**asdict(call), "at": call.at.isoformat()})


async def transfer(request: web.Request) -> web.Response:
    """POST /api/v1/console/transfer {"mode", "to", "target"}: my connected call."""
    body = await json_object(request)
    offer = request.app[FEED].snapshot.offers.get(_me(request))
    done = await request.app[CONSOLE].transfer(_me(request), offer, body, ALL_QUEUES)
    return web.json_response(done)


async def hold(request: web.Request) -> web.Response:
    """POST /api/v1/console/hold: my connected caller to music on hold."""
    offer = request.app[FEED].snapshot.offers.get(_me(request))
    return web.json_response(await request.app[CONSOLE].hold(_me(request), offer))


async def resume(request: web.Request) -> web.Response:
    """POST /api/v1/console/resume: the held caller back (my phone rings)."""
    return web.json_response(await request.app[CONSOLE].resume(_me(request)))


def _codes_routes(kind: str) -> tuple[Any, Any]:
    async def get_codes(request: web.Request) -> web.Response:
        """GET /api/v1/pause-reasons | /api/v1/wrapup-codes"""
        return web.json_response(as_json(await request.app[CONSOLE].code_list(kind)))

    async def put_codes(request: web.Request) -> web.Response:
        """PUT /api/v1/pause-reasons | /api/v1/wrapup-codes {"codes": [...]}: the whole list."""
        codes = checked_codes(kind, await json_object(request))
        saved = await asyncio.to_thread(request.app[CONSOLE].codes.replace, kind, codes)
        return web.json_response(as_json(saved))

    return get_codes, put_codes


def add_console_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/console/me", me)
    actions: dict[str, Any] = {"login": log_in, "logout": log_out, "pause": pause,
                               "unpause": unpause, "wrapup": wrap_up, "transfer": transfer,
                               "hold": hold, "resume": resume}
    for name, handler in actions.items():
        app.router.add_post(f"/api/v1/console/{name}", handler)
    for path, kind in KIND_OF_PATH.items():
        get_codes, put_codes = _codes_routes(kind)
        app.router.add_get(f"/api/v1/{path}", get_codes)
        app.router.add_put(f"/api/v1/{path}", put_codes)
