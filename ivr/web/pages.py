"""The HTML pages: login, then the wallboard, operator console and flow editor by role.

Pages are plain HTML files in ``templates/`` with ``$name`` placeholders (string.Template,
values HTML-escaped); their scripts and style are in ``static/``. No build step.
"""

from __future__ import annotations

import asyncio
import html
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from string import Template

from aiohttp import web

from .auth import LOGIN_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE_S, csrf_for, current
from .keys import SETTINGS, SIGNER, USERS
from .users import Role

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
HOME = {Role.ADMIN: "/admin/flows", Role.SUPERVISOR: "/wallboard", Role.OPERATOR: "/console"}


def render(name: str, **values: str) -> web.Response:
    text = Template((TEMPLATES / name).read_text(encoding="utf-8"))
    body = text.safe_substitute({k: html.escape(v) for k, v in values.items()})
    return web.Response(text=body, content_type="text/html",
                        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})


def _safe_next(target: str) -> str:
    """Only paths on this site (no //host, no scheme): no open redirect after login."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


async def login_page(request: web.Request, error: str = "") -> web.Response:
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_hex(8)
    response = render("login.html", csrf=request.app[SIGNER].csrf_token("login|" + nonce),
                      next=_safe_next(request.query.get("next", "/")), error=error)
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="Strict", max_age=3600)
    if error:
        response.set_status(401)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """POST /login (form: username, password, csrf_token, next)."""
    form = await request.post()
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not request.app[SIGNER].csrf_ok("login|" + nonce if nonce else "",
                                       str(form.get("csrf_token", ""))):
        return await login_page(request, "The form expired; please try again.")
    user = await asyncio.to_thread(request.app[USERS].authenticate,
                                   str(form.get("username", "")), str(form.get("password", "")))
    if user is None:
        return await login_page(request, "Wrong user name or password.")
    target = _safe_next(str(form.get("next", "/")))
    response = web.HTTPSeeOther(HOME[user.role] if target == "/" else target)
    response.set_cookie(SESSION_COOKIE, request.app[SIGNER].session_cookie(user.username,
                                                                           time.time()),
                        httponly=True, samesite="Lax", max_age=SESSION_MAX_AGE_S,
                        secure=request.app[SETTINGS].web_secure_cookies)
    response.del_cookie(LOGIN_COOKIE)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE)
    raise response


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(HOME[current(request).user.role])


def _page(template: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def page(request: web.Request) -> web.Response:
        identity = current(request)
        return render(template, csrf=csrf_for(request, request.app[SIGNER]),
                      user=identity.user.username, role=str(identity.user.role),
                      levels=",".join(str(s) for s in sorted(
                          {15, 20, request.app[SETTINGS].service_level_seconds})))
    return page


def add_page_routes(app: web.Application) -> None:
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", home)
    app.router.add_get("/wallboard", _page("wallboard.html"))
    app.router.add_get("/console", _page("console.html"))
    app.router.add_get("/admin/flows", _page("flows.html"))
    app.router.add_static("/static", STATIC)
