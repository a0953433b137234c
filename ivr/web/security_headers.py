"""Headers on every response the app sends: pages, JSON, errors, static files, event streams.

Added in ``on_response_prepare`` rather than a middleware, because that signal also sees the
responses no handler returns (404s, static files, raised HTTP errors, server-sent events).

The pages load their scripts and style sheets from ``/static`` and have no inline script, so
``script-src 'self'``. The report charts size their bars with ``style="width:…"``
attributes: ``style-src-attr 'unsafe-inline'`` allows those, ``style-src-elem 'self'`` keeps
``<style>`` elements out (``style-src`` is the fallback for browsers without CSP 3).
"""

from __future__ import annotations

from aiohttp import web

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "style-src-elem 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value


def use_security_headers(app: web.Application) -> None:
    app.on_response_prepare.append(add_security_headers)
