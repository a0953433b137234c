"""Admin JSON API: IVR flows (check, install, roll back, with the menu tree) and accounts.

Flows go through ``FlowStore``: an edit is checked beside the other flows before it is
saved, the previous version is kept, and a rollback restores it. Every flow problem comes
back as ``{"issues": [{"line", "where", "message"}]}`` with status 422.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from ..flows.loader import FlowError
from ..flows.tree import menu_tree
from .keys import FLOWS, USERS
from .users import AccountError


def _issues(exc: FlowError) -> web.Response:
    return web.json_response({"error": "flow-invalid", "message": "the flow was not saved",
                              "issues": [{"line": i.line, "where": i.where,
                                          "message": i.message, "source": i.source}
                                         for i in exc.issues]}, status=422)


async def _text(request: web.Request) -> str:
    body = await request.json() if request.can_read_body else {}
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise web.HTTPBadRequest(text='send {"text": "<the flow YAML>"}')
    return text


def _flow_body(request: web.Request, number: str) -> dict[str, Any]:
    store = request.app[FLOWS]
    files = store.files()
    if number not in files:
        raise web.HTTPNotFound(text=f"no flow {number}")
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
    return web.json_response(await asyncio.to_thread(_flow_body, request,
                                                     request.match_info["number"]))


def _checked(request: web.Request, text: str, install: bool) -> dict[str, Any]:
    store, number = request.app[FLOWS], request.match_info["number"]
    source = f"{number}.yaml (web edit)"
    flow = store.install(text, source) if install else store.validate_text(text, source)
    if flow.number != number:
        raise FlowError([])
    return {"number": number, "tree": menu_tree(flow), "installed": install}


async def _check_or_install(request: web.Request, install: bool) -> web.Response:
    text = await _text(request)
    number = request.match_info["number"]
    try:
        preview = await asyncio.to_thread(_checked, request, text, False)
        if install:
            preview = await asyncio.to_thread(_checked, request, text, True)
    except FlowError as exc:
        if not exc.issues:
            return web.json_response({"error": "flow-number", "message":
                                      f"the text is not flow {number}", "issues": [
                                          {"line": None, "where": "number",
                                           "message": f"this page edits flow {number}",
                                           "source": number}]}, status=422)
        return _issues(exc)
    return web.json_response(preview)


async def check_flow(request: web.Request) -> web.Response:
    """POST /api/v1/flows/{number}/check {"text"}: 200 with the menu tree, or 422 issues."""
    return await _check_or_install(request, install=False)


async def put_flow(request: web.Request) -> web.Response:
    """PUT /api/v1/flows/{number} {"text"}: checked, then used by the next call."""
    return await _check_or_install(request, install=True)


async def rollback_flow(request: web.Request) -> web.Response:
    """POST /api/v1/flows/{number}/rollback: back to the version before the one in use."""
    number = request.match_info["number"]
    try:
        message = await asyncio.to_thread(request.app[FLOWS].rollback, number)
    except FlowError as exc:
        return web.json_response({"error": "no-rollback", "message": str(exc)}, status=409)
    body = await asyncio.to_thread(_flow_body, request, number)
    return web.json_response({"message": message, **body})


async def list_users(request: web.Request) -> web.Response:
    """GET /api/v1/users"""
    users = await asyncio.to_thread(request.app[USERS].users)
    return web.json_response({"users": [{"username": u.username, "role": str(u.role)}
                                        for u in users]})


async def add_user(request: web.Request) -> web.Response:
    """POST /api/v1/users {"username", "role", "password"}"""
    body = await request.json() if request.can_read_body else {}
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="send a JSON object")
    try:
        user = await asyncio.to_thread(request.app[USERS].add, str(body.get("username", "")),
                                       str(body.get("role", "")), str(body.get("password", "")))
    except AccountError as exc:
        return web.json_response({"error": exc.error_id, "message": str(exc)}, status=422)
    return web.json_response({"username": user.username, "role": str(user.role)}, status=201)


async def list_tokens(request: web.Request) -> web.Response:
    """GET /api/v1/tokens: every token issued (never the token itself)."""
    tokens = await asyncio.to_thread(request.app[USERS].tokens)
    return web.json_response({"tokens": [
        {"id": t.id, "username": t.username, "label": t.label,
         "created_at": t.created_at.isoformat(), "revoked": t.revoked} for t in tokens]})


async def issue_token(request: web.Request) -> web.Response:
    """POST /api/v1/tokens {"username", "label"}: the token is in this reply only."""
    body = await request.json() if request.can_read_body else {}
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="send a JSON object")
    try:
        token_id, token = await asyncio.to_thread(
            request.app[USERS].issue_token, str(body.get("username", "")),
            str(body.get("label", "")))
    except AccountError as exc:
        return web.json_response({"error": exc.error_id, "message": str(exc)}, status=422)
    return web.json_response({"id": token_id, "token": token}, status=201)


async def revoke_token(request: web.Request) -> web.Response:
    """DELETE /api/v1/tokens/{id}"""
    try:
        token_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    if not await asyncio.to_thread(request.app[USERS].revoke_token, token_id):
        raise web.HTTPNotFound()
    return web.json_response({"id": token_id, "revoked": True})


def add_admin_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/flows", list_flows)
    app.router.add_get("/api/v1/flows/{number}", get_flow)
    app.router.add_put("/api/v1/flows/{number}", put_flow)
    app.router.add_post("/api/v1/flows/{number}/check", check_flow)
    app.router.add_post("/api/v1/flows/{number}/rollback", rollback_flow)
    app.router.add_get("/api/v1/users", list_users)
    app.router.add_post("/api/v1/users", add_user)
    app.router.add_get("/api/v1/tokens", list_tokens)
    app.router.add_post("/api/v1/tokens", issue_token)
    app.router.add_delete("/api/v1/tokens/{id}", revoke_token)
