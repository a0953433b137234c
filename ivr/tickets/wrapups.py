"""How an answered 12345 call ends: with a ticket, or with the operator's reason for none.

Beijing's operators classify every call they answer; Jakarta's complaint was "no record of
whether it will be done". So the console's ticket desk asks after every answered hotline call
until one of the two is saved, and the wrap-up row (``call_wrapups``) says which. A ticket made
at the desk carries the call in its source reference (``call:<unique id>``), so the same call
never makes two desk tickets however often the form is sent, and the ticket's wrap-up row is
written in the same transaction as the ticket (also when it waited in the spool).

Everything here is pure: the checks of what the console sends, and the records it becomes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import InvalidRequest
from .kinds import Kind, parse_kind
from .records import NewTicket

CALL_REF_PREFIX = "call:"
LANGUAGES = ("id", "en")
UNIQUE_ID = re.compile(r"[0-9A-Za-z._-]{1,100}")
NOTE_MAX = 200

# Why an answered call made no ticket; "other" needs the operator's words.
REASONS: dict[str, str] = {
    "status_inquiry": "Asked about an existing ticket",
    "duplicate": "Already reported: an open ticket covers it",
    "transferred": "Transferred to another service",
    "wrong_number": "Wrong number",
    "caller_hung_up": "Caller hung up before saying why",
    "silent": "Silent or unintelligible call",
    "test_call": "Test call",
    "other": "Other (say why)",
}


class BadWrapUp(InvalidRequest):
    error_id = "bad-wrapup"


@dataclass(frozen=True)
class WrapUp:
    """One answered call's ending: ``ticket_number`` or ``reason`` (never both empty)."""

    unique_id: str
    operator: str
    at: datetime
    queue: str = ""
    caller_number: str = ""
    ticket_number: str = ""
    reason: str = ""


@dataclass(frozen=True)
class DeskForm:
    """What the operator filled in at the ticket desk for the call being answered."""

    unique_id: str
    kind: Kind
    category: str
    description: str
    caller_number: str = ""
    contact_name: str = ""
    address: str = ""
    district: str = ""
    subdistrict: str = ""
    language: str = "id"
    closed_on_call: bool = False  # a consultation settled on the call: closed at once


def call_ref(unique_id: str) -> str:
    """The source reference of the desk ticket of call ``unique_id``."""
    return CALL_REF_PREFIX + unique_id


def call_of(source_ref: str | None) -> str | None:
    """The call id in a desk ticket's source reference; None for other tickets."""
    if source_ref and source_ref.startswith(CALL_REF_PREFIX):
        return source_ref[len(CALL_REF_PREFIX):]
    return None


def checked_unique_id(text: str) -> str:
    if UNIQUE_ID.fullmatch(text) is None:
        raise BadWrapUp("a call id is 1-100 letters, digits, '.', '_' or '-'", field="unique_id")
    return text


def _text(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise BadWrapUp(f"{name} must be text", field=name)
    return value.strip()


def checked_reason(code: str, words: str) -> str:
    """The stored reason: the code, or ``other: <words>``; BadWrapUp if unusable."""
    if code not in REASONS:
        raise BadWrapUp(f"reason is one of {', '.join(REASONS)}", field="reason")
    if code != "other":
        return code
    if not words:
        raise BadWrapUp("say why the call made no ticket", field="note")
    return f"other: {words}"[:NOTE_MAX]


def desk_form(unique_id: str, body: Mapping[str, Any]) -> DeskForm:
    """The console's JSON body as a form; BadWrapUp (naming the field) when unusable.

    Lengths are checked later against the columns (``fields.check_ticket``)."""
    closed = body.get("closed_on_call", False)
    if not isinstance(closed, bool):
        raise BadWrapUp("closed_on_call is true or false", field="closed_on_call")
    description, category = _text(body, "description"), _text(body, "category")
    if not category:
        raise BadWrapUp("choose a category", field="category")
    if not description:
        raise BadWrapUp("describe what the caller wants", field="description")
    language = _text(body, "language") or "id"
    if language not in LANGUAGES:
        raise BadWrapUp(f"language is one of {', '.join(LANGUAGES)}", field="language")
    try:
        kind = parse_kind(_text(body, "kind"))
    except InvalidRequest as exc:
        raise BadWrapUp(str(exc), field="kind") from None
    return DeskForm(checked_unique_id(unique_id), kind, category, description,
                    caller_number=_text(body, "caller_number"),
                    contact_name=_text(body, "contact_name"), address=_text(body, "address"),
                    district=_text(body, "district"), subdistrict=_text(body, "subdistrict"),
                    language=language, closed_on_call=closed)


def desk_ticket(form: DeskForm, number: str, token: str, operator: str,
                at: datetime) -> NewTicket:
    """The ticket a desk form makes (a phone ticket, taken by ``operator``)."""
    return NewTicket(number=number, token=token, channel="phone", category=form.category,
                     received_at=at, source_ref=call_ref(form.unique_id),
                     caller_number=form.caller_number, contact_name=form.contact_name,
                     language=form.language, description=form.description,
                     address=form.address, kind=str(form.kind), district=form.district,
                     subdistrict=form.subdistrict, operator=operator,
                     closed_on_call=form.closed_on_call)


def grouped(number: str) -> str:
    """A ticket number as the operator reads it out: groups of four from the left."""
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))
