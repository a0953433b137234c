"""What the public performance page counts of tickets (``reports.public``), read from the
ticket tables: one GROUP BY of the month's tickets by category, district and status, and
the agency and two times of each ticket resolved in the month. No column that says who
reported what (number, name, address, description) is ever selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ..reports.public import Received, Resolution
from .models import Agency, Ticket
from .status import Status
from .tallies import names
from .tracking import texts

_RESOLVED = (str(Status.RESOLVED), str(Status.CLOSED))
# Every status, in the order of a ticket's life, with the words the tracking page uses.
STATUS_NAMES: tuple[tuple[str, str], ...] = tuple((str(s), texts("en")[str(s)])
                                                   for s in Status)


@dataclass(frozen=True)
class PublicTickets:
    received: list[Received]
    resolutions: list[Resolution]
    categories: dict[str, str]
    districts: dict[str, str]


def received_between(session: Session, start: datetime, end: datetime) -> list[Received]:
    stmt = (select(Ticket.category_code, Ticket.district, Ticket.status, func.count())
            .where(Ticket.created_at >= start, Ticket.created_at < end)
            .group_by(Ticket.category_code, Ticket.district, Ticket.status))
    return [Received(c, d or "", s, int(n)) for c, d, s, n in session.execute(stmt)]


def resolved_between(session: Session, start: datetime, end: datetime) -> list[Resolution]:
    """Tickets resolved (and still resolved or closed) in ``[start, end)``."""
    stmt = (select(Ticket.agency_code, Agency.name_en, Ticket.created_at, Ticket.resolved_at)
            .join(Agency, Agency.code == Ticket.agency_code)
            .where(Ticket.resolved_at >= start, Ticket.resolved_at < end)
            .where(Ticket.status.in_(_RESOLVED)))
    return [Resolution(code, name, created, resolved)
            for code, name, created, resolved in session.execute(stmt)
            if resolved is not None]  # the WHERE says so; the type does not


def public_tickets(sessions: sessionmaker[Session], start: datetime, end: datetime
                   ) -> PublicTickets:
    """The month ``[start, end)``'s ticket figures (blocking: the desk's ``on_database``)."""
    with sessions.begin() as session:
        known = names(session)
        return PublicTickets(received_between(session, start, end),
                             resolved_between(session, start, end),
                             dict(known.categories), dict(known.districts))
