"""/api/v1/callers: the registered callers, kept by supervisors and read by the console.

Supervisors and admins search, register (``PUT`` with the entry as JSON), unregister, import
a CSV (``text/csv``, refused whole with each bad line: 422 ``bad-callers-csv``) and export
it. Operators may read one number's entry: the console looks up the caller it is offered
(404 ``no-such-caller`` when the number is not registered). Every ``{number}`` is checked
first (digits with an optional leading +, 20 at most: 400 ``bad-caller-number``). The
registry's errors are ``DomainError``s; ``errors.error_middleware`` answers them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from ..callers import (
    BadCallerNumber,
    CallerEntry,
    CallerRegistry,
    InvalidCaller,
    NoSuchCaller,
    RegisteredCaller,
    caller_entry,
    caller_number,
)
from .auth import current
from .inputs import bad_input, json_object
from .keys import CALLERS

CSV_TYPE = "text/csv"
LIST_MAX = 200  # entries in one search reply; ``more`` says whether there are others
QUERY_MAX = 200
ENTRY_FIELDS = ("name", "address", "district", "notes")


def caller_json(caller: RegisteredCaller) -> dict[str, Any]:
    return {"number": caller.number, "name": caller.name, "address": caller.address,
            "district": caller.district, "notes": caller.notes,
            "updated_at": caller.updated_at.isoformat(), "updated_by": caller.updated_by}


def _registry(request: web.Request) -> CallerRegistry:
    return request.app[CALLERS]


def _number(request: web.Request) -> str:
    return caller_number(request.match_info["number"])


def _actor(request: web.Request) -> str:
    return "web:" + current(request).user.username


async def search_callers(request: web.Request) -> web.Response:
    """GET /api/v1/callers?q=TEXT: entries whose number, name, address or district has it."""
    text = request.query.get("q", "")
    if len(text) > QUERY_MAX:
        raise bad_input("bad-query", f"q has at most {QUERY_MAX} characters")
    found = await asyncio.to_thread(_registry(request).search, text, LIST_MAX + 1)
    return web.json_response({"callers": [caller_json(c) for c in found[:LIST_MAX]],
                              "more": len(found) > LIST_MAX})


async def get_caller(request: web.Request) -> web.Response:
    """GET /api/v1/callers/{number}: the registered caller, or 404 no-such-caller."""
    number = _number(request)
    found = await asyncio.to_thread(_registry(request).get, number)
    if found is None:
        raise NoSuchCaller(f"{number} is not registered", number=number)
    return web.json_response(caller_json(found))


def _same_number(given: object, number: str) -> bool:
    try:
        return isinstance(given, str) and caller_number(given) == number
    except BadCallerNumber:
        return False


def _entry_of(number: str, body: dict[str, Any]) -> CallerEntry:
    """The entry the body gives for ``number``; a field it does not know is refused (a typo
    would otherwise leave that field empty)."""
    unknown = sorted(set(body) - {*ENTRY_FIELDS, "number"})
    if unknown:
        name = unknown[0][:40]
        raise InvalidCaller(f"unknown field {name!r} (fields: {', '.join(ENTRY_FIELDS)})",
                            field=name)
    if "number" in body and not _same_number(body["number"], number):
        raise InvalidCaller("number is not the one in the path", field="number")
    return caller_entry(number, *(body.get(name, "") for name in ENTRY_FIELDS))


async def put_caller(request: web.Request) -> web.Response:
    """PUT /api/v1/callers/{number} {"name", "address", "district", "notes"}"""
    number = _number(request)
    entry = _entry_of(number, await json_object(request))
    saved = await asyncio.to_thread(_registry(request).put, entry, _actor(request))
    return web.json_response(caller_json(saved))


async def delete_caller(request: web.Request) -> web.Response:
    """DELETE /api/v1/callers/{number}: the number is no longer registered."""
    number = _number(request)
    if not await asyncio.to_thread(_registry(request).delete, number):
        raise NoSuchCaller(f"{number} is not registered", number=number)
    return web.json_response({"number": number, "deleted": True})


async def import_callers(request: web.Request) -> web.Response:
    """POST /api/v1/callers/import (text/csv): every line lands, or none (422 per line)."""
    try:
        text = (await request.read()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad_input("bad-encoding", "the CSV is not UTF-8") from None
    report = await asyncio.to_thread(_registry(request).import_csv, text, _actor(request))
    return web.json_response({"added": report.added, "updated": report.updated,
                              "total": report.total})


async def export_callers(request: web.Request) -> web.Response:
    """GET /api/v1/callers.csv: every registered caller, number,name,address,district,notes."""
    text = await asyncio.to_thread(_registry(request).export_csv)
    return web.Response(text=text, content_type=CSV_TYPE, headers={
        "Content-Disposition": 'attachment; filename="registered-callers.csv"',
        "Cache-Control": "no-store"})


def add_caller_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/callers", search_callers)
    app.router.add_get("/api/v1/callers.csv", export_callers)
    app.router.add_post("/api/v1/callers/import", import_callers)
    app.router.add_get("/api/v1/callers/{number}", get_caller)
    app.router.add_put("/api/v1/callers/{number}", put_caller)
    app.router.add_delete("/api/v1/callers/{number}", delete_caller)
