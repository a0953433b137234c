"""Who is asking: signed session cookies, HTTP Basic, API tokens; CSRF; the access middleware.

A session cookie is ``base64(json).hmac`` signed with a secret made on first run
(``<data_dir>/secrets/web_session_secret``), so every web process accepts every other's
cookies. The user's role is read from the database on each request: a demoted or removed
account loses its access at once.

CSRF: writes made with a session cookie need the session's token (form field ``csrf_token``
or header ``X-CSRF-Token``). Bearer tokens are never sent by a browser on its own. Browsers
do cache Basic credentials, so a Basic write must not have a body type a cross-site HTML form
can send (form-encoded, multipart, text/plain): scripts send JSON, which needs a CORS
preflight we never grant.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .access import is_api, needed_role
from .users import User, UserStore

SESSION_COOKIE = "hotline_session"
LOGIN_COOKIE = "hotline_login"
SESSION_MAX_AGE_S = 12 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CROSS_SITE_FORM_TYPES = (*FORM_TYPES, "text/plain")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Identity:
    user: User
    via: str  # session, basic, token
    nonce: str = ""  # the session's, for its CSRF token


class Signer:
    """Signs and checks session cookies and CSRF tokens with one secret."""

    def __init__(self, secret: str) -> None:
        self.key = secret.encode()

    def _mac(self, text: str) -> str:
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()

    def session_cookie(self, username: str, now: float) -> str:
        body = json.dumps({"u": username, "n": secrets.token_hex(8), "t": int(now)})
        encoded = base64.urlsafe_b64encode(body.encode()).decode()
        return f"{encoded}.{self._mac(encoded)}"

    def read_session(self, cookie: str, now: float) -> tuple[str, str] | None:
        """(username, nonce) of a valid, unexpired cookie; None otherwise."""
        encoded, _, mac = cookie.partition(".")
        if not hmac.compare_digest(mac, self._mac(encoded)):
            return None
        try:
            body = json.loads(base64.urlsafe_b64decode(encoded.encode()))
            username, nonce, issued = str(body["u"]), str(body["n"]), float(body["t"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        return (username, nonce) if 0 <= now - issued <= SESSION_MAX_AGE_S else None

    def csrf_token(self, nonce: str) -> str:
        return self._mac("csrf|" + nonce)[:40]

    def csrf_ok(self, nonce: str, token: str) -> bool:
        return bool(nonce) and hmac.compare_digest(self.csrf_token(nonce), token)


def basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, sep, password = base64.b64decode(value.strip()).decode().partition(":")
    except (ValueError, binascii.Error):
        return None
    return (username, password) if sep else None


def bearer_token(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


class BadCredentials(Exception):
    """Credentials were given and are wrong: 401 even where the route is open."""


async def identify(request: web.Request, users: UserStore, signer: Signer) -> Identity | None:
    header = request.headers.get("Authorization", "")
    if header:
        basic = basic_credentials(header)
        if basic is not None:
            user = await asyncio.to_thread(users.authenticate, *basic)
            if user is None:
                raise BadCredentials
            return Identity(user, "basic")
        token = bearer_token(header)
        if token is not None:
            user = await asyncio.to_thread(users.token_user, token)
            if user is None:
                raise BadCredentials
            return Identity(user, "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    session = signer.read_session(cookie, time.time()) if cookie else None
    if session is None:
        return None
    user = await asyncio.to_thread(users.user, session[0])
    return Identity(user, "session", session[1]) if user else None


async def _csrf_ok(request: web.Request, identity: Identity, signer: Signer) -> bool:
    if request.method in SAFE_METHODS or identity.via == "token":
        return True
    if identity.via == "basic":
        return request.content_type not in CROSS_SITE_FORM_TYPES
    token = request.headers.get("X-CSRF-Token", "")
    if not token and request.content_type in FORM_TYPES:
        token = str((await request.post()).get("csrf_token", ""))
    return signer.csrf_ok(identity.nonce, token)


def refuse(request: web.Request, status: int, error_id: str, message: str) -> web.Response:
    headers = {"WWW-Authenticate": 'Basic realm="hotline"'} if status == 401 else {}
    if is_api(request.path) or status != 401:
        return web.json_response({"error": error_id, "message": message}, status=status,
                                 headers=headers)
    raise web.HTTPSeeOther(f"/login?next={request.path_qs}")


def access_middleware(users_of: Callable[[web.Request], UserStore],
                      signer_of: Callable[[web.Request], Signer]) -> Any:
    """Every request passes here: who is it, may they, and (for writes) is the form ours."""

    @web.middleware
    async def access(request: web.Request, handler: Handler) -> web.StreamResponse:
        needed = needed_role(request.method, request.path)
        signer = signer_of(request)
        try:
            identity = await identify(request, users_of(request), signer)
        except BadCredentials:  # a script's credentials: an answer, never the login page
            return web.json_response({"error": "bad-credentials", "message": "wrong user, "
                                      "password or token"}, status=401,
                                     headers={"WWW-Authenticate": 'Basic realm="hotline"'})
        if identity is not None:
            request[IDENTITY] = identity
        if needed is None:
            return await handler(request)
        if identity is None:
            return refuse(request, 401, "login-required", "log in or send credentials")
        if not identity.user.role.allows(needed):
            return refuse(request, 403, "forbidden", f"this needs the {needed} role")
        if not await _csrf_ok(request, identity, signer):
            return refuse(request, 403, "csrf", "missing or wrong CSRF token; reload the page")
        return await handler(request)

    return access


IDENTITY = web.RequestKey("identity", Identity)


def current(request: web.Request) -> Identity:
    """The identity the middleware found (routes with a role always have one)."""
    identity = request.get(IDENTITY)
    if identity is None:
        raise web.HTTPUnauthorized()
    return identity


def csrf_for(request: web.Request, signer: Signer) -> str:
    identity = request.get(IDENTITY)
    return signer.csrf_token(identity.nonce) if identity and identity.nonce else ""
