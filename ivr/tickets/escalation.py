"""Overdue and due-soon flags and the escalation report; pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .deadlines import is_due_soon, is_overdue
from .records import TicketRecord
from .status import FINISHED


@dataclass(frozen=True)
class AgencyLine:
    agency: str
    agency_name: str
    overdue: tuple[str, ...]  # ticket numbers, most overdue first
    due_soon: tuple[str, ...]


@dataclass(frozen=True)
class EscalationReport:
    generated_at: datetime
    window: timedelta
    agencies: tuple[AgencyLine, ...]

    @property
    def overdue_count(self) -> int:
        return sum(len(line.overdue) for line in self.agencies)

    @property
    def due_soon_count(self) -> int:
        return sum(len(line.due_soon) for line in self.agencies)


def flag(ticket: TicketRecord, now: datetime, window: timedelta) -> str | None:
    """"overdue", "due_soon" or None for a ticket at ``now``."""
    if ticket.status in FINISHED:
        return None
    if is_overdue(ticket.due_at, now):
        return "overdue"
    if is_due_soon(ticket.due_at, now, window):
        return "due_soon"
    return None


def build_report(tickets: Iterable[TicketRecord], now: datetime,
                 window: timedelta) -> EscalationReport:
    """Per agency (by code), the overdue and due-soon ticket numbers, earliest due first."""
    by_agency: dict[str, tuple[str, list[TicketRecord], list[TicketRecord]]] = {}
    for ticket in sorted(tickets, key=lambda t: (t.due_at, t.number)):
        state = flag(ticket, now, window)
        if state is None:
            continue
        _, overdue, soon = by_agency.setdefault(ticket.agency,
                                                (ticket.agency_name_en, [], []))
        (overdue if state == "overdue" else soon).append(ticket)
    lines = tuple(AgencyLine(code, name, tuple(t.number for t in overdue),
                             tuple(t.number for t in soon))
                  for code, (name, overdue, soon) in sorted(by_agency.items()))
    return EscalationReport(now, window, lines)
