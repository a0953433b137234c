"""The catalog admin's JSON API (``/admin/catalog``), and the lists the console reads.

Admins add (``POST /api/v1/catalog/{kind}``), edit (``PUT .../{kind}/{code}``) and retire or
remove (``DELETE``) categories, agencies and their branches, districts and sub-districts,
deadline tiers and holidays; each save is checked (``ivr.tickets.catalog_rules``: a 400
``catalog-invalid`` whose ``details.field`` names the field) and kept in the history, which
``POST /api/v1/catalog/changes/{id}/revert`` goes back on. Operators read the categories that
take tickets (with their agency and deadline) and the districts, for the ticket desk.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..tickets.catalog_history import Change, change_json
from ..tickets.catalog_rules import KINDS, PLURALS, kind_of
from .auth import current
from .errors import Refused
from .inputs import json_object
from .keys import TICKETS

PLURAL_OF = {kind: plural for plural, kind in PLURALS.items()}


def _actor(request: web.Request) -> str:
    return "web:" + current(request).user.username


def _saved(change: Change, status: int = 200) -> web.Response:
    return web.json_response({"entry": change.after, "change": change_json(change)},
                             status=status)


async def catalog(request: web.Request) -> web.Response:
    """GET /api/v1/catalog: every entry of each kind, and the latest changes first."""
    desk = request.app[TICKETS]
    listing = await desk.on_database(desk.catalog.listing)
    body: dict[str, Any] = {PLURAL_OF[kind]: listing[kind] for kind in KINDS}
    body["changes"] = [change_json(c) for c in listing["changes"]]
    return web.json_response(body)


async def categories(request: web.Request) -> web.Response:
    """GET /api/v1/catalog/categories: the categories that take tickets, by name, each with
    its agency and deadline as the operator tells the caller."""
    return web.json_response({"categories": await request.app[TICKETS].desk_categories()})


async def districts(request: web.Request) -> web.Response:
    """GET /api/v1/districts: active districts by name, each with its sub-districts."""
    desk = request.app[TICKETS]
    return web.json_response({"districts": await desk.on_database(desk.catalog.districts)})


async def add_entry(request: web.Request) -> web.Response:
    """POST /api/v1/catalog/{kind} {"code", ...fields}: a new entry (201)."""
    kind = kind_of(request.match_info["kind"])
    body = await json_object(request)
    code = body.get("code")
    desk = request.app[TICKETS]
    change = await desk.on_database(desk.catalog.save, kind, code if isinstance(
        code, str) else "", body, _actor(request), True)
    return _saved(change, 201)


async def edit_entry(request: web.Request) -> web.Response:
    """PUT /api/v1/catalog/{kind}/{code} {...fields}: the entry replaced (fields left out take
    their defaults: send them all)."""
    kind = kind_of(request.match_info["kind"])
    desk = request.app[TICKETS]
    change = await desk.on_database(desk.catalog.save, kind, request.match_info["code"],
                                    await json_object(request), _actor(request), False)
    return _saved(change)


async def remove_entry(request: web.Request) -> web.Response:
    """DELETE /api/v1/catalog/{kind}/{code}: a category, agency or district retired (entry
    with active false); a tier or holiday removed (entry null)."""
    kind = kind_of(request.match_info["kind"])
    desk = request.app[TICKETS]
    change = await desk.on_database(desk.catalog.remove, kind, request.match_info["code"],
                                    _actor(request))
    return _saved(change)


async def go_back(request: web.Request) -> web.Response:
    """POST /api/v1/catalog/changes/{id}/revert: the entry as it was before that change."""
    raw = request.match_info["id"]
    if not raw.isdigit() or len(raw) > 12:
        raise Refused("bad-change-id", "a change id is a number")
    desk = request.app[TICKETS]
    change = await desk.on_database(desk.catalog.go_back, int(raw), _actor(request))
    return _saved(change)


def add_catalog_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/catalog", catalog)
    app.router.add_get("/api/v1/catalog/categories", categories)
    app.router.add_get("/api/v1/districts", districts)
    app.router.add_post("/api/v1/catalog/changes/{id}/revert", go_back)
    app.router.add_post("/api/v1/catalog/{kind}", add_entry)
    app.router.add_put("/api/v1/catalog/{kind}/{code}", edit_entry)
    app.router.add_delete("/api/v1/catalog/{kind}/{code}", remove_entry)
