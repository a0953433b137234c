"""The 403 page a person sees for a page their role may not open (API clients get the JSON
error body instead: ``errors.py``), with the navigation bar of the pages they may open."""

from __future__ import annotations

import html
import re
from pathlib import Path
from string import Template

from aiohttp import web

from ..accounts import Role
from .navigation import nav_html

FORBIDDEN_TEMPLATE = Path(__file__).parent / "templates" / "forbidden.html"
BODY_TAG = re.compile(r"<body[^>]*>")


def with_bar(page: str, bar: str) -> str:
    """The page with ``bar`` right after its ``<body>`` tag (unchanged without one) (pure)."""
    found = BODY_TAG.search(page)
    return page if found is None else page[:found.end()] + bar + page[found.end():]


def forbidden_page(role: Role, path: str, message: str) -> web.HTTPForbidden:
    text = Template(FORBIDDEN_TEMPLATE.read_text(encoding="utf-8")).safe_substitute(
        message=html.escape(message), role=html.escape(str(role)), path=html.escape(path))
    return web.HTTPForbidden(text=with_bar(text, nav_html(role)), content_type="text/html",
                             headers={"Cache-Control": "no-store"})
