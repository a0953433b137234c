"""The ticket desk: the async face of the tickets package for the IVR and the web edge.

The IVR calls ``open_from_call``, ``status_by_number`` and ``record_emergency_call`` (the
``TicketDeskPort`` of ``ivr.flows.ports``). Database work runs on the desk's own bounded
thread pool with a time-out per call, the spool and the number counter on another (see
``workers``), never on the event loop. Nothing is lost: the number comes from the local
allocator, not the database, and when the database does not answer the ticket (or 112
incident) goes to the local spool, which ``flush_spool`` writes back exactly once when the
database returns. A phone ticket is made to fit the columns (``fields.fit``) rather than
refused; an Open311 request that does not fit is refused with the field's name.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..config import Settings
from ..console.store import CallCode, save_call_code
from ..db import make_engine
from ..emergency.outcomes import NoSuchIncident, checked_outcome
from ..flows.ports import CallReport, TicketStatusView
from ..queues import HOTLINE
from ..reports.records import CallRecord, OperatorActivity, VirtualHoldStep
from ..reports.scorecard import ScoreFact
from ..reports.store import insert_operator_activity, insert_vhold_step
from ..reports.tickets import TicketFact
from ..satisfaction import store as surveys
from .allocator import NumberAllocator
from .catalog import DEFAULT_AGENCIES, DEFAULT_CATEGORIES, FALLBACK_CATEGORY
from .catalog_admin import CatalogAdmin
from .deadlines import Tier, WorkingCalendar, due_at, parse_office_hours
from .errors import InvalidTransition, NoSuchTicket, StoreUnavailable, UnknownCategory
from .escalation import EscalationReport
from .fields import check_ticket, fit, fitted_fields
from .flusher import DB_DOWN, FLUSH_INTERVAL_S, SpoolFlusher, next_flush_delay
from .numbers import is_valid, normalize
from .records import (
    CategoryRecord,
    IncidentReport,
    IncidentView,
    NewTicket,
    Rating,
    TicketQuery,
    TicketRecord,
)
from .service import TicketService, utc_now
from .spool import Spool, SpoolRecord
from .status import Status, parse_status
from .tallies import wallscreen_figures
from .tracking import CannotReopen, checked_reason, reopen_refusal
from .tracking import texts as tracking_texts
from .workers import DeskWorkers
from .wrapups import DeskForm, WrapUp, checked_unique_id, desk_ticket
from .write_behind import WriteBehind

__all__ = ["DB_DOWN", "CallReport", "TicketDesk", "TicketStatusView", "build_ticket_desk"]

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R", NewTicket, IncidentReport, CallRecord)

# How long one database step may take before the caller's ticket goes to the spool instead.
DB_TIMEOUT_S = 5.0
# After a failure, go straight to the spool for this long (callers do not wait on a dead server).
RETRY_AFTER_S = 10.0
# A caller's earlier tickets shown to the operator who answers them.
EARLIER_KEPT = 20
# A phone ticket is spooled on any database error: the caller has already been given a number.
PHONE_SPOOLED_ON = (SQLAlchemyError, TimeoutError, StoreUnavailable)
IVR_CATEGORIES = frozenset({"roads", "utilities", "environment", "public_order", "other"})
# An agency's inbox lists at most this many tickets.
INBOX_KEPT = 1000
# The queues whose answered calls end in a ticket or a reason (112 calls get an outcome).
WRAPPED_QUEUES = (HOTLINE,)


def new_token() -> str:
    """The ticket's unguessable token (128 bits): its tracking link and Open311 token."""
    return secrets.token_urlsafe(16)


def is_outage(exc: Exception) -> bool:
    """A database failure the spool covers (not a bug)."""
    return isinstance(exc, PHONE_SPOOLED_ON)


def provisional_status(new: NewTicket, calendar: WorkingCalendar) -> TicketStatusView:
    """What a spooled ticket's status will be, from the default catalog (pure)."""
    categories = {c.code: c for c in DEFAULT_CATEGORIES}
    category = categories.get(new.category, categories[FALLBACK_CATEGORY])
    agency = next(a for a in DEFAULT_AGENCIES if a.code == category.agency)
    due = due_at(new.received_at, Tier(category.tier), agency.office_hours, calendar)
    name = agency.name_id if new.language == "id" else agency.name_en
    return TicketStatusView(new.number, "received", agency.code, name, due)


