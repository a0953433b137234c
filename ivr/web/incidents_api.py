"""112 incidents for supervisors, the operator's outcome, and the prank lane's history.

- ``GET /api/v1/incidents?start=&end=&caller=`` (supervisor): the incidents that arrived in
  ``[start, end)`` (ISO times; default: the last 24 h), newest first, with the count of each
  outcome (``none``: not given yet).
- ``GET /api/v1/incidents/{unique_id}`` (supervisor): one incident.
- ``POST /api/v1/incidents/{unique_id}/outcome`` ``{"outcome": "fire"}`` (operator).
- ``GET /api/v1/pranks/{number}`` (operator): prank calls in the window, and the lane.
- ``DELETE /api/v1/pranks/{number}`` (supervisor): clear the history; earlier pranks stop
  counting.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from ..clock import day_now
from ..emergency.outcomes import OUTCOMES, NoSuchIncident
from ..tickets.records import IncidentView
from .auth import current
from .inputs import bad_input, json_object
from .keys import SETTINGS, TICKETS

NUMBER = re.compile(r"\+?[0-9]{1,20}")
UNIQUE_ID = re.compile(r"[0-9A-Za-z.\-]{1,100}")


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _json_list(text: str) -> list[Any]:
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def incident_json(view: IncidentView) -> dict[str, Any]:
    r = view.report
    return {
        "unique_id": r.unique_id, "caller_number": r.caller_number, "service": r.service,
        "queue": r.queue, "arrived_at": _moment(r.started_at),
        "answered_at": _moment(r.answered_at), "answered_by": r.answered_by,
        "waited_s": r.waited_seconds, "state": r.call_state, "silent": r.silent,
        "keys": r.keys, "joins": _json_list(r.joins), "callbacks": _json_list(r.callbacks),
        "callback_of": r.callback_of, "location": r.location, "lane": r.lane,
        "ended_at": _moment(r.ended_at), "outcome": view.outcome,
        "outcome_by": view.outcome_by, "outcome_at": _moment(view.outcome_at),
    }


def _when(request: web.Request, name: str, default: datetime) -> datetime:
    text = request.query.get(name, "")
    if not text:
        return default
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise bad_input("bad-query", f"{name} is an ISO date or time, not {text[:40]!r}"
                        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _checked(pattern: re.Pattern[str], value: str, what: str) -> str:
    if pattern.fullmatch(value) is None:
        raise bad_input("bad-number", f"not a {what}: {value[:40]!r}")
    return value


async def list_incidents(request: web.Request) -> web.Response:
    now = day_now()
    start = _when(request, "start", now - timedelta(days=1))
    end = _when(request, "end", now + timedelta(minutes=1))
    caller = request.query.get("caller", "")
    if caller:
        _checked(NUMBER, caller, "phone number")
    desk = request.app[TICKETS]
    found = await desk.incidents(start, end, caller)
    return web.json_response({"start": start.isoformat(), "end": end.isoformat(),
                              "incidents": [incident_json(v) for v in found],
                              "outcomes": await desk.outcome_counts(start, end),
                              "outcome_names": OUTCOMES})


async def get_incident(request: web.Request) -> web.Response:
    unique_id = _checked(UNIQUE_ID, request.match_info["unique_id"], "call id")
    view = await request.app[TICKETS].incident(unique_id)
    if view is None:
        raise NoSuchIncident("no such 112 incident", unique_id=unique_id)
    return web.json_response(incident_json(view))


async def set_outcome(request: web.Request) -> web.Response:
    unique_id = _checked(UNIQUE_ID, request.match_info["unique_id"], "call id")
    body = await json_object(request)
    actor = "web:" + current(request).user.username
    view = await request.app[TICKETS].set_incident_outcome(
        unique_id, str(body.get("outcome", "")), actor)
    return web.json_response(incident_json(view))


async def pranks(request: web.Request) -> web.Response:
    number = _checked(NUMBER, request.match_info["number"], "phone number")
    settings = request.app[SETTINGS]
    count = await request.app[TICKETS].prank_calls(number, settings.emergency_prank_days)
    return web.json_response({
        "number": number, "prank_calls": count, "days": settings.emergency_prank_days,
        "threshold": settings.emergency_prank_calls,
        "lane": "prank" if count >= settings.emergency_prank_calls else "normal"})


async def clear_pranks(request: web.Request) -> web.Response:
    number = _checked(NUMBER, request.match_info["number"], "phone number")
    await request.app[TICKETS].clear_pranks(number, "web:" + current(request).user.username)
    return await pranks(request)


def add_incident_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/incidents", list_incidents)
    app.router.add_get("/api/v1/incidents/{unique_id}", get_incident)
    app.router.add_post("/api/v1/incidents/{unique_id}/outcome", set_outcome)
    app.router.add_get("/api/v1/pranks/{number}", pranks)
    app.router.add_delete("/api/v1/pranks/{number}", clear_pranks)
