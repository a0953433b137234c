"""Plain frozen records that cross the layers (no ORM object leaves ``storage``/``service``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .status import Status


@dataclass(frozen=True)
class NewTicket:
    """A ticket to create; ``number`` and ``token`` are given by the desk, never the database."""

    number: str
    token: str
    channel: str  # phone, web, api
    category: str
    received_at: datetime
    source_ref: str | None = None
    caller_number: str = ""
    contact_name: str = ""
    contact_email: str = ""
    language: str = "id"
    description: str = ""
    recording_path: str | None = None
    media_url: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    kind: str = "handling_request"  # kinds.py
    district: str = ""
    subdistrict: str = ""
    operator: str = ""  # the operator who took the call, for tickets made at the console
    closed_on_call: bool = False  # answered on the call (a consultation): closed at once


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str  # internal, for the agencies and the hotline
    public_note: str = ""  # what the citizen may read


@dataclass(frozen=True)
class TicketRecord:
    number: str
    token: str
    channel: str
    status: Status
    status_note: str
    category: str
    category_name: str
    agency: str
    agency_name_en: str
    agency_name_id: str
    language: str
    caller_number: str
    description: str
    recording_path: str | None
    media_url: str | None
    latitude: float | None
    longitude: float | None
    address: str
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    escalated_at: datetime | None
    history: tuple[HistoryEntry, ...] = ()
    public_note: str = ""  # the published explanation of the current status
    kind: str = "handling_request"
    district: str = ""
    subdistrict: str = ""
    operator: str = ""
    accepted_at: datetime | None = None  # first moved to in progress (the response rate)
    resolved_at: datetime | None = None  # last resolved (the resolution rate)
    contact_email: str = ""  # the citizen's, for notices only: never published
    follow_up: str = ""  # the satisfaction follow-up's state ("": not started)
    rating: int | None = None  # the citizen's answer to it, 1 to 5
    rated_by: str = ""  # call, web
    rated_at: datetime | None = None

    def agency_name(self, language: str) -> str:
        return self.agency_name_id if language == "id" else self.agency_name_en


@dataclass(frozen=True)
class IncidentReport:
    """A 112 call. The FastAGI path gives the first five fields; the AMI service's incident
    book (ivr/emergency/incidents.py) gives the rest as the call goes on (spooled alike)."""

    unique_id: str
    caller_number: str
    service: str
    queue: str
    started_at: datetime  # arrival at our Asterisk
    answered_at: datetime | None = None
    answered_by: str = ""
    waited_seconds: float | None = None
    call_state: str = "waiting"  # waiting, answered, abandoned, ended
    silent: bool = False
    keys: str = ""
    joins: str = ""  # JSON [[queue, epoch s], ...]
    callbacks: str = ""  # JSON [{"try": 1, "at": epoch, "result": "no answer"}, ...]
    callback_of: str = ""  # a callback call: the unique id of the call it returns
    location: str = ""
    lane: str = "normal"
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Rating:
    """A citizen's answer to the satisfaction follow-up of ticket ``number``: 1 to 5, by
    ``call`` (keys on the follow-up call, maybe a recorded comment) or ``web`` (the tracking
    page). Spooled like a ticket when the database is away; the first rating of a ticket
    stands."""

    number: str
    rating: int
    rated_by: str  # call, web
    rated_at: datetime
    comment_path: str | None = None


@dataclass(frozen=True)
class IncidentView:
    """A stored incident with the operator's outcome (what the incident pages show)."""

    report: IncidentReport
    outcome: str  # "" until the operator gives one
    outcome_by: str
    outcome_at: datetime | None


@dataclass(frozen=True)
class TicketQuery:
    """Filters of a ticket search; empty tuples mean "any"."""

    numbers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    statuses: frozenset[Status] = frozenset()
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 1000


@dataclass(frozen=True)
class CategoryRecord:
    code: str
    name: str
    description: str
    group: str
    keywords: str
    agency: str
    tier: str