def status_view(record: TicketRecord) -> TicketStatusView:
    return TicketStatusView(record.number, str(record.status), record.agency,
                            record.agency_name(record.language), record.due_at)


def fitted(record: R) -> R:
    """``fit(record)``, with a log line naming (never showing) the fields that were cut."""
    result = fit(record)
    if result is not record:
        log.warning("%s: %s made to fit the database", type(record).__name__,
                    ", ".join(fitted_fields(record, result)))
    return result


class TicketDesk:
    def __init__(self, service: TicketService, numbers: NumberAllocator, spool: Spool,
                 clock: Callable[[], datetime] = utc_now, db_timeout: float = DB_TIMEOUT_S,
                 owns_engine: bool = False, workers: DeskWorkers | None = None,
                 schema_ready: asyncio.Event | None = None) -> None:
        self.service = service
        self.numbers = numbers
        self.spool = spool
        self.clock = clock
        self.db_timeout = db_timeout
        self.owns_engine = owns_engine
        self.workers = workers or DeskWorkers()
        self.flusher = SpoolFlusher(spool, self.workers, self._write_spooled)
        # The catalog admin (catalog_admin.py): the phone menu's categories stay open.
        self.catalog = CatalogAdmin(service.sessions, clock, IVR_CATEGORIES)
        # Set by the composition root's SchemaKeeper once the schema is at head; None: the
        # schema was brought up to date before the desk was made (tests, classic AGI).
        self.schema_ready = schema_ready
        # 112 incidents and queue call records: written behind, a moment's in one
        # transaction (write_behind.py).
        self.incident_writer = WriteBehind[IncidentReport](
            "112 incidents", self._store_incidents, self._spool_all, is_outage)
        self.call_writer = WriteBehind[CallRecord](
            "call records", self._store_calls, self._spool_all, is_outage)
        self._ready = False
        self._down_until = 0.0

    # --- the IVR's port -------------------------------------------------------------------

    async def open_from_call(self, report: CallReport) -> str:
        """Create the ticket of a recorded call; returns its number (digits only)."""
        category = report.category if report.category in IVR_CATEGORIES else FALLBACK_CATEGORY
        new = NewTicket(number=await self.workers.files(self.numbers.next_number),
                        token=new_token(), channel="phone", category=category,
                        received_at=self.clock(), source_ref=report.unique_id or None,
                        caller_number=report.caller_number, language=report.language,
                        recording_path=report.recording_path,
                        description=report.description)
        return await self.submit(fitted(new), actor="ivr", spool_on=PHONE_SPOOLED_ON)

    async def attach_transcript(self, number: str, transcript: str) -> bool:
        """Add a recording's transcript to its ticket; False when the database is away."""
        try:
            await self._db(self.service.add_transcript, number, transcript)
        except DB_DOWN:
            return False
        return True

    async def status_by_number(self, number: str) -> TicketStatusView | None:
        """Status, agency and due time; None for an unknown number or a wrong check digit."""
        number = normalize(number)
        if not is_valid(number):
            return None
        try:
            record = await self._db(self.service.get, number)
        except DB_DOWN:
            record = None
        if record is not None:
            return status_view(record)
        spooled = await self._spooled(number)
        if spooled is not None:
            return provisional_status(spooled, self.service.base_calendar)
        return None

    def record_emergency_call(self, unique_id: str, caller_number: str, service: str,
                              queue: str) -> None:
        """The incident record of a 112 call (once per call id), handed over: it is kept
        with the other calls of the moment (``write_behind``), spooled if need be;
        ``drain`` waits until all handed over are kept."""
        self.incident_writer.put(
            IncidentReport(unique_id, caller_number, service, queue, self.clock()))

    async def _store_incidents(self, reports: list[IncidentReport]) -> int:
        return await self._db(self._record_incidents, reports)

    def _record_incidents(self, reports: list[IncidentReport]) -> int:
        return self.service.record_incidents([fitted(r) for r in reports])

    async def _spool_all(self, records: list[IncidentReport] | list[CallRecord]) -> None:
        await self.workers.files(self._append_all, records)

    def _append_all(self, records: list[IncidentReport] | list[CallRecord]) -> None:
        for record in records:
            self.spool.append(record)

    async def drain(self) -> None:
        """Write the records still waiting for their batch (at shutdown)."""
        await self.incident_writer.drain()
        await self.call_writer.drain()

    async def save_incident(self, report: IncidentReport) -> None:
        """A 112 incident's call facts as they are now (AMI service), spooled if need be."""
        report = fitted(report)
        try:
            await self._db(self.service.save_incident_facts, report)
        except PHONE_SPOOLED_ON as exc:
            log.warning("112 call %s: database unavailable (%s), incident spooled",
                        report.unique_id, exc.__class__.__name__)
            await self.workers.files(self.spool.append, report)

    async def record_call(self, record: CallRecord) -> None:
        """A queue call's record (AMI service), spooled while the database is away; the web
        service's flush writes it once it is back."""
        await self.call_writer.write(record)

    async def _store_calls(self, records: list[CallRecord]) -> int:
        return await self._db(self._record_calls, records)

    def _record_calls(self, records: list[CallRecord]) -> int:
        return self.service.record_calls([fitted(r) for r in records])

    async def record_vhold_step(self, step: VirtualHoldStep) -> None:
        """A 12345 virtual hold's step (AMI service), spooled while the database is away."""
        await self._insert_or_spool(insert_vhold_step, step,
                                    f"virtual hold {step.hold_id} {step.step}")

    async def record_operator_activity(self, activity: OperatorActivity) -> None:
        """An operator's handled call, missed offer or pause (AMI service), spooled while the
        database is away."""
        await self._insert_or_spool(insert_operator_activity, activity,
                                    f"operator {activity.operator} {activity.kind}")

    async def _insert_or_spool(self, insert: Callable[..., object], record: SpoolRecord,
                               what: str) -> None:
        try:
            await self._db(self._in_transaction, insert, record)
        except PHONE_SPOOLED_ON as exc:
            log.warning("%s: database unavailable (%s), spooled", what,
                        exc.__class__.__name__)
            await self.workers.files(self.spool.append, record)

    async def save_call_code(self, call: CallCode) -> bool:
        """The wrap-up code of an answered call (the console), spooled while the database is
        away; True if stored now, False if spooled (it lands once the database is back)."""
        try:
            await self._db(self._in_transaction, save_call_code, call)
        except PHONE_SPOOLED_ON as exc:
            log.warning("wrap-up code of %s: database unavailable (%s), spooled",
                        call.unique_id, exc.__class__.__name__)
            await self.workers.files(self.spool.append, call)
            return False
        return True

    async def prank_calls(self, number: str, days: float) -> int:
        """Calls from ``number`` marked prank in the last ``days`` (since a clearance)."""
        return await self._db(self.service.prank_calls, number,
                              self.clock() - timedelta(days=days))

    async def prank_numbers(self, days: float, at_least: int) -> set[str]:
        """Every number in the prank lane now (``at_least`` pranks in ``days``)."""
        return await self._db(self.service.prank_numbers, self.clock() - timedelta(days=days),
                              at_least)

    # --- other channels and the web edge -----------------------------------------------------

    async def set_incident_outcome(self, unique_id: str, outcome: str,
                                   actor: str) -> IncidentView:
        view = await self._db(self.service.set_incident_outcome, unique_id,
                              checked_outcome(outcome), actor, self.clock())
        if view is None:
            raise NoSuchIncident("no such 112 incident", unique_id=unique_id[:100])
        return view

    async def incident(self, unique_id: str) -> IncidentView | None:
        return await self._db(self.service.incident, unique_id)

    async def incidents(self, start: datetime, end: datetime, caller: str = "",
                        limit: int = 500) -> list[IncidentView]:
        return await self._db(self.service.incidents, start, end, caller, limit)

    async def outcome_counts(self, start: datetime, end: datetime) -> dict[str, int]:
        return await self._db(self.service.outcome_counts, start, end)

    async def clear_pranks(self, number: str, actor: str) -> None:
        await self._db(self.service.clear_pranks, number, actor, self.clock())

    async def reopen_by_citizen(self, token: str, reason: str, days: float) -> TicketRecord:
        """The citizen's reopening of a resolved ticket from its tracking page: back to its
        agency, in progress, with the reason in the history (internal: it is the citizen's
        own words) and a public note that it was reopened."""
        record = await self.ticket_by_token(token, with_history=True)
        if record is None:
            raise NoSuchTicket("no such ticket")
        refusal = reopen_refusal(record, self.clock(), days)
        if refusal:
            raise CannotReopen(refusal)
        words = tracking_texts(record.language)
        return await self.change_status(record.number, "in_progress", "citizen",
                                        f"reopened by the citizen: {checked_reason(reason)}",
                                        public_note=words["reopened"])

    # --- the console's ticket desk (wrapups.py) ------------------------------------------------

    async def open_at_desk(self, form: DeskForm, operator: str) -> str:
        """The ticket of the call the operator answered; returns its number. Spooled (never
        lost) when the database is away, like a phone ticket: the caller has heard the number.
        The same call sent again returns the ticket it made."""
        new = desk_ticket(form, await self.workers.files(self.numbers.next_number),
                          new_token(), operator, self.clock())
        return await self.submit(new, actor=f"web:{operator}", spool_on=PHONE_SPOOLED_ON)

    async def wrap_up(self, unique_id: str, operator: str, reason: str, queue: str = "",
                      caller_number: str = "") -> WrapUp:
        """The operator's reason why an answered call made no ticket."""
        return await self._db(self.service.wrap_up, WrapUp(
            checked_unique_id(unique_id), operator, self.clock(), queue, caller_number,
            reason=reason))

    async def unwrapped_calls(self, operator: str, hours: float) -> list[dict[str, object]]:
        """Answered hotline calls of the last ``hours`` (of ``operator``, or everyone's when
        empty) that still have neither a ticket nor a reason."""
        return await self._db(self.service.unwrapped_calls,
                              self.clock() - timedelta(hours=hours), operator, WRAPPED_QUEUES)

    async def submit(self, new: NewTicket, actor: str,
                     spool_on: tuple[type[BaseException], ...] = DB_DOWN) -> str:
        """Store a ticket (or spool it); returns its number. Domain errors propagate."""
        check_ticket(new)
        if not new.number:
            new = replace(new, number=await self.workers.files(self.numbers.next_number))
        try:
            record = await self._db(self.service.open_ticket, new, actor)
        except spool_on as exc:
            log.warning("ticket %s: database unavailable (%s), spooled", new.number,
                        exc.__class__.__name__)
            await self.workers.files(self.spool.append, new)
            return new.number
        return record.number

    async def ticket(self, number: str) -> TicketRecord | None:
        number = normalize(number)
        return await self._db(self.service.get, number, True) if is_valid(number) else None

    async def ticket_by_token(self, token: str, with_history: bool = False
                              ) -> TicketRecord | None:
        return await self._db(self.service.by_token, token, with_history)

    async def stop_notices(self, token: str) -> TicketRecord | None:
        return await self._db(self.service.stop_notices, token)

    async def find(self, query: TicketQuery) -> list[TicketRecord]:
        return await self._db(self.service.find, query)

    async def by_caller(self, caller_number: str) -> list[TicketRecord]:
        """The caller's latest tickets, newest first (none for an unknown number)."""
        if not caller_number:
            return []
        return await self._db(self.service.by_caller, caller_number, EARLIER_KEPT)

    async def counts_by_status(self) -> dict[str, int]:
        return await self._db(self.service.counts_by_status)

    async def change_status(self, number: str, status: str, actor: str, note: str,
                            public_note: str = "") -> TicketRecord:
        """Move the ticket on, with an internal history note and an optional public one (the
        one Open311 shows); ticket errors propagate."""
        target = parse_status(status)
        if target is Status.RECEIVED:  # only an agency's hand-back goes back there
            raise InvalidTransition("a ticket goes back to received only when its agency "
                                    "hands it back", target=str(target))
        record = await self.ticket(number)
        if record is None:
            raise NoSuchTicket(f"no ticket {number}", number=number)
        return await self._db(self.service.change_status, record.number, target, actor, note,
                              None, public_note)

    # --- agencies' inboxes (inbox.py) ---------------------------------------------------------

    async def agency_tickets(self, agencies: tuple[str, ...],
                             finished_days: float = 7) -> list[TicketRecord]:
        return await self._db(self.service.agency_tickets, agencies,
                              self.clock() - timedelta(days=finished_days), INBOX_KEPT)

    async def add_note(self, number: str, actor: str, note: str,
                       public: bool) -> TicketRecord:
        return await self._db(self.service.add_note, await self._number(number), actor,
                              note, public)

    async def hand_back(self, number: str, actor: str, reason: str,
                        default_agency: str) -> TicketRecord:
        return await self._db(self.service.hand_back, await self._number(number), actor,
                              reason, default_agency)

    async def assign(self, number: str, agency: str, actor: str, note: str) -> TicketRecord:
        return await self._db(self.service.assign, await self._number(number), agency,
                              actor, note)

    async def handed_back(self) -> list[TicketRecord]:
        """Tickets handed back by their agency, waiting for the hotline to route them on."""
        return await self._db(self.service.handed_back, INBOX_KEPT)

    async def agency_codes(self) -> set[str]:
        return await self._db(self.service.agency_codes)

    async def _number(self, number: str) -> str:
        record = await self.ticket(number)
        if record is None:
            raise NoSuchTicket(f"no ticket {number}", number=number[:40])
        return record.number

    async def escalation_report(self, window: timedelta) -> EscalationReport:
        return await self._db(self.service.escalation_report, window)

    async def ticket_facts(self, start: datetime, end: datetime) -> list[TicketFact]:
        """What the reports count of tickets created, resolved or due in ``[start, end)``."""
        return await self._db(self.service.ticket_facts, start, end)

    async def score_facts(self, start: datetime, end: datetime
                          ) -> tuple[list[tuple[str, str]], list[ScoreFact]]:
        """The agencies, and what the scorecard counts of ``[start, end)``."""
        return await self._db(self.service.score_facts, start, end)

    async def desk_categories(self) -> list[dict[str, str]]:
        return await self._db(self.service.desk_categories)

    async def categories(self) -> list[CategoryRecord]:
        return await self._db(self.service.categories)

    # --- the catalog admin and the wall screen (catalog_admin.py, tallies.py) ---------------

    async def on_database(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn`` (e.g. a ``self.catalog`` method) on the database threads, with the
        desk's time-out and its pause after a failure."""
        return await self._db(fn, *args)

    async def in_transaction(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(session, *args)`` in one transaction on the database threads (the desk's
        time-out and pause after a failure): for modules whose rows are their own, such as
        ``satisfaction.store``."""
        return await self._db(self._in_transaction, fn, *args)

    def _in_transaction(self, fn: Callable[..., T], *args: object) -> T:
        with self.service.sessions.begin() as session:
            return fn(session, *args)

    async def rate(self, rating: Rating) -> bool:
        """A citizen's satisfaction rating (the follow-up call, the tracking page), spooled
        while the database is away; True if kept now (spooled counts as kept)."""
        try:
            return await self._db(self._rate, rating)
        except PHONE_SPOOLED_ON as exc:
            log.warning("rating of ticket %s: database unavailable (%s), spooled",
                        rating.number, exc.__class__.__name__)
            await self.workers.files(self.spool.append, rating)
            return True

    def _rate(self, rating: Rating) -> bool:
        with self.service.sessions.begin() as session:
            return surveys.rate(session, rating)

    async def wallscreen(self) -> dict[str, Any]:
        """Today's and this month's ticket figures (``reports.wallscreen``)."""
        return await self._db(self._wallscreen, self.clock())

    def _wallscreen(self, now: datetime) -> dict[str, Any]:
        with self.service.sessions.begin() as session:
            return wallscreen_figures(session, now, self.service.base_calendar.timezone)

    async def api_client(self, key: str) -> str | None:
        return await self._db(self.service.api_client, key)

    async def escalate(self, window: timedelta, hotline_email: str = "") -> list[str]:
        """Flag overdue and due-soon tickets; overdue ones queue e-mail (``service``)."""
        return await self._db(self.service.escalate, window, None, hotline_email)

    # --- the database and the spool -----------------------------------------------------------

    async def prepare(self) -> bool:
        """Move the number counter past the database's; False while the database (or its
        schema) is not there yet."""
        if not self.schema_is_ready():
            return False
        try:
            await self.workers.database(self.db_timeout * 4, self._prepare)
        except DB_DOWN as exc:
            log.warning("tickets: database unavailable (%s)", exc.__class__.__name__)
            return False
        return True

    def _prepare(self) -> None:
        highest = self.service.highest_counter(self.numbers.prefix)
        if highest is not None:
            self.numbers.advance_to(highest)
        self._ready = True

    async def flush_spool(self) -> int:
        """Write spooled tickets, incidents and call records to the database; returns how many
        were written.

        Each is written at most once: tickets are idempotent by number, incidents by call id,
        call records by call, queue and join.
        A record the database will never take is set aside (``flusher``); the others wait.
        """
        if not self._ready and not await self.prepare():
            return 0
        flushed = await self.flusher.flush(self.db_timeout)
        if not flushed.database_down:
            self._down_until = 0.0
        if flushed.written:
            log.info("tickets: %d spooled records written to the database", flushed.written)
        return flushed.written

    def _write_spooled(self, record: SpoolRecord) -> None:
        """One spooled record into the database, made to fit (spooled by an older version)."""
        if isinstance(record, CallRecord):
            self.service.record_call(fitted(record))
            return
        if isinstance(record, Rating):
            self._rate(record)
            return
        if isinstance(record, VirtualHoldStep):
            self._in_transaction(insert_vhold_step, record)
            return
        if isinstance(record, OperatorActivity):
            self._in_transaction(insert_operator_activity, record)
            return
        if isinstance(record, CallCode):
            self._in_transaction(save_call_code, record)
            return
        if isinstance(record, IncidentReport):
            if record.joins:  # the AMI service's facts: the latest spooled wins
                self.service.save_incident_facts(fitted(record))
            else:
                self.service.record_incident(fitted(record))
            return
        ticket, actor = fitted(record), f"spool:{record.channel}"
        try:
            self.service.open_ticket(ticket, actor=actor)
        except UnknownCategory:  # removed while the ticket waited; a person will route it
            self.service.open_ticket(replace(ticket, category=FALLBACK_CATEGORY), actor=actor)

    async def keep_flushing(self, interval: float = FLUSH_INTERVAL_S) -> None:
        """Background task: flush the spool every ``interval`` seconds, forever.

        No error ends it: a failed flush is logged and tried again later, backing off.
        """
        delay = interval
        while True:
            try:
                await self.flush_spool()
            except Exception:
                delay = next_flush_delay(delay, True, interval)
                log.exception("tickets: spool flush failed, next try in %.0f s", delay)
            else:
                delay = next_flush_delay(delay, False, interval)
            await asyncio.sleep(delay)

    async def _spooled(self, number: str) -> NewTicket | None:
        records = await self.workers.files(self.spool.records)
        return next((r for r in records if isinstance(r, NewTicket) and r.number == number),
                    None)

    def schema_is_ready(self) -> bool:
        return self.schema_ready is None or self.schema_ready.is_set()

    async def _db(self, fn: Callable[..., T], *args: object) -> T:
        if not self.schema_is_ready():  # not a failure: work resumes the moment it is set
            raise StoreUnavailable("the database schema is not up to date yet")
        if time.monotonic() < self._down_until:
            raise StoreUnavailable("the database was unavailable moments ago")
        if not self._ready and not await self.prepare():
            self._down_until = time.monotonic() + RETRY_AFTER_S
            raise StoreUnavailable("the database is not ready yet")
        try:
            return await self.workers.database(self.db_timeout, fn, *args)
        except DB_DOWN:
            self._down_until = time.monotonic() + RETRY_AFTER_S
            raise

    def close(self) -> None:
        """Stop the desk's threads; dispose of the engine if the desk made it."""
        self.workers.close()
        if self.owns_engine:
            self.service.engine.dispose()


def build_ticket_desk(settings: Settings, engine: Engine | None = None,
                      schema_ready: asyncio.Event | None = None) -> TicketDesk:
    """The desk from the settings; makes its own engine unless one is given (then not owned).

    ``schema_ready``: the desk waits for it before its first database work (see
    ``TicketDesk.schema_ready``)."""
    opens, closes = parse_office_hours(settings.office_hours)
    calendar = WorkingCalendar(timezone=settings.ticket_timezone, opens=opens, closes=closes)
    folder = settings.data_dir / "tickets"
    service = TicketService(engine or make_engine(settings.effective_database_url), calendar)
    return TicketDesk(service, NumberAllocator(folder, settings.ticket_number_prefix),
                      Spool(folder), owns_engine=engine is None, schema_ready=schema_ready)
