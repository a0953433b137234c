"""The admin pages' history on the web: ``remember`` after each save, and
``GET /api/v1/admin/history?kind=user|operator|roster`` (newest first) for the pages."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..accounts.history import KINDS, AdminHistory
from .auth import current
from .inputs import bad_input
from .keys import USERS


def _history(request: web.Request) -> AdminHistory:
    return request.app[USERS].history()


async def remember(request: web.Request, kind: str, subject: str, summary: str) -> None:
    """Keep one save of an admin page: the user who made it, now (never a password)."""
    await asyncio.to_thread(_history(request).record, current(request).user.username, kind,
                            subject, summary)


async def list_history(request: web.Request) -> web.Response:
    """GET /api/v1/admin/history?kind=user|operator|roster"""
    kind = request.query.get("kind", "")
    if kind not in KINDS:
        raise bad_input("bad-query", f"kind is one of {', '.join(KINDS)}")
    edits = await asyncio.to_thread(_history(request).recent, kind)
    return web.json_response({"changes": [
        {"at": e.at.isoformat() + "Z", "actor": e.actor, "kind": e.kind, "subject": e.subject,
         "summary": e.summary} for e in edits]})


def add_history_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/admin/history", list_history)
