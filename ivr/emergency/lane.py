"""The 112 lane's I/O edge in the AMI service: incidents saved, the prank lane applied,
abandoned callers called back (``incidents.IncidentBook`` decides; this does).

- Saves go through one writer task, in order, to the ticket desk, which spools them when the
  database is away (nothing on a caller's path waits for them).
- The prank lane: a number with ``emergency_prank_calls`` prank outcomes within
  ``emergency_prank_days`` gets the prank lane's priority over AMI
  (``QueueChangePriorityCaller``, immediate) each time it joins a 112 queue. It still waits
  in the queue and is answered. The lane's numbers are read in one query at most every
  ``PRANK_LIST_FRESH_S``, not one query per caller (per caller, it took 17 % of this
  service's busy samples in a profile at 75 calls/s: bench/README.md 7.1); a database that
  cannot be asked keeps the last list read (none at first: the normal lane).
- Callbacks: an abandoned 112 call becomes a job of the outbound-call engine
  (``ivr/outbound``); its tries are logged on the incident and shown on the wallboard.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from ..ami.client import TaskSet
from ..ami.events import QueueEvent
from ..config import Settings
from ..dialplan_vars import HOTLINE_CALLBACK, HOTLINE_CALLER, HOTLINE_LANGUAGE
from ..outbound.engine import OutboundEngine
from ..outbound.model import Job, RetryPolicy, summary
from ..tickets.records import IncidentReport
from .incidents import CallBack, CheckLane, Effect, IncidentBook, Save, StopCallbacks
from .priority import Lane, arrival_priority

log = logging.getLogger(__name__)

CALLBACK_CONTEXT = "emergency-callback"  # dialplan/extensions.conf
CALLBACK = "callback"  # the outbound engine's purpose
PRANK_LIST_FRESH_S = 5.0  # an outcome marked prank (or a clearance) counts within this


class IncidentDesk(Protocol):
    async def save_incident(self, report: IncidentReport) -> None: ...

    async def prank_numbers(self, days: float, at_least: int) -> set[str]: ...


# (queue, channel, priority) -> whether Asterisk changed it
Reprioritize = Callable[[str, str, int], Awaitable[bool]]
NoteAbandoned = Callable[[str, str], Coroutine[Any, Any, None]]


def callback_policy(settings: Settings) -> RetryPolicy | None:
    """The callback tries of the settings; None when callbacks are off."""
    if settings.callback_tries < 1 or not settings.outbound_trunk:
        return None
    return RetryPolicy(settings.callback_first_after, settings.callback_every,
                       settings.callback_tries, settings.callback_ring)


def tries_log(job: Job) -> list[dict[str, object]]:
    """A job's tries as the incident keeps them, plus the job's state."""
    entries: list[dict[str, object]] = [
        {"try": r.attempt, "of": job.policy.tries, "at": round(r.started_at, 1),
         "result": r.result.reason} for r in job.tries]
    entries.append({"state": job.state, "summary": summary(job),
                    **({"reason": job.cancel_reason} if job.cancel_reason else {})})
    return entries


class EmergencyLane:
    def __init__(self, settings: Settings, desk: IncidentDesk, reprioritize: Reprioritize,
                 note_abandoned: NoteAbandoned, outbound: OutboundEngine | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.settings = settings
        self.desk = desk
        self.reprioritize = reprioritize
        self.note_abandoned = note_abandoned
        self.outbound = outbound
        self.policy = callback_policy(settings)
        self.clock = clock or time.time
        self.book = IncidentBook(settings.emergency_silent_after)
        self._writes: asyncio.Queue[IncidentReport] = asyncio.Queue()
        # 112 calls another node lost while they waited (README "Cluster"), called back here.
        self._adopted: dict[str, IncidentReport] = {}
        self._tasks = TaskSet("112 lane", log)
        self._pranks: frozenset[str] = frozenset()
        self._pranks_read_at = float("-inf")
        self._pranks_lock = asyncio.Lock()

    # --- fed by the follower and the outbound engine ---------------------------------------

    def on_event(self, event: QueueEvent, now: float) -> None:
        self.carry_out(self.book.apply(event, now))

    def on_job(self, job: Job) -> None:
        if job.purpose != CALLBACK:
            return
        adopted = self._adopted.get(job.key)
        if adopted is not None:
            self._writes.put_nowait(replace(adopted, callbacks=json.dumps(tries_log(job))))
            if not job.active:
                del self._adopted[job.key]
        self.carry_out(self.book.callback_tried(job.key, tries_log(job), self.clock()))
        self._tasks.spawn(self.note_abandoned(job.key, summary(job)), "callback on the board")

    def carry_out(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Save):
                self._writes.put_nowait(effect.report)
            elif isinstance(effect, CheckLane):
                self._tasks.spawn(self.check_lane(effect), f"lane of {effect.unique_id}")
            elif isinstance(effect, CallBack):
                self.call_back(effect)
            elif isinstance(effect, StopCallbacks):
                self.stop_callbacks(effect)

    # --- the effects -----------------------------------------------------------------------

    async def keep_writing(self) -> None:
        """The one writer: incidents saved in the order their changes happened."""
        while True:
            report = await self._writes.get()
            try:
                await self.desk.save_incident(report)
            except Exception:  # the desk spools what the database refuses; this is a bug
                log.exception("112 incident %s not saved", report.unique_id)

    async def drain(self, timeout_s: float = 5.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not self._writes.empty() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)

    async def lane_of(self, number: str) -> Lane:
        return "prank" if number in await self.prank_list() else "normal"

    async def prank_list(self) -> frozenset[str]:
        """The prank lane's numbers, read again once ``PRANK_LIST_FRESH_S`` old (callers of
        the same moment share one read)."""
        async with self._pranks_lock:
            if self.clock() - self._pranks_read_at < PRANK_LIST_FRESH_S:
                return self._pranks
            try:
                self._pranks = frozenset(await self.desk.prank_numbers(
                    self.settings.emergency_prank_days, self.settings.emergency_prank_calls))
            except Exception as exc:  # never hold a caller back for a lookup
                log.warning("112 prank list not read (%r): the last one stays (%d numbers)",
                            exc, len(self._pranks))
            self._pranks_read_at = self.clock()  # a failed read too: not retried per caller
            return self._pranks

    async def check_lane(self, check: CheckLane) -> None:
        lane = check.known_lane or await self.lane_of(check.number)
        if lane != "prank":
            return
        priority = arrival_priority("prank", check.arrived_at)
        if await self.reprioritize(check.queue, check.channel, priority):
            log.info("112 call %s from %s: prank lane in %s", check.unique_id, check.number,
                     check.queue)
        self.carry_out(self.book.set_lane(check.unique_id, "prank", self.clock()))

    def adopt(self, report: IncidentReport) -> None:
        """A 112 caller who was waiting on a node that died: abandoned, and called back from
        this node (the incident keeps the tries, as for this node's own calls)."""
        ended = replace(report, call_state="abandoned",
                        ended_at=datetime.fromtimestamp(self.clock(), UTC))
        self._adopted[report.unique_id] = ended
        self._writes.put_nowait(ended)
        self.call_back(CallBack(report.unique_id, report.caller_number, ""))

    def stop_callbacks(self, stop: StopCallbacks) -> None:
        if self.outbound is not None and self.outbound.cancel(stop.number, stop.reason):
            log.info("112 callbacks to %s stopped: %s", stop.number, stop.reason)

    def call_back(self, abandoned: CallBack) -> None:
        if self.outbound is None or self.policy is None or not abandoned.number:
            log.info("112 call %s abandoned; callbacks are off", abandoned.unique_id)
            return
        other = self.outbound.active_for(abandoned.number)
        if other is not None and other.purpose != CALLBACK:  # a 112 callback comes first
            self.outbound.cancel(abandoned.number, "a 112 callback comes first")
        job = self.outbound.schedule(
            abandoned.number, CALLBACK, self.policy, context=CALLBACK_CONTEXT, exten="s",
            key=abandoned.unique_id,
            variables={HOTLINE_CALLBACK: abandoned.unique_id, HOTLINE_CALLER: abandoned.number,
                       HOTLINE_LANGUAGE: abandoned.language or
                       self.settings.default_language})
        if job.key != abandoned.unique_id:
            log.info("112 call %s abandoned; %s already has a callback (%s)",
                     abandoned.unique_id, abandoned.number, job.key)
