"""The console's ticket desk: the ticket of the call being answered, or the reason for none.

``POST /api/v1/calls/{unique_id}/ticket`` makes the ticket (``ivr.tickets.wrapups``): kind,
category (which names the agency and the deadline), district, address, description, and
whether it was answered on the call (then it is closed at once). The answer carries the
number grouped for reading out. ``POST /api/v1/calls/{unique_id}/wrapup`` stores the reason
an answered call made no ticket; ``GET /api/v1/calls/unwrapped`` lists my answered calls
that have neither (a supervisor may ask for everyone's with ``?all=1``).
"""

from __future__ import annotations

from aiohttp import web

from ..accounts import Role
from ..tickets.kinds import KIND_NAMES
from ..tickets.wrapups import REASONS, checked_reason, desk_form, grouped
from .auth import current
from .errors import Refused
from .inputs import json_object, query_float
from .keys import TICKETS
from .ticket_json import ticket_json

UNWRAPPED_HOURS = 12.0  # an operator's shift and then some


async def desk_lists(request: web.Request) -> web.Response:
    """GET /api/v1/desk: what the desk offers: kinds, categories (with the agency and the
    deadline each leads to), districts with their sub-districts, no-ticket reasons."""
    desk = request.app[TICKETS]
    categories = await desk.desk_categories()
    districts = await desk.on_database(desk.catalog.districts)
    return web.json_response({"kinds": {str(k): name for k, name in KIND_NAMES.items()},
                              "categories": categories, "districts": districts,
                              "reasons": REASONS})


async def make_ticket(request: web.Request) -> web.Response:
    """POST /api/v1/calls/{unique_id}/ticket: the desk's ticket for that call (201)."""
    form = desk_form(request.match_info["unique_id"], await json_object(request))
    desk = request.app[TICKETS]
    number = await desk.open_at_desk(form, current(request).user.username)
    record = await desk.ticket(number)
    if record is not None:
        body = ticket_json(record)
    else:  # in the spool until the database is back: what it will be
        view = await desk.status_by_number(number)
        body = {"number": number, "status": "received", "spooled": True,
                "agency": view.agency if view else "",
                "agency_name": view.agency_name if view else "",
                "due_at": view.due_at.isoformat() if view else None}
    return web.json_response({**body, "number_grouped": grouped(number)}, status=201)


async def wrap_up(request: web.Request) -> web.Response:
    """POST /api/v1/calls/{unique_id}/wrapup  {"reason": "wrong_number", "note": "...",
    "queue": "hotline", "caller_number": "..."}: why the call made no ticket."""
    body = await json_object(request)
    reason = checked_reason(str(body.get("reason", "")), str(body.get("note", "")).strip())
    stored = await request.app[TICKETS].wrap_up(
        request.match_info["unique_id"], current(request).user.username, reason,
        str(body.get("queue", ""))[:40], str(body.get("caller_number", ""))[:64])
    return web.json_response({"unique_id": stored.unique_id, "operator": stored.operator,
                              "ticket_number": stored.ticket_number, "reason": stored.reason,
                              "at": stored.at.isoformat()})


async def unwrapped(request: web.Request) -> web.Response:
    """GET /api/v1/calls/unwrapped?hours=12[&all=1]: answered calls with no ticket or reason."""
    hours = query_float(request, "hours", UNWRAPPED_HOURS, 0, 24 * 31)
    user = current(request).user
    everyone = request.query.get("all") == "1"
    if everyone and not user.role.allows(Role.SUPERVISOR):
        raise Refused("forbidden", "everyone's calls are for supervisors")
    calls = await request.app[TICKETS].unwrapped_calls("" if everyone else user.username,
                                                       hours)
    return web.json_response({"hours": hours, "calls": calls})


def add_desk_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/desk", desk_lists)
    app.router.add_get("/api/v1/calls/unwrapped", unwrapped)
    app.router.add_post("/api/v1/calls/{unique_id}/ticket", make_ticket)
    app.router.add_post("/api/v1/calls/{unique_id}/wrapup", wrap_up)
