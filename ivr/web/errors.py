"""Every API error has one body, and one table maps error ids to HTTP statuses.

The body is ``{"error_id": "no-such-ticket", "message": "no ticket 7", "details": {...}}``.
Services raise ``ivr.errors.DomainError``s, which know nothing of HTTP; the web layer's own
refusals (bad input, access, limits) are ``Refused`` with their id given where they are
raised. ``error_middleware`` turns any of them, and any ``web.HTTPException`` of 400 or more
that an /api/ route raises, into that body with the status of ``ERROR_STATUS``; redis away
(the live queue state) is a 503 ``live-unavailable`` with Retry-After. Anything
else is a 500 ``internal-error`` whose ``details.reference`` is logged with the traceback.

Left alone: pages (their 4xx stay HTML), redirects, and /open311/, whose GeoReport v2 error
list is its own (``ivr/tickets/open311.py``); a refusal raised before its handler (the access
middleware's) is put in that list here.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from ..errors import DomainError
from .access import is_api

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
OPEN311_PREFIX = "/open311/"
BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="hotline"'}
INTERNAL = "internal-error"

ERROR_STATUS: dict[str, int] = {
    # What the client sent cannot be read.
    "bad-json": 400, "bad-hours": 400, "bad-query": 400, "bad-want": 400, "bad-scope": 400,
    "bad-caller": 400,
    "bad-flow": 400, "bad-flow-number": 400, "bad-encoding": 400, "roster-error": 400,
    "roster-invalid": 400,  # an admin's operator or roster edit (roster/editing.py)
    "bad-outcome": 400, "bad-number": 400, "bad-caller-number": 400, "bad-wrapup": 400,
    "bad-agency": 400, "bad-template": 400,  # a citizen notice's wording (notify/citizen.py)
    "catalog-invalid": 400, "bad-change-id": 400,  # the catalog admin (catalog_rules.py)
    "domain-error": 400,
    "bad-codes": 400, "unknown-code": 400, "bad-transfer": 400,  # the console (ivr/console)
    # Who is asking, and whether they may.
    "login-required": 401, "bad-credentials": 401,
    "forbidden": 403, "csrf": 403, "cross-site": 403, "wrong-password": 403,
    "api-key-invalid": 403,
    "body-too-large": 413,  # over IVR_WEB_MAX_BODY_BYTES (the app's client_max_size)
    "unsupported-media-type": 415,
    "too-many-failures": 429, "too-many-streams": 429,
    # What is asked for.
    "no-such-incident": 404, "no-such-flow": 404, "no-such-operator": 404,
    "no-such-ticket": 404, "no-such-user": 404, "no-such-token": 404, "no-such-caller": 404,
    "no-such-catalog-entry": 404, "no-such-template": 404, "catalog-changed-since": 409,
    "no-rollback": 409, "cannot-reopen": 409, "last-admin": 409,
    "no-call": 409, "ami-refused": 409,  # the console's transfer and hold (ivr/console)
    "flow-invalid": 422, "flow-number": 422, "bad-roster-csv": 422, "bad-account": 422,
    "ticket-error": 422, "invalid-ticket-number": 422, "unknown-category": 422,
    "invalid-status-transition": 422, "invalid-request": 422,
    "caller-error": 422, "invalid-caller": 422, "bad-callers-csv": 422,
    # The service itself.
    INTERNAL: 500, "busy": 503, "store-unavailable": 503, "streams-full": 503,
    "live-unavailable": 503, "ami-unavailable": 503,
    "spy-refused": 422,
}
DEFAULT_STATUS = 400  # an id missing from the table (a unit test keeps the table complete)


class Refused(DomainError):
    """A refusal of the web layer itself (input, access, limits): its id is given here."""

    def __init__(self, error_id: str, message: str, **details: object) -> None:
        super().__init__(message, **details)
        self.error_id = error_id


LIVE_UNAVAILABLE = Refused("live-unavailable", "the live queue state (redis) is unavailable; "
                           "try again", retry_after_s=5)


@dataclass(frozen=True)
class ErrorReply:
    """One error as the API sends it."""

    status: int
    error_id: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"error_id": self.error_id, "message": self.message,
                "details": dict(self.details)}


def status_of(error_id: str) -> int:
    return ERROR_STATUS.get(error_id, DEFAULT_STATUS)


def _headers(status: int, details: Mapping[str, Any]) -> dict[str, str]:
    """A 401 asks for Basic credentials; ``details.retry_after_s`` is also Retry-After."""
    headers = dict(BASIC_CHALLENGE) if status == 401 else {}
    if "retry_after_s" in details:
        headers["Retry-After"] = str(details["retry_after_s"])
    return headers


def domain_reply(exc: DomainError) -> ErrorReply:
    """The reply for an error with a stable id: its status is the table's."""
    status = status_of(exc.error_id)
    return ErrorReply(status, exc.error_id, exc.message, exc.details,
                      _headers(status, exc.details))


def http_reply(exc: web.HTTPException) -> ErrorReply:
    """An aiohttp HTTP error (raised by a route or the router) in the API's shape."""
    error_id = exc.reason.lower().replace(" ", "-")
    default_text = f"{exc.status}: {exc.reason}"
    message = exc.reason if exc.text in (None, default_text) else str(exc.text)
    kept = {k: v for k, v in exc.headers.items()
            if k.lower() not in ("content-type", "content-length")}
    return ErrorReply(exc.status, error_id, message, {},
                      {**_headers(exc.status, {}), **kept})


def internal_reply(reference: str) -> ErrorReply:
    """An unexpected failure: no internals, only a reference to find it in the log."""
    return ErrorReply(500, INTERNAL, "something went wrong on our side; quote the reference",
                      {"reference": reference})


def error_response(reply: ErrorReply) -> web.Response:
    return web.json_response(reply.body(), status=reply.status, headers=dict(reply.headers))


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The outermost middleware: every error of every route but Open311's becomes one body."""
    if request.path.startswith(OPEN311_PREFIX):
        try:
            return await handler(request)
        except DomainError as exc:  # e.g. wrong credentials sent to a public route
            reply = domain_reply(exc)
            return web.json_response([{"code": reply.status, "description": reply.message}],
                                     status=reply.status, headers=dict(reply.headers))
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge as exc:
        if not is_api(request.path):
            raise
        return error_response(domain_reply(Refused("body-too-large", str(exc.text))))
    except web.HTTPException as exc:
        if exc.status < 400 or not is_api(request.path):
            raise
        return error_response(http_reply(exc))
    except DomainError as exc:
        return error_response(domain_reply(exc))
    except RedisError as exc:  # the live state's store is away: not a bug, a moment's wait
        log.warning("%s %s: redis unavailable (%s)", request.method, request.path, exc)
        return error_response(domain_reply(LIVE_UNAVAILABLE))
    except Exception:
        reference = secrets.token_hex(6)
        log.exception("%s %s failed (reference %s)", request.method, request.path, reference)
        return error_response(internal_reply(reference))
