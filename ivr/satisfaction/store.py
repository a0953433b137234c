"""The follow-up's rows (``ticket_surveys``); every function takes a Session.

A resolved phone ticket is *due* for a follow-up call when it has no row yet, or a row still
``calling`` that no call job holds (the AMI service restarted, or the calling hours closed on
the job): ``due`` leaves out the numbers given as busy. A ticket is asked once: ``answered``,
``sms``, ``unreached`` and ``rated`` are never due again.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..tickets.models import Ticket, TicketSurvey
from ..tickets.records import Rating
from ..tickets.status import Status
from .rules import RATINGS

CALLING, ANSWERED, SMS_SENT, UNREACHED, RATED = "calling", "answered", "sms", "unreached", "rated"
STATES = (CALLING, ANSWERED, SMS_SENT, UNREACHED, RATED)
PHONE = "phone"


@dataclass(frozen=True)
class SurveyDue:
    """A ticket whose citizen is to be called (no ORM object leaves the session)."""

    number: str
    caller_number: str
    language: str
    token: str


@dataclass(frozen=True)
class SurveyView:
    state: str
    rating: int | None
    rated_by: str
    rated_at: datetime | None
    comment: bool


def due(session: Session, resolved_after: datetime, resolved_before: datetime,
        busy: Collection[str], limit: int) -> list[SurveyDue]:
    """Resolved phone tickets in ``[resolved_after, resolved_before)`` with no follow-up or a
    follow-up still ``calling``, oldest resolution first, none to a ``busy`` number, one per
    number."""
    if limit <= 0:
        return []
    rows = session.execute(
        select(Ticket.number, Ticket.caller_number, Ticket.language, Ticket.token)
        .outerjoin(TicketSurvey, TicketSurvey.ticket_number == Ticket.number)
        .where(Ticket.channel == PHONE, Ticket.caller_number != "",
               Ticket.status.in_((Status.RESOLVED.value, Status.CLOSED.value)),
               Ticket.resolved_at >= resolved_after, Ticket.resolved_at < resolved_before,
               or_(TicketSurvey.state.is_(None), TicketSurvey.state == CALLING))
        .order_by(Ticket.resolved_at, Ticket.id)).all()
    found: dict[str, SurveyDue] = {}
    for number, caller, language, token in rows:
        if caller not in busy and caller not in found:
            found[caller] = SurveyDue(number, caller, language, token)
        if len(found) >= limit:
            break
    return list(found.values())


def mark(session: Session, number: str, state: str, at: datetime) -> bool:
    """Move ``number``'s follow-up to ``state`` (made if new); a rated one stays rated.
    False if the ticket does not exist or is already rated."""
    if state not in STATES:
        raise ValueError(f"unknown follow-up state {state!r}")
    row = session.get(TicketSurvey, number)
    if row is None:
        if session.scalar(select(Ticket.id).where(Ticket.number == number)) is None:
            return False
        session.add(TicketSurvey(ticket_number=number, state=state, updated_at=at,
                                 rated_by=""))
        return True
    if row.state == RATED:
        return False
    row.state, row.updated_at = state, at
    return True


def rate(session: Session, rating: Rating) -> bool:
    """Keep the citizen's rating; the first one of a ticket stands (a spooled rating offered
    twice, or a web rating after a call's, changes nothing). False if not kept."""
    if rating.rating not in RATINGS:
        raise ValueError(f"a rating is 1 to 5, not {rating.rating!r}")
    row = session.get(TicketSurvey, rating.number)
    if row is not None and row.state == RATED:
        return False
    if row is None:
        if session.scalar(select(Ticket.id).where(Ticket.number == rating.number)) is None:
            return False
        row = TicketSurvey(ticket_number=rating.number)
        session.add(row)
    row.state, row.updated_at = RATED, rating.rated_at
    row.rating, row.rated_by, row.rated_at = rating.rating, rating.rated_by, rating.rated_at
    row.comment_path = rating.comment_path
    return True


def view(session: Session, number: str) -> SurveyView | None:
    row = session.get(TicketSurvey, number)
    if row is None:
        return None
    return SurveyView(row.state, row.rating, row.rated_by, row.rated_at,
                      bool(row.comment_path))
