"""Queuing the citizens' notices: a pass over the ticket history written since the last one.

Every few seconds (``IVR_NOTIFY_EVERY``) the web service reads the history lines after its
mark (``notice_marks``), queues in the outbox the latest news of each ticket
(``citizen.py``) and moves the mark, in one transaction: a pass that fails queues nothing and
moves nothing, and a line is never news twice (the outbox's key is per line and channel).
Spooled tickets are news when they land. The first pass on a database starts after the lines
older than ``FIRST_PASS_BACK``, so an upgrade does not message every citizen of the past, and
a ticket made while the service was starting is still told.

A line whose transaction commits more than ``SETTLE`` after it was written, behind a line
already read, would be passed over; lines newer than ``SETTLE`` wait for the next pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..config import Settings
from ..tickets.models import NoticeMark, NoticeOptOut, NoticeTemplate, StatusChange, Ticket
from ..tickets.records import TicketRecord
from ..tickets.storage import to_record
from ..tickets.tracking import texts
from . import EMAIL, SMS, outbox
from .citizen import (
    BUILT_IN,
    EVENTS,
    Line,
    Wording,
    latest_news,
    notice_key,
    opt_out_key,
    recipients,
    render,
    wording,
)
from .rules import Mail

log = logging.getLogger(__name__)

MARK = "citizen"
SETTLE = timedelta(seconds=2)
FIRST_PASS_BACK = timedelta(minutes=10)
BATCH = 500


@dataclass(frozen=True)
class NoticeConfig:
    channels: tuple[str, ...]  # the configured ones: sms (a gateway URL), email (SMTP)
    public_url: str  # before the tracking path
    timezone: str


def notice_config(settings: Settings) -> NoticeConfig:
    channels = tuple(c for c, on in ((SMS, settings.notify_sms_url),
                                     (EMAIL, settings.smtp_host)) if on)
    return NoticeConfig(channels, settings.notify_public_url.rstrip("/"),
                        settings.ticket_timezone)


def values_of(ticket: TicketRecord, config: NoticeConfig) -> dict[str, str]:
    words = texts(ticket.language)
    due = ticket.due_at.astimezone(ZoneInfo(config.timezone)).strftime("%Y-%m-%d %H:%M")
    return {"number": ticket.number, "status": words.get(str(ticket.status), ticket.status),
            "category": ticket.category_name, "agency": ticket.agency_name(ticket.language),
            "due": due, "note": ticket.public_note, "link": f"{config.public_url}/t/"
            f"{ticket.token}"}


def messages_for(ticket: TicketRecord, line: Line, event: str, config: NoticeConfig,
                 custom: dict[tuple[str, str], Wording], opted_out: frozenset[str]
                 ) -> list[tuple[str, Mail]]:
    """(channel, message) of one ticket's news."""
    text = wording(event, ticket.language, custom)
    values = values_of(ticket, config)
    return [(channel, Mail(address, render(text.subject, values), render(text.body, values),
                           notice_key(ticket.number, line.id, channel)))
            for channel, address in recipients(ticket.caller_number, ticket.contact_email,
                                               config.channels, opted_out)]


def queue_notices(session: Session, config: NoticeConfig, now: datetime) -> int:
    """One pass; returns how many messages were queued now."""
    mark = session.get(NoticeMark, MARK)
    if mark is None:  # the first pass: from the last few minutes on
        past = session.scalar(select(func.max(StatusChange.id))
                              .where(StatusChange.at < now - FIRST_PASS_BACK)) or 0
        session.add(NoticeMark(name=MARK, last_history_id=past))
        return 0
    rows = session.execute(
        select(StatusChange.id, Ticket.number, StatusChange.from_status,
               StatusChange.to_status, StatusChange.public_note, StatusChange.at)
        .join(Ticket, Ticket.id == StatusChange.ticket_id)
        .where(StatusChange.id > mark.last_history_id)
        .order_by(StatusChange.id).limit(BATCH)).all()
    lines = []
    for row in rows:
        if row.at > now - SETTLE:
            break  # its neighbours may still be committing: the next pass
        lines.append(Line(row.id, row.number, row.from_status, row.to_status,
                          row.public_note or ""))
    if not lines:
        return 0
    mark.last_history_id = lines[-1].id
    if not config.channels:
        return 0
    news = latest_news(lines)
    custom = {(t.event, t.language): Wording(t.subject, t.body)
              for t in session.scalars(select(NoticeTemplate))}
    opted_out = frozenset(session.scalars(select(NoticeOptOut.address)))
    tickets = {t.number: t for t in session.scalars(
        select(Ticket).where(Ticket.number.in_(list(news)))).unique()}
    queued = 0
    for number, (line, event) in news.items():
        record = to_record(tickets[number])
        for channel, mail in messages_for(record, line, event, config, custom, opted_out):
            queued += outbox.queue(session, mail, now, channel)
    return queued


def opt_out(session: Session, addresses: list[str], now: datetime) -> list[str]:
    """Add the addresses (number, e-mail) to the opt-out list; those added now."""
    added = []
    for key in {opt_out_key(a) for a in addresses if opt_out_key(a)}:
        if session.get(NoticeOptOut, key) is None:
            session.add(NoticeOptOut(address=key, at=now))
            added.append(key)
    return sorted(added)


async def keep_noticing(sessions: sessionmaker[Session], config: NoticeConfig,
                        every_s: float, clock: Callable[[], datetime],
                        ready: Callable[[], bool] = lambda: True) -> None:
    """Background task: a notices pass every ``every_s`` seconds; no error ends it."""
    def one_pass() -> int:
        with sessions.begin() as session:
            return queue_notices(session, config, clock())

    while True:
        try:
            if ready():
                queued = await asyncio.to_thread(one_pass)
                if queued:
                    log.info("citizens' notices queued: %d", queued)
        except SQLAlchemyError as exc:  # the database is away; the next pass goes on
            log.warning("notices: database unavailable (%s)", exc.__class__.__name__)
        except Exception:
            log.exception("notices pass failed")
        await asyncio.sleep(every_s)


# --- the admins' wording (``notice_templates``) -----------------------------------------------

def templates(sessions: sessionmaker[Session]) -> list[dict[str, object]]:
    """Every event and language with a wording: the admin's where saved, else the built-in."""
    with sessions.begin() as session:
        saved = {(t.event, t.language): t for t in session.scalars(select(NoticeTemplate))}
        keys = sorted(set(BUILT_IN) | set(saved), key=lambda k: (k[1], EVENTS.index(k[0])))
        listed: list[dict[str, object]] = []
        for event, language in keys:
            row = saved.get((event, language))
            text = Wording(row.subject, row.body) if row else BUILT_IN[(event, language)]
            listed.append({"event": event, "language": language, "subject": text.subject,
                           "body": text.body, "built_in": row is None,
                           "updated_at": row.updated_at.isoformat() if row else None,
                           "updated_by": row.updated_by if row else ""})
        return listed


def save_template(sessions: sessionmaker[Session], event: str, language: str, text: Wording,
                  actor: str, now: datetime) -> None:
    with sessions.begin() as session:
        row = session.get(NoticeTemplate, (event, language))
        if row is None:
            row = NoticeTemplate(event=event, language=language)
            session.add(row)
        row.subject, row.body, row.updated_at, row.updated_by = (
            text.subject, text.body, now, actor[:80])


def reset_template(sessions: sessionmaker[Session], event: str, language: str) -> bool:
    """Back to the built-in wording; False if there was no saved one."""
    with sessions.begin() as session:
        row = session.get(NoticeTemplate, (event, language))
        if row is None:
            return False
        session.delete(row)
        return True
