"""Sending the outbox through its senders, in the background: e-mail through SMTP (stdlib
``smtplib``, here), SMS through an HTTP gateway (``sms.py``).

Delivery is at least once: a message is marked sent right after the SMTP server accepted it,
in its own transaction. If the process dies (or the database fails) between the two, the
message is sent again on the next pass; a duplicate overdue notice is better than none.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Callable, Mapping
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..config import Settings
from ..tickets.service import utc_now
from . import EMAIL, SMS, outbox
from .outbox import Queued
from .rules import next_try
from .sms import HttpSmsSender

log = logging.getLogger(__name__)

T = TypeVar("T")

SEND_TIMEOUT_S = 30.0
SEND_EVERY_S = 10.0
BATCH = 20
# What a failed send raises: the server refused, the connection failed or hung.
SEND_FAILED = (smtplib.SMTPException, OSError, TimeoutError)


def email_of(message: Queued, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, message.recipient, message.subject
    mail.set_content(message.body)
    return mail


class Sender(Protocol):
    async def send(self, message: Queued) -> None: ...


class SmtpSender:
    """One message at a time to ``smtp_host``; blocking smtplib runs in a worker thread."""

    def __init__(self, settings: Settings, timeout: float = SEND_TIMEOUT_S) -> None:
        self.settings = settings
        self.timeout = timeout

    async def send(self, message: Queued) -> None:
        """Returns once the server accepted the message; SEND_FAILED otherwise."""
        await asyncio.wait_for(asyncio.to_thread(self._send, message), self.timeout)

    def _send(self, message: Queued) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(email_of(message, s.smtp_from))


class OutboxWorker:
    """Drains due messages from the outbox, each channel through its sender; a channel with
    no sender (e-mail without SMTP) keeps its messages."""

    def __init__(self, sessions: sessionmaker[Session], senders: Mapping[str, Sender],
                 clock: Callable[[], datetime] = utc_now, batch: int = BATCH,
                 ready: Callable[[], bool] = lambda: True) -> None:
        self.sessions = sessions
        self.senders = senders
        self.clock = clock
        self.batch = batch
        # False while the schema is not at head yet (the outbox table may not exist).
        self.ready = ready
        self._told_unconfigured = False

    async def send_pass(self, now: datetime | None = None) -> int:
        """Send what is due at ``now``; returns how many the server accepted."""
        moment = now or self.clock()
        if not self.ready():
            return 0
        if EMAIL not in self.senders:
            await self._tell_unconfigured()
        sent = 0
        for channel, sender in self.senders.items():
            for message in await asyncio.to_thread(self._store, outbox.due, moment,
                                                   self.batch, channel):
                sent += await self._send_one(channel, sender, message, moment)
        return sent

    async def _send_one(self, channel: str, sender: Sender, message: Queued,
                        now: datetime) -> int:
        try:
            await sender.send(message)
        except SEND_FAILED as exc:
            error = f"{exc.__class__.__name__}: {exc}"
            log.warning("%s %d to %s not sent (%s)", channel, message.id, message.recipient,
                        error)
            await asyncio.to_thread(self._store, outbox.mark_failed, message.id, error,
                                    next_try(message.tries + 1, now))
            return 0
        await asyncio.to_thread(self._store, outbox.mark_sent, message.id, self.clock())
        return 1

    async def _tell_unconfigured(self) -> None:
        if self._told_unconfigured:
            return
        count = await asyncio.to_thread(self._store, outbox.waiting)
        log.warning("SMTP not configured: %d messages wait in the outbox", count)
        self._told_unconfigured = True

    def _store(self, fn: Callable[..., T], *args: object) -> T:
        with self.sessions.begin() as session:
            return fn(session, *args)


def outbox_worker(settings: Settings, sessions: sessionmaker[Session],
                  ready: Callable[[], bool] = lambda: True) -> OutboxWorker:
    """The worker from the settings: e-mail once ``smtp_host`` is set, SMS once
    ``notify_sms_url`` is."""
    senders: dict[str, Sender] = {}
    if settings.smtp_host:
        senders[EMAIL] = SmtpSender(settings)
    if settings.notify_sms_url:
        senders[SMS] = HttpSmsSender(settings.notify_sms_url, settings.notify_sms_method,
                                     settings.notify_sms_password)
    return OutboxWorker(sessions, senders, ready=ready)


async def keep_sending(worker: OutboxWorker, every_s: float = SEND_EVERY_S) -> None:
    """Background task: a send pass every ``every_s`` seconds; no error ends it."""
    while True:
        try:
            await worker.send_pass()
        except SQLAlchemyError as exc:  # the database is away; the next pass tries again
            log.warning("outbox: database unavailable (%s)", exc.__class__.__name__)
        except Exception:
            log.exception("outbox send pass failed")
        await asyncio.sleep(every_s)
