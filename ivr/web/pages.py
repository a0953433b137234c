"""The HTML pages: login, then the wallboard, operator console, flow editor and registered
callers by role; an admin's home is an overview of the pages (``navigation.PAGES``).

Every HTML page shown to a logged-in user gets the one navigation bar (``with_navigation``,
a middleware, so pages built elsewhere get it too); a page the role may not open is a 403
page saying so (``forbidden_page``).

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
from urllib.parse import urlsplit

from aiohttp import web

from ..accounts import Role, User
from ..passwords import Busy
from .auth import IDENTITY, Handler, address, csrf_for, current
from .credentials import BadCredentials, Throttled
from .inputs import Form, form_of
from .keys import CREDENTIALS, SETTINGS, SIGNER, USERS
from .navigation import links_for, nav_html
from .refusal_page import with_bar
from .sessions import LOGIN_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE_S

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
HOME = {Role.ADMIN: "/", Role.SUPERVISOR: "/wallboard", Role.OPERATOR: "/console",
        Role.AGENCY: "/agency"}


def render(name: str, status: int = 200, **values: str) -> web.Response:
    text = Template((TEMPLATES / name).read_text(encoding="utf-8"))
    body = text.safe_substitute({k: html.escape(v) for k, v in values.items()})
    return web.Response(text=body, content_type="text/html", status=status,
                        headers={"Cache-Control": "no-store"})


def safe_next(target: str) -> str:
    """Where to go after login: a path on this site, else ``/`` (no open redirect).

    Browsers drop tabs and newlines from URLs and read a backslash as ``/``, so ``/%09/evil``
    (a tab once decoded) and ``/%5Cevil`` would leave the site: any control character or
    backslash is refused, and what is left must have no scheme, no host and a path that
    starts with exactly one ``/``.
    """
    if not target.isprintable() or "\\" in target:
        return "/"
    parts = urlsplit(target)
    one_slash = parts.path.startswith("/") and not parts.path.startswith("//")
    return target if one_slash and not parts.scheme and not parts.netloc else "/"


def set_session(response: web.StreamResponse, request: web.Request, user: User) -> None:
    """The session cookie for ``user`` under their current session epoch."""
    response.set_cookie(SESSION_COOKIE, request.app[SIGNER].session_cookie(
        user.username, user.epoch, time.time()), httponly=True, samesite="Lax",
        max_age=SESSION_MAX_AGE_S, secure=request.app[SETTINGS].web_secure_cookies)


async def login_page(request: web.Request, error: str = "", status: int = 200,
                     retry_after: str = "", target: str | None = None) -> web.Response:
    """GET /login[?next=PATH]; shown again (with ``error``) when a login fails."""
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_hex(8)
    target = request.query.get("next", "/") if target is None else target
    response = render("login.html", status=status,
                      csrf=request.app[SIGNER].csrf_token("login|" + nonce),
                      next=safe_next(target), error=error)
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="Strict", max_age=3600)
    if retry_after:
        response.headers["Retry-After"] = retry_after
    return response


async def _checked_user(request: web.Request, form: Form) -> User | web.Response:
    """The user the form names, or the login page again saying why not."""
    target = str(form.get("next", "/"))
    try:
        return await request.app[CREDENTIALS].by_password(
            address(request), str(form.get("username", "")), str(form.get("password", "")))
    except BadCredentials:
        return await login_page(request, "Wrong user name or password.", 401, target=target)
    except Throttled as exc:
        wait = str(exc.retry_after_s)
        return await login_page(request, f"Too many failed logins; try again in {wait} s.",
                                429, wait, target)
    except Busy:
        return await login_page(request, "Too many logins at once; try again.", 503, "1",
                                target)


async def login(request: web.Request) -> web.StreamResponse:
    """POST /login (form: username, password, csrf_token, next)."""
    form = await form_of(request)
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not request.app[SIGNER].csrf_ok("login|" + nonce if nonce else "",
                                       str(form.get("csrf_token", ""))):
        return await login_page(request, "The form expired; please try again.", 401)
    user = await _checked_user(request, form)
    if isinstance(user, web.Response):
        return user
    target = safe_next(str(form.get("next", "/")))
    response = web.HTTPSeeOther(HOME[user.role] if target == "/" else target)
    set_session(response, request, user)
    response.del_cookie(LOGIN_COOKIE)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /logout: this user's session epoch moves on, ending their cookies everywhere."""
    await asyncio.to_thread(request.app[USERS].end_sessions, current(request).user.username)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE)
    raise response


async def home(request: web.Request) -> web.StreamResponse:
    """``/``: each role's own page; an admin's is the overview of every page."""
    role = current(request).user.role
    if HOME[role] != "/":
        raise web.HTTPSeeOther(HOME[role])
    cards = "".join(f'<li><a href="{html.escape(link.path)}">{html.escape(link.label)}</a>'
                    f"<span>{html.escape(link.about)}</span></li>" for link in links_for(role))
    response = render("home.html", csrf=csrf_for(request, request.app[SIGNER]),
                      user=current(request).user.username, role=str(role))
    response.text = str(response.text).replace("<!--cards-->", cards)
    return response


@web.middleware
async def with_navigation(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every HTML page a logged-in user gets carries the navigation bar of their role."""
    response = await handler(request)
    identity = request.get(IDENTITY)
    if (identity is None or not isinstance(response, web.Response)
            or response.content_type != "text/html" or response.text is None
            or 'class="site"' in response.text):
        return response
    response.text = with_bar(response.text, nav_html(identity.user.role, request.path))
    return response


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
    app.router.add_get("/incidents", _page("incidents.html"))
    app.router.add_get("/agency", _page("agency.html"))
    app.router.add_get("/admin/flows", _page("flows.html"))
    app.router.add_get("/admin/callers", _page("callers.html"))
    app.router.add_get("/admin/catalog", _page("catalog.html"))
    app.router.add_get("/admin/codes", _page("codes.html"))
    app.router.add_get("/wallscreen", _page("wallscreen.html"))
    app.router.add_get("/admin/users", _page("users.html"))
    app.router.add_get("/admin/operators", _page("operators.html"))
    app.router.add_get("/admin/roster", _page("roster.html"))
    app.router.add_static("/static", STATIC)
