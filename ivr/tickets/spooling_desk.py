"""The classic-AGI launcher's ticket desk: a 112 incident goes straight to the spool.

Asterisk starts one process per call for classic AGI. Importing SQLAlchemy and checking the
database in each of them cost ~0.9 s of CPU per call (bench/README.md); a 112 call only needs
its incident kept, and the spool keeps it durably (fsync'd, exactly once) in a few
milliseconds. The services' flush (``TicketDesk.keep_flushing``, every
``FLUSH_INTERVAL_S``) writes it to the database, as it does for any spooled incident. What
needs the database (a 12345 ticket, a status, a rating) goes to a full ``TicketDesk`` made
the first time one is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from ..aio import on_a_loop
from ..clock import day_now
from ..config import Settings
from ..flows.ports import CallReport, TicketStatusView
from .records import IncidentReport, Rating
from .spool import Spool

# ``ivr.tickets.desk.TicketDesk``; imported when first needed (it brings SQLAlchemy along).
FullDesk = Callable[[], "TicketDeskLike"]


class TicketDeskLike(Protocol):
    """The part of ``TicketDesk`` this desk hands on."""

    async def open_from_call(self, report: CallReport) -> str: ...

    async def status_by_number(self, number: str) -> TicketStatusView | None: ...

    async def attach_transcript(self, number: str, transcript: str) -> bool: ...

    async def rate(self, rating: Rating) -> bool: ...

    def close(self) -> None: ...


class SpoolingDesk:
    def __init__(self, spool: Spool, full_desk: FullDesk,
                 clock: Callable[[], datetime] = day_now) -> None:
        self.spool, self._make_full, self.clock = spool, full_desk, clock
        self._full: TicketDeskLike | None = None

    def record_emergency_call(self, unique_id: str, caller_number: str, service: str,
                              queue: str) -> None:
        """The 112 incident into the spool (the services' flush writes it to the database);
        a blocking append: the launcher's process serves this one call, nothing else waits."""
        self.spool.append(IncidentReport(unique_id, caller_number, service, queue, self.clock()))

    def full(self) -> TicketDeskLike:
        if self._full is None:
            self._full = self._make_full()
        return self._full

    async def open_from_call(self, report: CallReport) -> str:
        return await on_a_loop(self.full().open_from_call(report))

    async def status_by_number(self, number: str) -> TicketStatusView | None:
        return await on_a_loop(self.full().status_by_number(number))

    async def attach_transcript(self, number: str, transcript: str) -> bool:
        return await on_a_loop(self.full().attach_transcript(number, transcript))

    async def rate(self, rating: Rating) -> bool:
        return await on_a_loop(self.full().rate(rating))

    def close(self) -> None:
        if self._full is not None:
            self._full.close()


def spooling_desk(settings: Settings) -> SpoolingDesk:
    """The classic launcher's desk: the spool of ``<data>/tickets``, a full desk on demand."""

    def full_desk() -> TicketDeskLike:
        from .desk import build_ticket_desk

        return build_ticket_desk(settings)

    return SpoolingDesk(Spool(settings.data_dir / "tickets"), full_desk)
