"""What the reports count of tickets (``reports.tickets.TicketFact``), read from the ticket
tables; the desk's ``ticket_facts`` runs it, so the reports never touch the tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..reports.scorecard import ScoreFact
from ..reports.tickets import TicketFact
from .models import Agency, StatusChange, Ticket, TicketSurvey
from .status import FINISHED, Status

_RESOLVED = frozenset({Status.RESOLVED, Status.CLOSED})


def ticket_facts(session: Session, start: datetime, end: datetime) -> list[TicketFact]:
    """Tickets created, resolved or due in ``[start, end)``."""
    tickets = list(session.scalars(
        select(Ticket).where(Ticket.created_at < end)
        .where(or_(Ticket.created_at >= start, Ticket.updated_at >= start,
                   Ticket.due_at >= start))).unique())
    last_resolve, last_finish = _finishes(session, [t.id for t in tickets])
    return [_fact(t, last_resolve.get(t.id), last_finish.get(t.id)) for t in tickets]


def _finishes(session: Session, ids: list[int]
              ) -> tuple[dict[int, datetime], dict[int, datetime]]:
    """(last resolution, last finish) time of each of the tickets ``ids`` that has one."""
    changes = session.execute(
        select(StatusChange.ticket_id, StatusChange.to_status, StatusChange.at)
        .where(StatusChange.ticket_id.in_(ids))
        .where(StatusChange.to_status.in_([str(s) for s in FINISHED]))
        .order_by(StatusChange.at, StatusChange.id)).all() if ids else []
    last_finish: dict[int, datetime] = {}
    last_resolve: dict[int, datetime] = {}
    for ticket_id, to_status, at in changes:
        last_finish[ticket_id] = at
        if to_status == Status.RESOLVED:
            last_resolve[ticket_id] = at
    return last_resolve, last_finish


def _fact(ticket: Ticket, resolved: datetime | None, finished: datetime | None) -> TicketFact:
    status = Status(ticket.status)
    return TicketFact(
        number=ticket.number, category=ticket.category_code,
        category_name=ticket.category.name, agency=ticket.agency_code,
        agency_name=ticket.agency.name_en, created_at=ticket.created_at, due_at=ticket.due_at,
        resolved_at=resolved if status in _RESOLVED else None,
        finished_at=finished if status in FINISHED else None)


_NO_WORK = frozenset({Status.REJECTED, Status.DUPLICATE})


def score_facts(session: Session, start: datetime, end: datetime
                ) -> tuple[list[tuple[str, str]], list[ScoreFact]]:
    """The active agencies (code, name), and the tickets due, accepted, resolved or rated in
    ``[start, end)``: the ones whose scorecard questions may be decided then."""
    agencies = [(code, name) for code, name in session.execute(
        select(Agency.code, Agency.name_en).where(Agency.active).order_by(Agency.code))]
    rows = session.execute(
        select(Ticket, TicketSurvey.rating, TicketSurvey.rated_at)
        .outerjoin(TicketSurvey, TicketSurvey.ticket_number == Ticket.number)
        .where(or_(*(and_(moment >= start, moment < end)
                     for moment in (Ticket.due_at, Ticket.accepted_at, Ticket.resolved_at,
                                    TicketSurvey.rated_at))))).unique()
    return agencies, [ScoreFact(
        number=t.number, agency=t.agency_code, agency_name=t.agency.name_en, due_at=t.due_at,
        accepted_at=t.accepted_at,
        resolved_at=t.resolved_at if Status(t.status) in _RESOLVED else None,
        counted=Status(t.status) not in _NO_WORK, rating=rating, rated_at=rated_at)
        for t, rating, rated_at in rows]
