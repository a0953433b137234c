"""Who is asking (session cookie, HTTP Basic, API token) and the access middleware.

Session cookies are signed and carry the user's session epoch (``sessions.py``); passwords
are throttled and checked off the event loop (``credentials.py``). The user's role and
whether the account is enabled are read from the database on each request: a demoted or
disabled account loses its access at once.

Writes: every write to a route with a role must not be cross-site and must carry a JSON body
(or the route's own type) whatever the credentials (``csrf.py``); with a session cookie it
also needs the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``).
Refusals are raised (``errors.Refused``); ``errors.error_middleware``, outside this one,
answers them; a person opening a page their role may not gets the HTML 403 page
(``refusal_page.py``) instead.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlencode

from aiohttp import web

from ..accounts import User
from ..passwords import Busy
from .access import is_api, may, needed_role
from .credentials import BadCredentials, Credentials, Throttled
from .csrf import FORM_TYPES, SAFE_METHODS, Write, write_refusal
from .errors import Refused, status_of
from .inputs import form_of
from .refusal_page import forbidden_page
from .sessions import SESSION_COOKIE, Signer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Identity:
    user: User
    via: str  # session, basic, token
    nonce: str = ""  # the session's, for its CSRF token


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


def address(request: web.Request) -> str:
    """The TCP peer (behind a proxy: the proxy, so its clients share one address's limit)."""
    return request.remote or ""


async def identify(request: web.Request, credentials: Credentials, signer: Signer
                   ) -> Identity | None:
    header = request.headers.get("Authorization", "")
    if header:
        basic = basic_credentials(header)
        if basic is not None:
            user = await credentials.by_password(address(request), *basic, remember=True)
            return Identity(user, "basic")
        token = bearer_token(header)
        if token is not None:
            return Identity(await credentials.by_token(address(request), token), "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    session = signer.read_session(cookie, time.time()) if cookie else None
    if session is None:
        return None
    found = await credentials.by_session(session)
    return Identity(found, "session", session.nonce) if found else None


def write_of(request: web.Request) -> Write:
    """The headers ``csrf.write_refusal`` decides on."""
    return Write(request.method, request.path, request.headers.get("Host", ""),
                 request.headers.get("Origin"), request.headers.get("Sec-Fetch-Site"),
                 request.content_type if "Content-Type" in request.headers else None,
                 request.body_exists, request.headers.get("X-Forwarded-Host", ""))


async def _csrf_token_ok(request: web.Request, identity: Identity, signer: Signer) -> bool:
    if request.method in SAFE_METHODS or identity.via != "session":
        return True
    token = request.headers.get("X-CSRF-Token", "")
    if not token and request.content_type in FORM_TYPES:
        token = str((await form_of(request)).get("csrf_token", ""))
    return signer.csrf_ok(identity.nonce, token)


def refuse(request: web.Request, error_id: str, message: str) -> NoReturn:
    """Refuse the request; a person (not an /api/ client) who must log in goes to the login."""
    if status_of(error_id) == 401 and not is_api(request.path):
        raise web.HTTPSeeOther("/login?" + urlencode({"next": request.path_qs}, safe="/"))
    raise Refused(error_id, message)


def credential_refusal(exc: Exception) -> Refused:
    """A script's credentials failed: an answer, never the login page."""
    if isinstance(exc, Throttled):
        return Refused("too-many-failures", "too many failed logins; try again later",
                       retry_after_s=exc.retry_after_s)
    if isinstance(exc, Busy):
        return Refused("busy", "too many logins at once; try again", retry_after_s=1)
    return Refused("bad-credentials", "wrong user, password or token")


def access_middleware(credentials_of: Callable[[web.Request], Credentials],
                      signer_of: Callable[[web.Request], Signer]) -> Any:
    """Every request passes here: who is it, may they, and (for writes) is it theirs."""

    @web.middleware
    async def access(request: web.Request, handler: Handler) -> web.StreamResponse:
        needed = needed_role(request.method, request.path)
        signer = signer_of(request)
        try:
            identity = await identify(request, credentials_of(request), signer)
        except (BadCredentials, Throttled, Busy) as exc:
            raise credential_refusal(exc) from None
        if identity is not None:
            request[IDENTITY] = identity
        if needed is None:
            return await handler(request)
        if identity is None:
            refuse(request, "login-required", "log in or send credentials")
        if not may(identity.user.role, request.method, request.path):
            if not is_api(request.path) and request.method in SAFE_METHODS:
                raise forbidden_page(identity.user.role, request.path,
                                     f"this needs the {needed} role")
            refuse(request, "forbidden", f"this needs the {needed} role")
        refusal = write_refusal(write_of(request), identity.via)
        if refusal is not None:
            refuse(request, refusal.error_id, refusal.message)
        if not await _csrf_token_ok(request, identity, signer):
            refuse(request, "csrf", "missing or wrong CSRF token; reload the page")
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
