"""SQLAlchemy 2 models: agencies, categories, tickets with their history, 112 incidents.

Times are stored as naive UTC (SQLite keeps no zone) and read back as aware UTC datetimes.
Schema changes go through Alembic (``migrations/``); these models and the migrations must agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

DESCRIPTION_MAX = 4000


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored naive in UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Agency(Base):
    __tablename__ = "agencies"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_id: Mapped[str] = mapped_column(String(200))
    office_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    supervisor: Mapped[str] = mapped_column(String(200), default="")
    # Where overdue tickets are mailed (the agency supervisor's address).
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # A branch: the agency it belongs to, and the districts it serves (comma-separated codes).
    parent_code: Mapped[str] = mapped_column(String(40), default="", server_default="")
    districts: Mapped[str] = mapped_column(Text, default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())

    def name_in(self, language: str) -> str:
        return self.name_id if language == "id" else self.name_en


class Category(Base):
    __tablename__ = "categories"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    tier: Mapped[str] = mapped_column(String(20))
    group: Mapped[str] = mapped_column("group_name", String(100), default="")
    keywords: Mapped[str] = mapped_column(String(400), default="")
    # A retired category keeps its tickets but takes no new ones.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    agency: Mapped[Agency] = relationship(lazy="joined")


class District(Base):
    """A district (``parent_code`` empty) or a sub-district of one: the service areas by which
    a ticket is routed to an agency's branch."""

    __tablename__ = "districts"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str] = mapped_column(String(40), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())


class DeadlineTier(Base):
    """How long a category's tickets may take (``deadlines.TierSpan``), editable by admins."""

    __tablename__ = "deadline_tiers"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(10))  # hours or days
    clock_always: Mapped[bool] = mapped_column(Boolean, default=False)


class CatalogChange(Base):
    """One saved change to the catalog (categories, agencies, districts, tiers, holidays):
    the row before and after, as JSON, so an admin can see it and go back."""

    __tablename__ = "catalog_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # category, agency, district, tier, holiday
    code: Mapped[str] = mapped_column(String(40))
    before: Mapped[str] = mapped_column(Text, default="")  # JSON; "" when it was new
    after: Mapped[str] = mapped_column(Text, default="")  # JSON; "" when it was removed


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # Open311 clients may look a request up by this token before they know the number.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(20))  # phone, web, api
    # The call's unique id or the API client's reference: the same source never makes two.
    source_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    caller_number: Mapped[str] = mapped_column(String(64), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="id")
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    recording_path: Mapped[str | None] = mapped_column(String(500))
    media_url: Mapped[str | None] = mapped_column(String(500))
    # Open311 attribute answers, as a JSON object of strings.
    attributes_json: Mapped[str] = mapped_column(Text, default="{}")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(400), default="")
    # consultation, handling_request, complaint, suggestion, information (Beijing's kinds).
    kind: Mapped[str] = mapped_column(String(20), default="handling_request",
                                      server_default="handling_request", index=True)
    district: Mapped[str] = mapped_column(String(40), default="", server_default="")
    subdistrict: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # The operator who took the call ("" for the IVR, the web and Open311).
    operator: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # When the agency accepted it (response rate) and resolved it (resolution rate).
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # The latest operator note, internal: never published.
    status_note: Mapped[str] = mapped_column(Text, default="")
    # What the citizen may read about the current status (Open311 ``status_notes``).
    public_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    category: Mapped[Category] = relationship(lazy="joined")
    agency: Mapped[Agency] = relationship(lazy="joined")
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="ticket", order_by="StatusChange.id", cascade="all, delete-orphan")
    # The satisfaction follow-up (None until it starts), read along with the ticket.
    survey: Mapped[TicketSurvey | None] = relationship(lazy="selectin", viewonly=True)


class StatusChange(Base):
    """One line of a ticket's history: who changed what, when, and why."""

    __tablename__ = "ticket_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")  # internal
    public_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    ticket: Mapped[Ticket] = relationship(back_populates="history")


