"""/api/v1/operators and /api/v1/roster: operator states, pauses, the roster and its CSV.

``add_operator_routes(app)`` adds the routes to the app from ``make_app``; the operator desk
is the app's ``OPERATORS``. Pauses are requests: the roster engine applies them within a
second, so the reply is 202 and ``GET /api/v1/operators`` shows the state Asterisk then reports.
"""

from __future__ import annotations

import time

from aiohttp import web

from ..clock import day_now
from ..roster.csvfile import CsvError, export_csv, import_csv
from ..roster.model import RosterError, on_shift, validate
from ..roster.store import to_json
from .admin_history import remember
from .errors import Refused
from .inputs import bad_input, json_object
from .keys import OPERATORS

CSV_TYPE = "text/csv"


async def list_operators(request: web.Request) -> web.Response:
    """GET /api/v1/operators: each operator's state, pause reason, queues and time in state."""
    return web.json_response({"operators": await request.app[OPERATORS].states(time.time())})


async def pause(request: web.Request) -> web.Response:
    """POST /api/v1/operators/{username}/pause  {"reason": "lunch"}"""
    reason = str((await json_object(request)).get("reason", ""))
    username = request.match_info["username"]
    await request.app[OPERATORS].pause(username, reason)  # roster errors: errors.py's table
    return web.json_response({"operator": username, "paused": True,
                              "reason": reason.strip() or "paused"}, status=202)


async def unpause(request: web.Request) -> web.Response:
    """POST /api/v1/operators/{username}/unpause"""
    username = request.match_info["username"]
    await request.app[OPERATORS].unpause(username)
    return web.json_response({"operator": username, "paused": False}, status=202)


async def listen_in(request: web.Request) -> web.Response:
    """POST /api/v1/operators/{username}/spy  {"mode": "listen|whisper|barge", "phone": "sup1"}:
    the supervisor's phone (a roster phone account) rings and joins the operator's call."""
    body = await json_object(request)
    username = request.match_info["username"]
    mode, phone = str(body.get("mode", "listen")), str(body.get("phone", "")).strip()
    await request.app[OPERATORS].listen_in(mode, username, phone)
    return web.json_response({"operator": username, "mode": mode, "phone": phone}, status=202)


async def get_roster(request: web.Request) -> web.Response:
    """GET /api/v1/roster: shifts, operators (no passwords), assignments, warnings, on shift."""
    roster = request.app[OPERATORS].store.load()
    body = to_json(roster)
    for operator in body["operators"]:
        operator.pop("password", None)
    body["warnings"] = [{"kind": w.kind, "message": w.message} for w in validate(roster)]
    body["on_shift"] = {u: str(s) for u, s in on_shift(roster, day_now()).items()}
    return web.json_response(body)


async def get_roster_csv(request: web.Request) -> web.Response:
    """GET /api/v1/roster.csv: every assignment as operator,date,shift,skills."""
    text = export_csv(request.app[OPERATORS].store.load())
    return web.Response(text=text, content_type=CSV_TYPE)


async def put_roster_csv(request: web.Request) -> web.Response:
    """PUT /api/v1/roster.csv: replace the dates in the CSV; 422 names each bad line."""
    store = request.app[OPERATORS].store
    try:
        text = (await request.read()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad_input("bad-encoding", "the CSV is not UTF-8") from None
    try:
        roster = import_csv(store.load(), text)
    except CsvError as exc:
        raise Refused("bad-roster-csv", "roster unchanged",
                      problems=[{"line": line, "reason": reason}
                                for line, reason in exc.problems]) from None
    except RosterError as exc:
        raise Refused("roster-error", str(exc)) from None
    store.save(roster)
    await remember(request, "roster", "CSV import", f"imported {len(roster.assignments)} "
                   "assignments")
    return web.json_response({"assignments": len(roster.assignments),
                              "warnings": [w.message for w in validate(roster)]})


def add_operator_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/operators", list_operators)
    app.router.add_post("/api/v1/operators/{username}/pause", pause)
    app.router.add_post("/api/v1/operators/{username}/unpause", unpause)
    app.router.add_post("/api/v1/operators/{username}/spy", listen_in)
    app.router.add_get("/api/v1/roster", get_roster)
    app.router.add_get("/api/v1/roster.csv", get_roster_csv)
    app.router.add_put("/api/v1/roster.csv", put_roster_csv)
