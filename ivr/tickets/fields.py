"""What fits in a ticket: the column limits (read from the models), trimming, XML-safe text.

One place knows how long each stored text may be, so no value reaches the database longer
than its column (PostgreSQL refuses it with a DataError; SQLite would keep it silently). The
two channels treat an over-long value differently: an Open311 client gets a 400 naming the
field (``check_ticket``), while a phone caller never loses a ticket to a long caller ID or
call id (``fit_ticket`` trims). Text a caller gave is also stripped of characters XML 1.0
cannot carry (most control characters), which would otherwise break the whole Open311 XML
feed for everyone. Pure.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import TypeVar

from sqlalchemy import FromClause

from ..reports.records import CallRecord
from ..reports.tables import queue_calls
from .errors import InvalidRequest
from .models import DESCRIPTION_MAX, Category, Incident, StatusChange, Ticket
from .records import IncidentReport, NewTicket

R = TypeVar("R", NewTicket, IncidentReport, CallRecord)

# Everything outside XML 1.0's Char production: C0 controls but tab, LF and CR; surrogates;
# U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters an XML document cannot contain."""
    return _NOT_XML.sub("", text)


def _lengths(table: FromClause) -> dict[str, int]:
    """Column name -> declared length, for the columns that have one (String(n))."""
    found = {c.name: getattr(c.type, "length", None) for c in table.columns}
    return {name: length for name, length in found.items() if isinstance(length, int)}


def _limits(record: type, table: FromClause, renamed: dict[str, int]) -> dict[str, int]:
    """Field of ``record`` -> the length of the column of the same name (or ``renamed``)."""
    lengths = {**_lengths(table), **renamed}
    return {f.name: lengths[f.name] for f in fields(record) if f.name in lengths}


TICKET_LIMITS: dict[str, int] = _limits(NewTicket, Ticket.__table__, {
    "category": _lengths(Category.__table__)["code"], "description": DESCRIPTION_MAX})
INCIDENT_LIMITS: dict[str, int] = _limits(IncidentReport, Incident.__table__, {})
CALL_LIMITS: dict[str, int] = _limits(CallRecord, queue_calls, {})
LIMITS: dict[type, dict[str, int]] = {NewTicket: TICKET_LIMITS, IncidentReport: INCIDENT_LIMITS,
                                      CallRecord: CALL_LIMITS}
ACTOR_MAX: int = _lengths(StatusChange.__table__)["actor"]


def overlong(record: NewTicket | IncidentReport | CallRecord) -> list[tuple[str, int]]:
    """(field, limit) of every text field of ``record`` longer than its column."""
    limits = LIMITS[type(record)]
    return [(name, limit) for name, limit in limits.items()
            if len(getattr(record, name) or "") > limit]


def check_ticket(new: NewTicket) -> None:
    """Raise InvalidRequest naming the first field longer than its column."""
    for name, limit in overlong(new):
        raise InvalidRequest(f"{name} is longer than {limit} characters",
                             field=name, length=len(getattr(new, name) or ""))


def fit(record: R) -> R:
    """``record`` with every text field XML-safe and cut to its column (phone, spool)."""
    limits = LIMITS[type(record)]
    changes: dict[str, object] = {}
    for name, limit in limits.items():
        value = getattr(record, name)
        if isinstance(value, str):
            cleaned = xml_safe(value)[:limit]
            if cleaned != value:
                changes[name] = cleaned
    if isinstance(record, NewTicket):
        answers = {xml_safe(k): xml_safe(v) for k, v in record.attributes.items()}
        if answers != record.attributes:
            changes["attributes"] = answers
    return replace(record, **changes) if changes else record  # type: ignore[arg-type]


def fitted_fields(before: NewTicket | IncidentReport | CallRecord,
                  after: NewTicket | IncidentReport | CallRecord) -> list[str]:
    """Names of the fields ``fit`` changed (for a log line that carries no caller data)."""
    return [f.name for f in fields(before) if getattr(before, f.name) != getattr(after, f.name)]


def fit_actor(actor: str) -> str:
    return xml_safe(actor)[:ACTOR_MAX]