class Incident(Base):
    """Every 112 call, even with no description: who called, which service, what happened."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unique_id: Mapped[str] = mapped_column(String(100), unique=True)
    caller_number: Mapped[str] = mapped_column(String(64), default="", index=True)
    service: Mapped[str] = mapped_column(String(40))
    queue: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_by: Mapped[str] = mapped_column(String(200), default="")
    waited_seconds: Mapped[float | None] = mapped_column(Float)
    # The operator's outcome (ivr/emergency/outcomes.py); "queued": none given yet.
    outcome: Mapped[str] = mapped_column(String(40), default="queued")
    # What the call did, from AMI events (ivr/emergency/incidents.py).
    call_state: Mapped[str] = mapped_column(String(20), default="waiting",
                                            server_default="waiting")
    silent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    keys: Mapped[str] = mapped_column(String(40), default="", server_default="")
    joins: Mapped[str] = mapped_column(Text, default="", server_default="")  # JSON
    callbacks: Mapped[str] = mapped_column(Text, default="", server_default="")  # JSON
    callback_of: Mapped[str] = mapped_column(String(100), default="", server_default="")
    location: Mapped[str] = mapped_column(Text, default="", server_default="")
    lane: Mapped[str] = mapped_column(String(20), default="normal", server_default="normal")
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    outcome_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PrankClearance(Base):
    """A supervisor cleared a number's prank history: earlier prank calls no longer count."""

    __tablename__ = "prank_clearances"
    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    cleared_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cleared_by: Mapped[str] = mapped_column(String(200), default="")


class Holiday(Base):
    """A public holiday (no work) or a make-up working day on a weekend (``workday``)."""

    __tablename__ = "holidays"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    workday: Mapped[bool] = mapped_column(Boolean, default=False)


class CallWrapUp(Base):
    """How an answered call ended: for 12345, the ticket it made or the operator's reason for
    none (the console asks until one is given); for any queue, the wrap-up ``code``."""

    __tablename__ = "call_wrapups"
    unique_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    operator: Mapped[str] = mapped_column(String(200))
    queue: Mapped[str] = mapped_column(String(40), default="")
    caller_number: Mapped[str] = mapped_column(String(64), default="")
    ticket_number: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # The wrap-up code the operator picked (any queue; ``ivr.console.codes``), "" until then.
    code: Mapped[str] = mapped_column(String(40), default="", server_default="")


class OutboxMessage(Base):
    """A message to send (e-mail now, SMS later): kept until sent, retried with backoff, and
    sent once (``dedupe_key`` is unique: the same escalation is never queued twice)."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(10))  # email, sms
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_try_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


class NoticeMark(Base):
    """How far the citizens' notices have read the ticket history (``notify/citizen.py``):
    the last ``ticket_history`` id they were queued for, moved in the same transaction."""

    __tablename__ = "notice_marks"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_history_id: Mapped[int] = mapped_column(Integer)


class NoticeTemplate(Base):
    """An admin's wording of a citizen notice, for one event and language (the built-in
    wording of ``notify/citizen.py`` applies where there is none)."""

    __tablename__ = "notice_templates"
    event: Mapped[str] = mapped_column(String(20), primary_key=True)  # created, status, note
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(80), default="")


class NoticeOptOut(Base):
    """A phone number or e-mail address that asked for no more notices."""

    __tablename__ = "notice_opt_outs"
    address: Mapped[str] = mapped_column(String(200), primary_key=True)  # number or e-mail
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class TicketSurvey(Base):
    """The satisfaction follow-up of a resolved phone ticket (``ivr/satisfaction``): where the
    call stands (``calling``, ``answered``, ``sms``, ``unreached``, ``rated``) and, once the
    citizen answered, the rating (1 to 5), how it came (``call`` or ``web``) and a recorded
    comment. One row per ticket: a ticket is asked once."""

    __tablename__ = "ticket_surveys"
    ticket_number: Mapped[str] = mapped_column(ForeignKey("tickets.number"), primary_key=True)
    state: Mapped[str] = mapped_column(String(12), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    rated_by: Mapped[str] = mapped_column(String(10), default="", server_default="")
    rated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    comment_path: Mapped[str | None] = mapped_column(String(500))


class ApiKey(Base):
    """An Open311 client; only the key's SHA-256 is kept."""

    __tablename__ = "api_keys"
    key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    client: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
