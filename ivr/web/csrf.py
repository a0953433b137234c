"""Is a write the user's own or forged by another site? Pure decisions on a request's headers.

Browsers attach cookies and cached HTTP Basic credentials to requests another site makes,
so every write (POST, PUT, PATCH, DELETE) to a route that needs a role must pass, whatever
the credentials:

1. Not cross-site: ``Sec-Fetch-Site: cross-site`` is refused, and so is an ``Origin`` whose
   host and port differ from the request's ``Host`` (or the proxy's ``X-Forwarded-Host``) or
   that is ``null``. Scripts, curl and wall screens send no ``Origin``: they pass.
2. A body is JSON (``application/json``) or the route's own type (``text/csv`` for the
   roster and the registered callers' import). A page of another site can send only form,
   multipart or ``text/plain`` bodies (or one without a type) without a CORS preflight,
   which we never grant. Our own pages send form bodies only with a session, and the
   session's CSRF token is then checked too.

A refused cross-site write is 403 ``cross-site``; a body another site could have sent, 403
``csrf``; any other type the route does not take, 415.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_TYPE = "application/json"
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
CROSS_SITE_TYPES = FORM_TYPES | {"text/plain"}  # what a cross-site form or no-cors fetch sends
ROUTE_BODY_TYPES: dict[tuple[str, str], frozenset[str]] = {
    ("PUT", "/api/v1/roster.csv"): frozenset({"text/csv"}),
    ("POST", "/api/v1/callers/import"): frozenset({"text/csv"}),
}
DEFAULT_PORTS = {"http": "80", "https": "443"}


@dataclass(frozen=True)
class Write:
    """What the decision needs of a request (``content_type`` None: no Content-Type)."""

    method: str
    path: str
    host: str
    origin: str | None = None
    fetch_site: str | None = None
    content_type: str | None = None
    has_body: bool = False
    forwarded_host: str = ""


@dataclass(frozen=True)
class Refusal:
    status: int
    error_id: str
    message: str


def _authority(netloc: str, scheme: str) -> str:
    """``host[:port]`` in lower case, the scheme's default port left out."""
    netloc = netloc.strip().lower()
    default = DEFAULT_PORTS.get(scheme)
    return netloc.removesuffix(f":{default}") if default else netloc


def cross_site(write: Write) -> bool:
    if (write.fetch_site or "").lower() == "cross-site":
        return True
    if write.origin is None:
        return False
    parts = urlsplit(write.origin.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.netloc:
        return True  # "null" (sandboxed frames, file: pages) or nonsense
    ours = {_authority(h.split(",")[0], parts.scheme)
            for h in (write.host, write.forwarded_host) if h}
    return _authority(parts.netloc, parts.scheme) not in ours


def body_types(method: str, path: str) -> frozenset[str]:
    return ROUTE_BODY_TYPES.get((method, path), frozenset({JSON_TYPE}))


def write_refusal(write: Write, via: str) -> Refusal | None:
    """Why this write is refused, or None; ``via`` is session, basic or token."""
    if write.method in SAFE_METHODS:
        return None
    if cross_site(write):
        return Refusal(403, "cross-site", "writes from another site are refused")
    if not write.has_body:
        return None
    accepted = body_types(write.method, write.path)
    if write.content_type in accepted:
        return None
    if via == "session" and write.content_type in FORM_TYPES:
        return None  # our pages' forms; the session's CSRF token is checked next
    wanted = " or ".join(sorted(accepted))
    if write.content_type is None or write.content_type in CROSS_SITE_TYPES:
        return Refusal(403, "csrf", f"send the body as {wanted}")
    return Refusal(415, "unsupported-media-type", f"send the body as {wanted}")
