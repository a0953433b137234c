"""The admin's operators and roster pages' API: phone accounts, the week grid, one cell.

Each save is checked (``roster.editing``) before the roster file is replaced, and kept in
the admin history. The roster service sees the new file within a second: it rewrites the
operators' PJSIP file and reloads PJSIP (``roster.phones``), and its next pass puts the
queues' members right. Passwords are never sent back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

from aiohttp import web

from ..clock import day_now
from ..roster.editing import (
    checked_operator,
    week_grid,
    week_of,
    with_cell,
    with_operator,
    without_operator,
)
from ..roster.model import Operator, Roster
from ..roster.store import RosterStore
from ..tickets.filelock import exclusive
from .admin_history import remember
from .inputs import bad_input, json_object
from .keys import OPERATORS

LOCK_NAME = ".roster.lock"  # beside roster.json


def operator_json(operator: Operator) -> dict[str, Any]:
    return {"username": operator.username, "name": operator.name,
            "skills": str(operator.skills), "contact": operator.contact,
            "registers": not operator.contact}


def _store(request: web.Request) -> RosterStore:
    return request.app[OPERATORS].store


async def _load(request: web.Request) -> Roster:
    return await asyncio.to_thread(_store(request).load)


def _edited(store: RosterStore, change: Callable[[Roster], Roster]) -> Roster:
    """Load, change and save under the roster's lock, so two admins' saves (in any web
    process) take turns instead of one silently undoing the other."""
    with exclusive(store.path.with_name(LOCK_NAME)):
        roster = change(store.load())
        store.save(roster)
        return roster


async def _edit(request: web.Request, change: Callable[[Roster], Roster]) -> Roster:
    return await asyncio.to_thread(_edited, _store(request), change)


async def list_operators(request: web.Request) -> web.Response:
    """GET /api/v1/roster/operators: phone accounts (no passwords)."""
    roster = await _load(request)
    return web.json_response({"operators": [operator_json(roster.operators[u])
                                            for u in sorted(roster.operators)]})


async def add_operator(request: web.Request) -> web.Response:
    """POST /api/v1/roster/operators {"username", "password", "name", "skills", "contact"}"""
    operator = checked_operator(await json_object(request), None)
    await _edit(request, lambda roster: with_operator(roster, operator, adding=True))
    await remember(request, "operator", operator.username,
                   f"added ({operator.skills or 'no skill'})")
    return web.json_response(operator_json(operator), status=201)


async def edit_operator(request: web.Request) -> web.Response:
    """PUT /api/v1/roster/operators/{username}: an empty password keeps the old one."""
    username = request.match_info["username"]
    body = {**await json_object(request), "username": username}
    before: list[Operator | None] = []  # the operator as the locked edit found it
    after: list[Operator] = []

    def change(roster: Roster) -> Roster:
        before.append(roster.operators.get(username))
        after.append(checked_operator(body, before[-1]))
        return with_operator(roster, after[-1], adding=False)

    await _edit(request, change)
    await remember(request, "operator", username, _edit_summary(before[-1], after[-1]))
    return web.json_response(operator_json(after[-1]))


def _edit_summary(before: Operator | None, after: Operator) -> str:
    """What an edit changed, in words (the password only as "password changed")."""
    if before is None:
        return "edited"
    changes = [f"{field} {getattr(before, field) or '-'} → {getattr(after, field) or '-'}"
               for field in ("name", "skills", "contact")
               if getattr(before, field) != getattr(after, field)]
    if before.password != after.password:
        changes.append("password changed")
    return ", ".join(changes) or "saved unchanged"


async def remove_operator(request: web.Request) -> web.Response:
    """DELETE /api/v1/roster/operators/{username}: refused while on the roster from today."""
    username = request.match_info["username"]
    await _edit(request, lambda roster: without_operator(
        roster, username, day_now().astimezone(roster.tz).date()))
    await remember(request, "operator", username, "removed")
    return web.json_response({"username": username, "removed": True})


def _monday(request: web.Request, roster: Roster) -> date:
    raw = request.query.get("week", "")
    if not raw:
        return week_of(day_now().astimezone(roster.tz).date())
    try:
        return week_of(date.fromisoformat(raw))
    except ValueError:
        raise bad_input("bad-query", "week is a date, YYYY-MM-DD") from None


async def get_week(request: web.Request) -> web.Response:
    """GET /api/v1/roster/week?week=YYYY-MM-DD: the grid of that date's week."""
    roster = await _load(request)
    return web.json_response(week_grid(roster, _monday(request, roster)))


async def set_cell(request: web.Request) -> web.Response:
    """POST /api/v1/roster/assignments {"operator", "date", "shift", "working", "skills"}"""
    body = await json_object(request)
    said: list[str] = []

    def change(roster: Roster) -> Roster:
        changed, what = with_cell(roster, body)
        said.append(what)
        return changed

    roster = await _edit(request, change)
    await remember(request, "roster", f"{body['date']} {body['shift']}", said[0])
    return web.json_response(week_grid(roster, week_of(date.fromisoformat(str(body["date"])))))


def add_roster_admin_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/roster/operators", list_operators)
    app.router.add_post("/api/v1/roster/operators", add_operator)
    app.router.add_put("/api/v1/roster/operators/{username}", edit_operator)
    app.router.add_delete("/api/v1/roster/operators/{username}", remove_operator)
    app.router.add_get("/api/v1/roster/week", get_week)
    app.router.add_post("/api/v1/roster/assignments", set_cell)
