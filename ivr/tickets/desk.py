"""The ticket desk: the async face of the tickets package for the IVR and the web edge.

The IVR calls ``open_from_call``, ``status_by_number`` and ``record_emergency_call`` (the
``TicketDeskPort`` of ``ivr.flows.ports``). Database work runs in worker threads, never on the
event loop. Nothing is lost: the number comes from the local allocator, not the database, and
when the database does not answer the ticket (or 112 incident) goes to the local spool, which
``flush_spool`` writes back exactly once when the database returns.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from ..config import Settings
from ..db import make_engine
from ..flows.ports import CallReport, TicketStatusView
from .allocator import NumberAllocator
from .catalog import DEFAULT_AGENCIES, DEFAULT_CATEGORIES, FALLBACK_CATEGORY
from .deadlines import Tier, WorkingCalendar, due_at, parse_office_hours
from .errors import InvalidRequest, StoreUnavailable, UnknownCategory
from .migrate import migrate_engine
from .models import DESCRIPTION_MAX
from .numbers import is_valid, normalize
from .records import CategoryRecord, IncidentReport, NewTicket, TicketQuery, TicketRecord
from .service import TicketService, utc_now
from .spool import Spool, SpoolRecord

__all__ = ["CallReport", "TicketDesk", "TicketStatusView", "build_ticket_desk"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long one database step may take before the caller's ticket goes to the spool instead.
DB_TIMEOUT_S = 5.0
# After a failure, go straight to the spool for this long (callers do not wait on a dead server).
RETRY_AFTER_S = 10.0
DB_DOWN = (OperationalError, InterfaceError, DisconnectionError, TimeoutError, StoreUnavailable)
IVR_CATEGORIES = frozenset({"roads", "utilities", "environment", "public_order", "other"})


def new_token() -> str:
    return secrets.token_hex(8)


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


class TicketDesk:
    def __init__(self, service: TicketService, numbers: NumberAllocator, spool: Spool,
                 clock: Callable[[], datetime] = utc_now, db_timeout: float = DB_TIMEOUT_S,
                 owns_engine: bool = False) -> None:
        self.service = service
        self.numbers = numbers
        self.spool = spool
        self.clock = clock
        self.db_timeout = db_timeout
        self.owns_engine = owns_engine
        self._ready = False
        self._down_until = 0.0

    # --- the IVR's port -------------------------------------------------------------------

    async def open_from_call(self, report: CallReport) -> str:
        """Create the ticket of a recorded call; returns its number (digits only)."""
        category = report.category if report.category in IVR_CATEGORIES else FALLBACK_CATEGORY
        new = NewTicket(number=await asyncio.to_thread(self.numbers.next_number),
                        token=new_token(), channel="phone", category=category,
                        received_at=self.clock(), source_ref=report.unique_id or None,
                        caller_number=report.caller_number, language=report.language,
                        recording_path=report.recording_path,
                        description=report.description)
        return await self.submit(new, actor="ivr")

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

    async def record_emergency_call(self, unique_id: str, caller_number: str, service: str,
                                    queue: str) -> None:
        """The incident record of a 112 call (once per call id), spooled if need be."""
        report = IncidentReport(unique_id, caller_number, service, queue, self.clock())
        try:
            await self._db(self.service.record_incident, report)
        except DB_DOWN as exc:
            log.warning("112 call %s: database unavailable (%s), incident spooled",
                        unique_id, exc.__class__.__name__)
            await asyncio.to_thread(self.spool.append, report)

    # --- other channels and the web edge -----------------------------------------------------

    async def submit(self, new: NewTicket, actor: str) -> str:
        """Store a ticket (or spool it); returns its number. Domain errors propagate."""
        if len(new.description) > DESCRIPTION_MAX:
            raise InvalidRequest(f"description is longer than {DESCRIPTION_MAX} characters",
                                 length=len(new.description))
        if not new.number:
            new = replace(new, number=await asyncio.to_thread(self.numbers.next_number))
        try:
            record = await self._db(self.service.open_ticket, new, actor)
        except DB_DOWN as exc:
            log.warning("ticket %s: database unavailable (%s), spooled", new.number,
                        exc.__class__.__name__)
            await asyncio.to_thread(self.spool.append, new)
            return new.number
        return record.number

    async def ticket(self, number: str) -> TicketRecord | None:
        number = normalize(number)
        return await self._db(self.service.get, number, True) if is_valid(number) else None

    async def ticket_by_token(self, token: str) -> TicketRecord | None:
        return await self._db(self.service.by_token, token)

    async def find(self, query: TicketQuery) -> list[TicketRecord]:
        return await self._db(self.service.find, query)

    async def categories(self) -> list[CategoryRecord]:
        return await self._db(self.service.categories)

    async def api_client(self, key: str) -> str | None:
        return await self._db(self.service.api_client, key)

    async def escalate(self, window: timedelta) -> list[str]:
        return await self._db(self.service.escalate, window)

    # --- the database and the spool -----------------------------------------------------------

    async def prepare(self) -> bool:
        """Migrate the schema, move the number counter past the database's; False if down."""
        try:
            await asyncio.wait_for(asyncio.to_thread(self._prepare), self.db_timeout * 4)
        except DB_DOWN as exc:
            log.warning("tickets: database unavailable (%s)", exc.__class__.__name__)
            return False
        return True

    def _prepare(self) -> None:
        migrate_engine(self.service.engine)
        highest = self.service.highest_counter(self.numbers.prefix)
        if highest is not None:
            self.numbers.advance_to(highest)
        self._ready = True

    async def flush_spool(self) -> int:
        """Write spooled tickets and incidents to the database; returns how many were written.

        Each is written at most once: tickets are idempotent by number, incidents by call id.
        """
        if not self._ready and not await self.prepare():
            return 0
        try:
            written = await asyncio.to_thread(self.spool.drain, self._write_spooled)
        except DB_DOWN as exc:
            log.warning("tickets: spool flush stopped, database unavailable (%s)",
                        exc.__class__.__name__)
            return 0
        self._down_until = 0.0
        if written:
            log.info("tickets: %d spooled records written to the database", written)
        return written

    def _write_spooled(self, record: SpoolRecord) -> None:
        if isinstance(record, IncidentReport):
            self.service.record_incident(record)
            return
        try:
            self.service.open_ticket(record, actor=f"spool:{record.channel}")
        except UnknownCategory:  # removed while the ticket waited; a person will route it
            self.service.open_ticket(replace(record, category=FALLBACK_CATEGORY),
                                     actor=f"spool:{record.channel}")

    async def keep_flushing(self, interval: float = 30.0) -> None:
        """Background task: flush the spool every ``interval`` seconds, forever."""
        while True:
            await self.flush_spool()
            await asyncio.sleep(interval)

    async def _spooled(self, number: str) -> NewTicket | None:
        records = await asyncio.to_thread(self.spool.records)
        return next((r for r in records if isinstance(r, NewTicket) and r.number == number),
                    None)

    async def _db(self, fn: Callable[..., T], *args: object) -> T:
        if time.monotonic() < self._down_until:
            raise StoreUnavailable("the database was unavailable moments ago")
        try:
            if not self._ready:
                await asyncio.wait_for(asyncio.to_thread(self._prepare), self.db_timeout * 4)
            return await asyncio.wait_for(asyncio.to_thread(fn, *args), self.db_timeout)
        except DB_DOWN:
            self._down_until = time.monotonic() + RETRY_AFTER_S
            raise

    def close(self) -> None:
        if self.owns_engine:
            self.service.engine.dispose()


def build_ticket_desk(settings: Settings, engine: Engine | None = None) -> TicketDesk:
    """The desk from the settings; makes its own engine unless one is given (then not owned)."""
    opens, closes = parse_office_hours(settings.office_hours)
    calendar = WorkingCalendar(timezone=settings.ticket_timezone, opens=opens, closes=closes)
    folder = settings.data_dir / "tickets"
    service = TicketService(engine or make_engine(settings.effective_database_url), calendar)
    return TicketDesk(service, NumberAllocator(folder, settings.ticket_number_prefix),
                      Spool(folder), owns_engine=engine is None)

