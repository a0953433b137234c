"""The follow-up calls, the AMI service's edge (``rules`` and ``store`` decide; this does).

Every ``IVR_SURVEY_CHECK_EVERY`` seconds, within the calling hours, resolved phone tickets
due a follow-up become jobs of the outbound-call engine (purpose ``survey``), never more
active at once than ``IVR_SURVEY_MAX_IN_FLIGHT`` and never to a number that has a job of
any purpose already. An answered call goes to the dialplan's ``[satisfaction-survey]``,
whose FastAGI route (``survey``) asks for the rating. A job whose tries are all unanswered
queues an SMS with the link to rate on the tracking page (when an SMS gateway is set and the
number did not opt out), else the follow-up is ``unreached``. Outside the calling hours,
jobs waiting for their next try are called off; their tickets are still ``calling`` and are
taken up again when the hours open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..ami.client import TaskSet
from ..clock import day_now
from ..config import Settings
from ..dialplan_vars import HOTLINE_LANGUAGE, HOTLINE_TICKET
from ..notify import SMS
from ..notify.citizen import opt_out_key
from ..notify.outbox import queue as queue_message
from ..notify.rules import Mail
from ..outbound.engine import OutboundEngine
from ..outbound.model import Job, RetryPolicy
from ..tickets.models import NoticeOptOut, Ticket
from . import store
from .rules import calling_hours

log = logging.getLogger(__name__)

SURVEY = "survey"  # the outbound engine's purpose
SURVEY_CONTEXT = "satisfaction-survey"  # dialplan/extensions.conf
T = TypeVar("T")

SMS_TEXT = {
    "en": "{hotline}: your report {number} was resolved. How satisfied are you? "
          "Rate it from 1 to 5: {link}",
    "id": "{hotline}: laporan {number} Anda sudah diselesaikan. Seberapa puas Anda? "
          "Beri nilai 1 sampai 5: {link}",
}


class SurveyDesk(Protocol):
    async def in_transaction(self, fn: Callable[..., T], *args: object) -> T: ...


@dataclass(frozen=True)
class SmsSurvey:
    """The fallback SMS as the settings shape it."""

    on: bool  # an SMS gateway is set
    public_url: str
    hotline: str


def survey_policy(settings: Settings) -> RetryPolicy | None:
    """The follow-up's tries; None when follow-up calls are off (no tries or no trunk)."""
    if settings.survey_tries < 1 or not settings.outbound_trunk:
        return None
    return RetryPolicy(0.0, settings.survey_every, settings.survey_tries, settings.survey_ring)


def sms_text(language: str, number: str, token: str, sms: SmsSurvey) -> str:
    return SMS_TEXT.get(language, SMS_TEXT["en"]).format(
        hotline=sms.hotline, number=number, link=f"{sms.public_url}/t/{token}")


def give_up(session: Session, number: str, sms: SmsSurvey, now: datetime) -> str:
    """Every call went unanswered: queue the SMS survey if it can go, and note which; the
    follow-up's new state."""
    ticket = session.scalars(select(Ticket).where(Ticket.number == number)).first()
    if ticket is None:
        return store.UNREACHED
    opted_out = session.get(NoticeOptOut, opt_out_key(ticket.caller_number)) is not None
    if sms.on and not opted_out and opt_out_key(ticket.caller_number):
        text = sms_text(ticket.language, number, ticket.token, sms)
        queue_message(session, Mail(ticket.caller_number, "", text, f"survey:{number}:sms"),
                      now, channel=SMS)
        state = store.SMS_SENT
    else:
        state = store.UNREACHED
    store.mark(session, number, state, now)
    return state


class SatisfactionCalls:
    def __init__(self, settings: Settings, desk: SurveyDesk, outbound: OutboundEngine,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.desk, self.outbound = desk, outbound
        self.policy = survey_policy(settings)
        self.hours = calling_hours(settings.survey_hours)
        self.zone = ZoneInfo(settings.ticket_timezone)
        self.after = timedelta(seconds=settings.survey_after)
        self.within = timedelta(days=settings.survey_within_days)
        self.max_in_flight = settings.survey_max_in_flight
        self.check_every = settings.survey_check_every
        self.caller_id = f'"{settings.hotline_number}" <{settings.hotline_number}>'
        self.sms = SmsSurvey(bool(settings.notify_sms_url),
                             settings.notify_public_url.rstrip("/"), settings.hotline_number)
        self.clock = clock or day_now  # calling hours follow the day clock
        self._tasks = TaskSet("follow-up calls", log)
        self._ending: set[str] = set()  # numbers whose job ended, its end not yet kept

    def active(self) -> list[Job]:
        return [job for job in self.outbound.jobs() if job.purpose == SURVEY and job.active]

    async def one_pass(self) -> int:
        """Start the follow-ups due now; returns how many were started."""
        if self.policy is None:
            return 0
        now, active = self.clock(), self.active()
        if not self.hours.allow(now.astimezone(self.zone)):
            for job in active:
                if job.state == "waiting":
                    self.outbound.cancel(job.number, "outside the calling hours")
            return 0
        busy = {job.number for job in self.outbound.jobs() if job.active} | self._ending
        due = await self.desk.in_transaction(store.due, now - self.within, now - self.after,
                                             busy, self.max_in_flight - len(active))
        for ticket in due:
            await self.desk.in_transaction(store.mark, ticket.number, store.CALLING, now)
            self.outbound.schedule(
                ticket.caller_number, SURVEY, self.policy, context=SURVEY_CONTEXT, exten="s",
                key=ticket.number, caller_id=self.caller_id,
                variables={HOTLINE_TICKET: ticket.number, HOTLINE_LANGUAGE: ticket.language})
            log.info("follow-up call of ticket %s to %s", ticket.number, ticket.caller_number)
        return len(due)

    async def keep_calling(self) -> None:
        """Background task: a pass every ``check_every`` seconds; no error ends it."""
        while True:
            try:
                await self.one_pass()
            except Exception as exc:  # the database away, say: the next pass tries again
                log.warning("follow-up calls: pass failed (%r); next in %.0f s", exc,
                            self.check_every)
            await asyncio.sleep(self.check_every)

    def on_job(self, job: Job) -> None:
        """The outbound engine's news of a job (every purpose; ours are ``survey``)."""
        if job.purpose != SURVEY:
            return
        if job.state in ("answered", "exhausted"):
            self._ending.add(job.number)  # not due again while its end is being kept
            self._tasks.spawn(self._ended(job), f"follow-up {job.key}")

    async def _ended(self, job: Job) -> None:
        try:
            if job.state == "answered":
                await self.desk.in_transaction(store.mark, job.key, store.ANSWERED,
                                               self.clock())
            else:
                state = await self.desk.in_transaction(give_up, job.key, self.sms,
                                                       self.clock())
                log.info("follow-up of ticket %s: no answer; %s", job.key, state)
        finally:
            self._ending.discard(job.number)

    def stop(self) -> None:
        self._tasks.cancel()


def fan_out(*listeners: Callable[[Job], Any]) -> Callable[[Job], None]:
    """One ``on_change`` for the outbound engine that tells each listener in turn."""
    def tell(job: Job) -> None:
        for listener in listeners:
            listener(job)
    return tell
