"""The outbox table: messages waiting to be sent; every function takes a Session.

A message is queued in the transaction that decided it (an escalation), so it exists exactly
when the decision does; its ``dedupe_key`` is unique, so deciding twice queues it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..tickets.models import OutboxMessage
from . import EMAIL
from .rules import MAX_TRIES, Mail


@dataclass(frozen=True)
class Queued:
    """A due message as the sender needs it (no ORM object leaves the session)."""

    id: int
    recipient: str
    subject: str
    body: str
    tries: int


def queue(session: Session, mail: Mail, now: datetime, channel: str = EMAIL) -> bool:
    """Insert the message unless its dedupe key is there; True if it was queued now.

    Looked up first (the usual case, on any database); a concurrent insert of the same key
    is caught in a savepoint, so the caller's transaction goes on.
    """
    if _by_key(session, mail.dedupe_key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(OutboxMessage(channel=channel, recipient=mail.recipient,
                                      subject=mail.subject, body=mail.body,
                                      dedupe_key=mail.dedupe_key, created_at=now,
                                      next_try_at=now, tries=0, sent_at=None, last_error=""))
    except IntegrityError:
        return False
    return True


def _by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).first()


def _waiting(channel: str) -> tuple[ColumnElement[bool], ...]:
    return (OutboxMessage.channel == channel, OutboxMessage.sent_at.is_(None),
            OutboxMessage.tries < MAX_TRIES)


def due(session: Session, now: datetime, limit: int, channel: str = EMAIL) -> list[Queued]:
    """Unsent messages whose next try has come, oldest first; given-up ones are left out."""
    stmt = (select(OutboxMessage).where(*_waiting(channel), OutboxMessage.next_try_at <= now)
            .order_by(OutboxMessage.next_try_at, OutboxMessage.id).limit(limit))
    return [Queued(m.id, m.recipient, m.subject, m.body, m.tries)
            for m in session.scalars(stmt)]


def waiting(session: Session, channel: str = EMAIL) -> int:
    """Unsent messages still to be tried, due or not."""
    stmt = select(func.count()).select_from(OutboxMessage).where(*_waiting(channel))
    return int(session.scalar(stmt) or 0)


def mark_sent(session: Session, message_id: int, now: datetime) -> None:
    message = session.get(OutboxMessage, message_id)
    if message is not None:
        message.sent_at = now
        message.last_error = ""


def mark_failed(session: Session, message_id: int, error: str, next_try: datetime) -> None:
    """One more failed try; past ``MAX_TRIES`` the message stays, with its error, untried."""
    message = session.get(OutboxMessage, message_id)
    if message is not None:
        message.tries += 1
        message.last_error = error[:2000]
        message.next_try_at = next_try
