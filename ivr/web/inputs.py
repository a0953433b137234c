"""What clients send, read once and refused with a 400 error when it is not usable.

Every route that takes a JSON body reads it with ``json_object``; numeric query values go
through ``query_float``. Malformed JSON, a body that is not UTF-8, nesting deep enough to
exhaust the parser, ``inf``/``nan`` (in JSON or a query), and strings no store can keep (a
lone UTF-16 surrogate such as ``"\\ud800"``, which no UTF-8 encoder takes, or a NUL, which
PostgreSQL's text refuses) are the client's mistake: a ``Refused`` (400, the API's error body:
``errors.py``), never a 500.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NoReturn

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from .errors import Refused

Form = MultiDictProxy[str | bytes | bytearray | web.FileField]
FLOW_NUMBER = re.compile(r"[0-9]{1,15}")  # as ivr.flows.store: the number is a file name
UNSTORABLE = re.compile("[\ud800-\udfff]")  # lone surrogates: valid JSON, never UTF-8


def bad_input(error_id: str, message: str) -> Refused:
    """What a route raises for input it cannot read (``error_id`` is a 400 in the table)."""
    return Refused(error_id, message)


def _no_constants(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _storable(text: str) -> bool:
    """No NUL and no lone surrogate (what ``json`` makes of ``\\u0000`` and ``\\ud800``)."""
    return "\x00" not in text and UNSTORABLE.search(text) is None


def _all_storable(body: Any) -> bool:
    """Every string in ``body``, keys too; a loop, not recursion: the nesting may be deep."""
    pending = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if not _storable(value):
                return False
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return True


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw`` (empty: ``{}``); ``bad-json`` (a 400) for anything else."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad_input("bad-json", "the body is not valid JSON in UTF-8") from None
    if not isinstance(body, dict):
        raise bad_input("bad-json", "send a JSON object")
    if not _all_storable(body):
        raise bad_input("bad-json", "a string holds a NUL or a lone surrogate (\\ud800-\\udfff)")
    return body


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body (``{}`` when there is none)."""
    return parse_json_object(await request.read() if request.body_exists else b"")


def query_float(request: web.Request, name: str, default: float, low: float,
                high: float) -> float:
    """``?name=`` as a finite number within [low, high], else ``bad-<name>`` (a 400)."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise bad_input(f"bad-{name}", f"{name} is a number from {low:g} to {high:g}")
    return value


def flow_number(request: web.Request) -> str:
    """The ``{number}`` of a flow route, checked before it comes near a file name."""
    number = request.match_info["number"]
    if FLOW_NUMBER.fullmatch(number) is None:
        raise bad_input("bad-flow-number", "a flow number is 1 to 15 digits")
    return number


async def form_of(request: web.Request) -> Form:
    """The request's form fields; none when the body is not a form we can decode."""
    try:
        return await request.post()
    except ValueError:  # e.g. not UTF-8
        return MultiDictProxy(MultiDict())
