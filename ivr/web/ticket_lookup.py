"""Ticket reads and changes the web pages need beyond ``TicketDesk``'s own methods.

``TicketQuery`` has no caller-number filter and the desk no status counts or status change,
so these go to the tickets package's service and ORM models directly, in worker threads.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from ..tickets import storage
from ..tickets.desk import TicketDesk
from ..tickets.models import Ticket
from ..tickets.records import TicketRecord
from ..tickets.status import parse_status

EARLIER_KEPT = 20
DB_TIMEOUT_S = 5.0


def ticket_json(record: TicketRecord) -> dict[str, Any]:
    return {
        "number": record.number, "status": str(record.status), "category": record.category,
        "category_name": record.category_name, "agency": record.agency,
        "caller_number": record.caller_number, "language": record.language,
        "description": record.description, "address": record.address,
        "created_at": record.created_at.isoformat(), "due_at": record.due_at.isoformat(),
        "history": [{"at": h.at.isoformat(), "actor": h.actor, "from": h.from_status,
                     "to": h.to_status, "note": h.note} for h in record.history],
    }


class TicketLookup:
    def __init__(self, desk: TicketDesk) -> None:
        self.desk = desk
        self.sessions = sessionmaker(desk.service.engine)

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.wait_for(asyncio.to_thread(fn, *args), DB_TIMEOUT_S)

    def _by_caller(self, caller_number: str) -> list[TicketRecord]:
        stmt = (select(Ticket).where(Ticket.caller_number == caller_number)
                .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(EARLIER_KEPT))
        with self.sessions.begin() as session:
            return [storage.to_record(t) for t in session.scalars(stmt).unique()]

    async def by_caller(self, caller_number: str) -> list[TicketRecord]:
        """The caller's latest tickets, newest first (none for an unknown number)."""
        return await self._run(self._by_caller, caller_number) if caller_number else []

    def _counts(self) -> dict[str, int]:
        stmt = select(Ticket.status, func.count()).group_by(Ticket.status)
        with self.sessions.begin() as session:
            return {str(status): int(n) for status, n in session.execute(stmt)}

    async def counts_by_status(self) -> dict[str, int]:
        return await self._run(self._counts)

    async def change_status(self, number: str, status: str, actor: str, note: str
                            ) -> TicketRecord:
        """Move the ticket on (with a history note); ticket errors propagate."""
        record = await self.desk.ticket(number)
        target = parse_status(status)
        if record is None:
            from ..tickets.errors import NoSuchTicket
            raise NoSuchTicket(f"no ticket {number}", number=number)
        return await self._run(self.desk.service.change_status, record.number, target, actor,
                               note)
