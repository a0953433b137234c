"""A registered caller: the number, who lives there and where, as the centre is told (pure).

Citizens register their phone number with their name and address (Bandung's 112 centre does
this), so an operator offered a call from that number sees at once who and where the caller
is. The number is kept exactly as the dialplan hands it over: digits with an optional
leading ``+``, at most 20 characters (``FILTER(0-9+)`` and ``:0:20`` in
``dialplan/extensions.conf``); spaces, dashes, dots and brackets typed by people are dropped.

Every check names the field it refuses, so the API's error body and the CSV's refusal lines
can say what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..errors import DomainError

NUMBER_MAX = 20
NAME_MAX = 200
ADDRESS_MAX = 1000
DISTRICT_MAX = 100
NOTES_MAX = 2000
NUMBER = re.compile(r"\+?[0-9]+")
SEPARATORS = str.maketrans("", "", " -.()")
FIELDS = ("number", "name", "address", "district", "notes")


class CallerError(DomainError):
    """Base of the registered callers' errors; the message is safe to show."""

    error_id = "caller-error"


class BadCallerNumber(CallerError):
    """Not a number the dialplan could hand over (a route's ``{number}``)."""

    error_id = "bad-caller-number"


class InvalidCaller(CallerError):
    """A field that is missing, too long or not plain text; ``details.field`` names it."""

    error_id = "invalid-caller"


class NoSuchCaller(CallerError):
    error_id = "no-such-caller"


@dataclass(frozen=True)
class CallerEntry:
    """What a supervisor registers for a number."""

    number: str
    name: str
    address: str
    district: str = ""
    notes: str = ""


@dataclass(frozen=True)
class RegisteredCaller:
    """A registered number as stored: the entry, and who changed it last and when (UTC)."""

    number: str
    name: str
    address: str
    district: str
    notes: str
    updated_at: datetime
    updated_by: str

    @property
    def entry(self) -> CallerEntry:
        return CallerEntry(self.number, self.name, self.address, self.district, self.notes)


def number_problem(number: str) -> str | None:
    """What is wrong with ``number`` (separators already dropped), or None."""
    if not number:
        return "is missing"
    if NUMBER.fullmatch(number) is None:
        return "is digits with an optional leading +"
    if len(number) > NUMBER_MAX:
        return f"has at most {NUMBER_MAX} characters"
    return None


def caller_number(raw: str) -> str:
    """The number as the dialplan hands it over, or ``BadCallerNumber``."""
    number = raw.strip().translate(SEPARATORS)
    problem = number_problem(number)
    if problem is not None:
        raise BadCallerNumber(f"a caller number {problem}", number=raw[:40])
    return number


def _text(field: str, value: object, limit: int, required: bool, lines: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidCaller(f"{field} is text", field=field)
    text = value.replace("\r\n", "\n").strip()
    if required and not text:
        raise InvalidCaller(f"{field} is missing", field=field)
    if len(text) > limit:
        raise InvalidCaller(f"{field} has at most {limit} characters", field=field)
    allowed = "\n\t" if lines else ""
    if any(not c.isprintable() and c not in allowed for c in text):
        raise InvalidCaller(f"{field} has control characters", field=field)
    return text


def caller_entry(number: object, name: object, address: object, district: object = "",
                 notes: object = "") -> CallerEntry:
    """The checked entry; ``InvalidCaller`` naming the first field that is wrong."""
    if not isinstance(number, str):
        raise InvalidCaller("number is text", field="number")
    checked_number = number.strip().translate(SEPARATORS)
    problem = number_problem(checked_number)
    if problem is not None:
        raise InvalidCaller(f"number {problem}", field="number")
    return CallerEntry(checked_number,
                       _text("name", name, NAME_MAX, required=True, lines=False),
                       _text("address", address, ADDRESS_MAX, required=True, lines=True),
                       _text("district", district, DISTRICT_MAX, required=False, lines=False),
                       _text("notes", notes, NOTES_MAX, required=False, lines=True))
