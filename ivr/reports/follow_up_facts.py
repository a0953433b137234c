"""What the follow-up reports count, read from the database; every function takes a Session.

Thin reads into plain records (``callbacks``, ``notifications`` and ``satisfaction`` decide):
112 incidents' callback jobs, the outbox's messages and the satisfaction follow-ups' rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..tickets.models import Incident, OutboxMessage, Ticket, TicketSurvey
from .callbacks import EMERGENCY, CallbackFact, callback_fact, virtual_hold_facts
from .notifications import MessageFact, purpose_of
from .satisfaction import SurveyFact
from .tables import virtual_hold_steps

KEYS_PER_QUERY = 500  # SMS-survey keys looked up at once (IN lists stay short)


def callback_facts(session: Session, start: datetime, end: datetime) -> list[CallbackFact]:
    """The callback jobs of 112 calls that arrived in ``[start, end)``, and the virtual holds
    of 12345 offered then."""
    rows = session.execute(
        select(Incident.started_at, Incident.callbacks)
        .where(Incident.started_at >= start, Incident.started_at < end,
               Incident.callbacks != "")
        .order_by(Incident.started_at, Incident.id))
    facts = (callback_fact(EMERGENCY, started_at, log) for started_at, log in rows)
    holds = session.execute(
        select(virtual_hold_steps.c.hold_id).where(virtual_hold_steps.c.step == "offered",
                                                   virtual_hold_steps.c.at >= start,
                                                   virtual_hold_steps.c.at < end))
    ids = [hold_id for (hold_id,) in holds]
    steps = [tuple(row) for chunk in range(0, len(ids), KEYS_PER_QUERY)
             for row in session.execute(
                 select(virtual_hold_steps.c.hold_id, virtual_hold_steps.c.step,
                        virtual_hold_steps.c.attempt, virtual_hold_steps.c.at)
                 .where(virtual_hold_steps.c.hold_id.in_(ids[chunk:chunk + KEYS_PER_QUERY])))]
    return [fact for fact in facts if fact is not None] + virtual_hold_facts(steps)


def message_facts(session: Session, start: datetime, end: datetime) -> list[MessageFact]:
    """The messages queued in ``[start, end)``."""
    rows = session.execute(
        select(OutboxMessage.channel, OutboxMessage.dedupe_key, OutboxMessage.created_at,
               OutboxMessage.tries, OutboxMessage.sent_at)
        .where(OutboxMessage.created_at >= start, OutboxMessage.created_at < end)
        .order_by(OutboxMessage.created_at, OutboxMessage.id))
    return [MessageFact(channel, purpose_of(key), created_at, tries, sent_at is not None)
            for channel, key, created_at, tries, sent_at in rows]


def survey_facts(session: Session, start: datetime, end: datetime) -> list[SurveyFact]:
    """Follow-ups of tickets resolved in ``[start, end)``, and those rated in it."""
    rows = session.execute(
        select(TicketSurvey, Ticket.agency_code, Ticket.resolved_at)
        .join(Ticket, Ticket.number == TicketSurvey.ticket_number)
        .where(or_(and_(Ticket.resolved_at >= start, Ticket.resolved_at < end),
                   and_(TicketSurvey.rated_at >= start, TicketSurvey.rated_at < end)))
        .order_by(TicketSurvey.ticket_number)).all()
    with_sms = _sms_surveys(session, [row.ticket_number for row, _, _ in rows])
    return [SurveyFact(row.ticket_number, agency, resolved_at, row.state, row.rating,
                       row.rated_by, row.rated_at, row.ticket_number in with_sms)
            for row, agency, resolved_at in rows]


def _sms_surveys(session: Session, tickets: Sequence[str]) -> set[str]:
    """Which of ``tickets`` had the SMS survey queued (``survey:<ticket>:sms``)."""
    found: set[str] = set()
    for at in range(0, len(tickets), KEYS_PER_QUERY):
        keys = [f"survey:{number}:sms" for number in tickets[at:at + KEYS_PER_QUERY]]
        found.update(key.split(":")[1] for key in session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
    return found
