"""Pause reasons and wrap-up codes: two short lists an admin edits (pure checks).

A code is a short machine name (``break``, ``resolved``) with a label people read. Pause
reasons are what an operator picks to pause; wrap-up codes what they pick after a call, for
every queue (112 and 12345). The ticket desk's "no ticket, because" reasons
(``ivr.tickets.wrapups.REASONS``) answer another question (why a 12345 call made no ticket)
and stay fixed; both answers go to the call's one wrap-up row (``call_wrapups``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import DomainError

CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
LABEL_MAX = 100
CODES_MAX = 50
PAUSE_REASONS, WRAPUP_CODES = "pause_reasons", "wrapup_codes"
KINDS = (PAUSE_REASONS, WRAPUP_CODES)
WRAPUP_PAUSE = "wrap-up"  # the pause reason the roster engine gives a wrap-up (reserved)


class BadCodes(DomainError):
    error_id = "bad-codes"


class UnknownCode(DomainError):
    error_id = "unknown-code"


@dataclass(frozen=True)
class Code:
    code: str
    label: str


DEFAULT_PAUSE_REASONS = (
    Code("break", "Break"), Code("lunch", "Lunch"), Code("training", "Training"),
    Code("meeting", "Meeting"), Code("technical", "Technical problem"))
DEFAULT_WRAPUP_CODES = (
    Code("resolved", "Resolved on the call"), Code("dispatched", "Service dispatched"),
    Code("information", "Information given"), Code("transferred", "Transferred"),
    Code("callback", "Call back needed"), Code("wrong_number", "Wrong number"),
    Code("prank", "Prank or abusive"), Code("dropped", "Call dropped"))
DEFAULTS: dict[str, tuple[Code, ...]] = {PAUSE_REASONS: DEFAULT_PAUSE_REASONS,
                                         WRAPUP_CODES: DEFAULT_WRAPUP_CODES}


def checked_codes(kind: str, body: Mapping[str, Any]) -> list[Code]:
    """The list in ``{"codes": [{"code": "break", "label": "Break"}, …]}``, in its order;
    BadCodes naming the first problem (the whole list is refused)."""
    items = body.get("codes")
    if not isinstance(items, list) or not items:
        raise BadCodes("codes is a non-empty list of {code, label}", field="codes")
    if len(items) > CODES_MAX:
        raise BadCodes(f"at most {CODES_MAX} codes", field="codes")
    codes = [_code(kind, index, item) for index, item in enumerate(items)]
    seen: set[str] = set()
    for index, code in enumerate(codes):
        if code.code in seen:
            raise BadCodes(f"code {code.code!r} is given twice", field="codes", index=index)
        seen.add(code.code)
    return codes


def _code(kind: str, index: int, item: object) -> Code:
    if not isinstance(item, Mapping):
        raise BadCodes("each code is {code, label}", field="codes", index=index)
    code, label = item.get("code"), item.get("label", "")
    if not isinstance(code, str) or CODE.fullmatch(code) is None:
        raise BadCodes("a code is 1-40 lower-case letters, digits, '_' or '-', starting "
                       "with a letter or digit", field="code", index=index)
    if kind == PAUSE_REASONS and code == WRAPUP_PAUSE:
        raise BadCodes(f"{WRAPUP_PAUSE!r} is the wrap-up's own pause", field="code",
                       index=index)
    if not isinstance(label, str) or len(label.strip()) > LABEL_MAX:
        raise BadCodes(f"a label is text of at most {LABEL_MAX} characters", field="label",
                       index=index)
    return Code(code, label.strip() or code)


def known_code(codes: Sequence[Code], code: str, what: str) -> Code:
    """The code named ``code`` in the list; UnknownCode when the admin's list lacks it."""
    for candidate in codes:
        if candidate.code == code:
            return candidate
    raise UnknownCode(f"{what} is one of {', '.join(c.code for c in codes)}", code=code)


def as_json(codes: Sequence[Code]) -> dict[str, Any]:
    return {"codes": [{"code": c.code, "label": c.label} for c in codes]}
