"""Admin JSON API for IVR flows: check, install, roll back, with the menu tree.

Flows go through ``FlowStore``: an edit is checked beside the other flows before it is
saved, the previous version is kept, and a rollback restores it. Every flow problem comes
back as the error body's ``details.issues`` (``[{"line", "where", "message", "source"}]``)
with status 422 (the flow package's errors become ``errors.Refused`` here). The ``{number}`` of
every route is checked here (1 to 15 digits, else 400) before the store sees it: it becomes
a file name. Accounts and tokens are in ``account_api.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from ..flows.loader import FlowError
from ..flows.store import FlowNumberError
from ..flows.tree import menu_tree
from .errors import Refused
from .inputs import bad_input, flow_number, json_object
from .keys import FLOWS


def _issues(exc: FlowError) -> Refused:
    return Refused("flow-invalid", "the flow was not saved",
                   issues=[{"line": i.line, "where": i.where, "message": i.message,
                            "source": i.source} for i in exc.issues])


async def _text(request: web.Request) -> str:
    text = (await json_object(request)).get("text")
    if not isinstance(text, str) or not text.strip():
        return ""
    return text


def _flow_body(request: web.Request, number: str) -> dict[str, Any]:
    store = request.app[FLOWS]
    files = store.files()
    if number not in files:
        raise Refused("no-such-flow", f"no flow {number}", number=number)
    path = files[number]
    return {"number": number, "text": path.read_text(encoding="utf-8"),
            "installed": path.parent == store.override_dir,
            "tree": menu_tree(store.current().flows[number]) if number in store.current().flows
            else "", "versions": [p.name for p in store.versions(number)]}


async def list_flows(request: web.Request) -> web.Response:
    """GET /api/v1/flows: the flow numbers in use and where each comes from."""
    store = request.app[FLOWS]
    files = await asyncio.to_thread(store.files)
    return web.json_response({"flows": [
        {"number": n, "installed": p.parent == store.override_dir,
         "versions": len(store.versions(n))} for n, p in sorted(files.items())]})


async def get_flow(request: web.Request) -> web.Response:
    """GET /api/v1/flows/{number}: the YAML in use, its menu tree and installed versions."""
    return web.json_response(await asyncio.to_thread(_flow_body, request, flow_number(request)))


def _checked(request: web.Request, number: str, text: str, install: bool) -> dict[str, Any]:
    store = request.app[FLOWS]
    source = f"{number}.yaml (web edit)"
    flow = store.install(text, source) if install else store.validate_text(text, source)
    if flow.number != number:
        raise FlowError([])
    return {"number": number, "tree": menu_tree(flow), "installed": install}


def _not_this_flow(number: str) -> Refused:
    return Refused("flow-number", f"the text is not flow {number}",
                   issues=[{"line": None, "where": "number",
                            "message": f"this page edits flow {number}", "source": number}])


async def _check_or_install(request: web.Request, install: bool) -> web.Response:
    number = flow_number(request)
    text = await _text(request)
    if not text:
        raise bad_input("bad-flow", 'send {"text": "<the flow YAML>"}')
    try:
        preview = await asyncio.to_thread(_checked, request, number, text, False)
        if install:
            preview = await asyncio.to_thread(_checked, request, number, text, True)
    except FlowNumberError as exc:  # the text's own number: not a flow number
        raise bad_input("bad-flow-number", str(exc)) from None
    except FlowError as exc:
        raise (_issues(exc) if exc.issues else _not_this_flow(number)) from None
    return web.json_response(preview)


async def check_flow(request: web.Request) -> web.Response:
    """POST /api/v1/flows/{number}/check {"text"}: 200 with the menu tree, or 422 issues."""
    return await _check_or_install(request, install=False)


async def put_flow(request: web.Request) -> web.Response:
    """PUT /api/v1/flows/{number} {"text"}: checked, then used by the next call."""
    return await _check_or_install(request, install=True)


async def rollback_flow(request: web.Request) -> web.Response:
    """POST /api/v1/flows/{number}/rollback: back to the version before the one in use."""
    number = flow_number(request)
    try:
        message = await asyncio.to_thread(request.app[FLOWS].rollback, number)
    except FlowNumberError as exc:
        raise bad_input("bad-flow-number", str(exc)) from None
    except FlowError as exc:
        raise Refused("no-rollback", str(exc)) from None
    body = await asyncio.to_thread(_flow_body, request, number)
    return web.json_response({"message": message, **body})


def add_admin_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/flows", list_flows)
    app.router.add_get("/api/v1/flows/{number}", get_flow)
    app.router.add_put("/api/v1/flows/{number}", put_flow)
    app.router.add_post("/api/v1/flows/{number}/check", check_flow)
    app.router.add_post("/api/v1/flows/{number}/rollback", rollback_flow)
