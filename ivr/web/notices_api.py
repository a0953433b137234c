"""The wording of the citizens' notices (``ivr.notify.citizen``), per event and language.

Admins read every wording (``GET /api/v1/notices/templates``: the built-in ones and theirs),
save one (``PUT /api/v1/notices/templates/{event}/{language}`` with ``{"subject", "body"}``,
checked: a 400 ``bad-template`` names the field), and go back to the built-in one
(``DELETE``). The next notice uses the saved wording at once.
"""

from __future__ import annotations

from aiohttp import web

from ..clock import day_now
from ..notify import notices
from ..notify.citizen import PLACEHOLDERS, checked_wording
from .auth import current
from .errors import Refused
from .inputs import json_object
from .keys import TICKETS


async def list_templates(request: web.Request) -> web.Response:
    desk = request.app[TICKETS]
    listed = await desk.on_database(notices.templates, desk.service.sessions)
    return web.json_response({"templates": listed, "placeholders": sorted(PLACEHOLDERS)})


async def save_template(request: web.Request) -> web.Response:
    body = await json_object(request)
    event, language, text = checked_wording(
        request.match_info["event"], request.match_info["language"],
        body.get("subject", ""), body.get("body"))
    desk = request.app[TICKETS]
    await desk.on_database(notices.save_template, desk.service.sessions, event, language,
                           text, "web:" + current(request).user.username,
                           day_now())
    return web.json_response({"event": event, "language": language, "subject": text.subject,
                              "body": text.body, "built_in": False})


async def reset_template(request: web.Request) -> web.Response:
    desk = request.app[TICKETS]
    event, language = request.match_info["event"], request.match_info["language"]
    if not await desk.on_database(notices.reset_template, desk.service.sessions, event,
                                  language):
        raise Refused("no-such-template", f"no saved wording of {event} in {language}",
                      event=event, language=language)
    return web.json_response({"event": event, "language": language, "built_in": True})


def add_notice_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/notices/templates", list_templates)
    path = "/api/v1/notices/templates/{event}/{language}"
    app.router.add_put(path, save_template)
    app.router.add_delete(path, reset_template)
