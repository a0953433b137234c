"""Agencies' inboxes: each agency's tickets by deadline, and the staff's actions on them.

An agency user (role ``agency``) sees only the tickets of the agencies it is bound to; a
ticket of any other agency answers 403 and is never listed. Hotline supervisors and admins
see every agency (``User.sees_agency``) and route tickets handed back (``assign``).

- ``GET  /api/v1/agency/tickets[?agency=CODE]``: the inbox, overdue first (``inbox.py``)
- ``GET  /api/v1/agency/tickets/{number}``: one ticket with its history
- ``POST /api/v1/agency/tickets/{number}/accept``   {"note"}: in progress
- ``POST /api/v1/agency/tickets/{number}/note``     {"note", "public": true|false}
- ``POST /api/v1/agency/tickets/{number}/resolve``  {"note"} (public, required)
- ``POST /api/v1/agency/tickets/{number}/handback`` {"reason"} (required)
- ``POST /api/v1/agency/tickets/{number}/assign``   {"agency", "note"} (supervisors)
- ``GET  /api/v1/agency/handed-back``: tickets handed back, to re-route (supervisors)
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from ..accounts import Role, User
from ..clock import day_now
from ..tickets.errors import NoSuchTicket
from ..tickets.inbox import checked_note, deadline_state, hand_back_reason, inbox_order
from ..tickets.records import TicketRecord
from .auth import current
from .errors import Refused
from .inputs import json_object
from .keys import SETTINGS, TICKETS
from .ticket_json import ticket_json


def _refuse(agency: str) -> Refused:
    return Refused("forbidden", "this ticket belongs to an agency you do not work for",
                   agency=agency)


def inbox_json(record: TicketRecord, now: datetime, soon: timedelta) -> dict[str, Any]:
    state = deadline_state(record.status, record.due_at, now, soon)
    return {**ticket_json(record), "deadline_state": str(state),
            "handed_back": hand_back_reason(record.status, record.history)}


def _soon(request: web.Request) -> timedelta:
    return timedelta(hours=request.app[SETTINGS].ticket_due_soon_hours)


def _agencies(user: User, asked: str) -> tuple[str, ...]:
    """The agencies whose inbox ``user`` opens: the one asked for, or all of theirs."""
    if asked:
        if not user.sees_agency(asked):
            raise _refuse(asked)
        return (asked,)
    if user.role is Role.AGENCY:
        return user.agencies
    raise Refused("bad-agency", "give ?agency=CODE (hotline staff see any agency's inbox)")


async def inbox(request: web.Request) -> web.Response:
    user = current(request).user
    agencies = _agencies(user, request.query.get("agency", "").strip()[:40])
    records = await request.app[TICKETS].agency_tickets(agencies)
    now, soon = day_now(), _soon(request)
    rows = sorted(records, key=lambda r: inbox_order(
        deadline_state(r.status, r.due_at, now, soon), r.due_at))
    return web.json_response({"agencies": list(agencies), "mine": list(user.agencies),
                              "at": time.time(),
                              "tickets": [inbox_json(r, now, soon) for r in rows]})


async def _own_ticket(request: web.Request) -> TicketRecord:
    """The ticket of the route, if the user may see it (else 403; unknown: 404)."""
    number = request.match_info["number"]
    record = await request.app[TICKETS].ticket(number)
    if record is None:
        raise NoSuchTicket("no such ticket", number=number[:40])
    if not current(request).user.sees_agency(record.agency):
        raise _refuse(record.agency)
    return record


async def one_ticket(request: web.Request) -> web.Response:
    record = await _own_ticket(request)
    return web.json_response(inbox_json(record, day_now(), _soon(request)))


def _actor(request: web.Request) -> str:
    return "web:" + current(request).user.username


async def _reply(request: web.Request, record: TicketRecord) -> web.Response:
    return web.json_response(inbox_json(record, day_now(), _soon(request)))


async def accept(request: web.Request) -> web.Response:
    record = await _own_ticket(request)
    note = checked_note((await json_object(request)).get("note"))
    changed = await request.app[TICKETS].change_status(record.number, "in_progress",
                                                       _actor(request), note)
    return await _reply(request, changed)


async def add_note(request: web.Request) -> web.Response:
    record = await _own_ticket(request)
    body = await json_object(request)
    note = checked_note(body.get("note"), "a note")
    changed = await request.app[TICKETS].add_note(record.number, _actor(request), note,
                                                  body.get("public") is True)
    return await _reply(request, changed)


async def resolve(request: web.Request) -> web.Response:
    record = await _own_ticket(request)
    note = checked_note((await json_object(request)).get("note"), "what was done")
    changed = await request.app[TICKETS].change_status(record.number, "resolved",
                                                       _actor(request), "", public_note=note)
    return await _reply(request, changed)


async def hand_back(request: web.Request) -> web.Response:
    record = await _own_ticket(request)
    reason = checked_note((await json_object(request)).get("reason"),
                          "the reason it is not yours")
    changed = await request.app[TICKETS].hand_back(
        record.number, _actor(request), reason, request.app[SETTINGS].ticket_default_agency)
    return await _reply(request, changed)


async def assign(request: web.Request) -> web.Response:
    user = current(request).user
    if not user.role.allows(Role.SUPERVISOR):
        raise Refused("forbidden", "routing tickets is for the hotline's supervisors")
    record = await _own_ticket(request)
    body = await json_object(request)
    changed = await request.app[TICKETS].assign(
        record.number, str(body.get("agency", "")).strip()[:40], _actor(request),
        checked_note(body.get("note")))
    return await _reply(request, changed)


async def handed_back(request: web.Request) -> web.Response:
    """The hotline's re-route list: tickets handed back, each with the agency's reason."""
    records = await request.app[TICKETS].handed_back()
    now, soon = day_now(), _soon(request)
    return web.json_response({"at": time.time(),
                              "tickets": [inbox_json(r, now, soon) for r in records]})


def add_agency_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/agency/tickets", inbox)
    app.router.add_get("/api/v1/agency/handed-back", handed_back)
    app.router.add_get("/api/v1/agency/tickets/{number}", one_ticket)
    for action, handler in (("accept", accept), ("note", add_note), ("resolve", resolve),
                            ("handback", hand_back), ("assign", assign)):
        app.router.add_post(f"/api/v1/agency/tickets/{{number}}/{action}", handler)
