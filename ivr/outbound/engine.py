"""The outbound-call engine: paces tries, retries them, keeps one job per number, logs each.

Generic over what a call is for (callbacks of abandoned 112 calls, virtual-hold callbacks,
satisfaction calls) and over how it is dialled (``dial``: ``ivr.outbound.ami_dialer`` in
production, a fake in tests). The rules are the pure functions of ``model``; this module only
keeps the jobs, starts due tries as tasks (never more than ``max_in_flight`` at once) and
sleeps until the next one is due or something changed (an ``asyncio.Event``, no polling).

A number has at most one active job, across purposes, and never two tries on the line at
once: a job for a number whose cancelled job still has a try ringing waits for it to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from ..aio import within
from ..ami.client import TaskSet
from .model import (
    CallRequest,
    Job,
    RetryPolicy,
    TryRecord,
    TryResult,
    after_try,
    begin_try,
    cancel,
    due,
    new_job,
    next_due,
    request_for,
)

log = logging.getLogger(__name__)

Dial = Callable[[CallRequest], Awaitable[TryResult]]
MAX_SLEEP_S = 60.0  # look again at least this often (a wall clock set back, say)
FINISHED_KEPT = 1000  # finished jobs kept for jobs()/job(); older ones are forgotten
STOP_WAIT_S = 5.0  # how long stopping waits for the cancelled tries to record their end


@dataclass(frozen=True)
class _Target:
    """Where an answered call of a job goes (kept beside the job, not in its log)."""

    context: str
    exten: str
    variables: Mapping[str, str]
    caller_id: str


class OutboundEngine:
    """Outbound jobs and the loop that tries them; ``on_change`` sees every change and try."""

    def __init__(self, dial: Dial, *, max_in_flight: int,
                 clock: Callable[[], float] = time.time,
                 on_change: Callable[[Job], None] | None = None) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._dial, self.max_in_flight = dial, max_in_flight
        self._clock, self.on_change = clock, on_change
        self._jobs: dict[str, Job] = {}
        self._targets: dict[str, _Target] = {}
        self._active: dict[str, str] = {}  # number -> its active job's id
        self._on_the_line: set[str] = set()  # numbers with a try in flight (even if cancelled)
        self._in_flight: set[str] = set()  # job ids with a try in flight
        self._tries = TaskSet("outbound calls", log)  # logs a try task that failed
        self._try_tasks: set[asyncio.Task[None]] = set()  # the same tasks, to await on stop
        self._wake = asyncio.Event()
        self._running = self._stopping = False

    def schedule(self, number: str, purpose: str, policy: RetryPolicy, *, context: str,
                 exten: str, key: str = "", variables: Mapping[str, str] | None = None,
                 caller_id: str = "") -> Job:
        """A new job for ``number``; the existing one, unchanged, if the number has one.
        ``caller_id``: what the citizen's phone shows ("": the dialler's own)."""
        existing = self.active_for(number)
        if existing is not None:
            return existing
        job = new_job(uuid.uuid4().hex, number, purpose, policy, key, self._clock())
        self._targets[job.job_id] = _Target(context, exten, dict(variables or {}), caller_id)
        self._active[number] = job.job_id
        self._set(job)
        return job

    def cancel(self, number: str, reason: str) -> Job | None:
        """Call off the number's active job (None if it has none); a try on the line ends
        by itself, but no further try starts."""
        job = self.active_for(number)
        if job is None:
            return None
        del self._active[number]
        cancelled = cancel(job, reason)
        self._set(cancelled)
        return cancelled

    def _forget_finished(self) -> None:
        finished = [j.job_id for j in self._jobs.values()
                    if not j.active and j.job_id not in self._in_flight]
        for job_id in finished[:max(0, len(finished) - FINISHED_KEPT)]:  # oldest first
            del self._jobs[job_id]
            self._targets.pop(job_id, None)

    def jobs(self) -> list[Job]:
        """Every job, oldest first."""
        return list(self._jobs.values())

    def job(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def active_for(self, number: str) -> Job | None:
        """The number's waiting or dialling job."""
        job_id = self._active.get(number)
        return None if job_id is None else self._jobs[job_id]

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def run(self) -> None:
        """Start due tries until :meth:`stop`; tries in flight are then cancelled."""
        if self._running:
            raise RuntimeError("the outbound engine is already running")
        self._running = True
        try:
            while not self._stopping:
                self._wake.clear()
                self._start_due()
                await self._sleep()
        finally:
            self._tries.cancel()
            if self._try_tasks:  # let the cancelled tries record how they ended
                await asyncio.wait(set(self._try_tasks), timeout=STOP_WAIT_S)
            self._running = False

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def _callable(self) -> list[Job]:
        """Waiting jobs whose number has no try on the line."""
        return [job for job in self._jobs.values()
                if job.state == "waiting" and job.number not in self._on_the_line]

    def _start_due(self) -> None:
        for job in due(self._callable(), self._clock(), self.in_flight, self.max_in_flight):
            target = self._targets[job.job_id]
            request = request_for(job, target.context, target.exten, target.variables,
                                  target.caller_id)
            self._in_flight.add(job.job_id)
            self._on_the_line.add(job.number)
            self._set(begin_try(job))
            task = self._tries.spawn(
                self._try(request), f"try {request.attempt} of {request.purpose} {job.job_id}")
            self._try_tasks.add(task)
            task.add_done_callback(self._try_tasks.discard)

    async def _sleep(self) -> None:
        """Until the next job is due (if a slot is free) or :meth:`_set`/a try's end wakes."""
        at = next_due(self._callable()) if self.in_flight < self.max_in_flight else None
        if at is None:
            await self._wake.wait()
            return
        with contextlib.suppress(TimeoutError):
            await within(self._wake.wait(),
                                   min(MAX_SLEEP_S, max(0.0, at - self._clock())))

    async def _try(self, request: CallRequest) -> None:
        started_at = self._clock()
        try:
            result = await self._dial(request)
        except asyncio.CancelledError:
            self._ended(request, started_at, TryResult(False, "stopped"))
            raise
        except Exception:
            log.exception("outbound %s %s: try %d failed in the dialler", request.purpose,
                          request.job_id, request.attempt)
            result = TryResult(False, "failed")
        self._ended(request, started_at, result)

    def _ended(self, request: CallRequest, started_at: float, result: TryResult) -> None:
        now = self._clock()
        self._in_flight.discard(request.job_id)
        self._on_the_line.discard(request.number)
        job = after_try(self._jobs[request.job_id],
                        TryRecord(request.attempt, started_at, now, result), now)
        if not job.active and self._active.get(job.number) == job.job_id:
            del self._active[job.number]
        self._set(job)

    def _set(self, job: Job) -> None:
        """Keep the job's new state, tell ``on_change`` and wake the loop."""
        self._jobs[job.job_id] = job
        if not job.active:
            self._forget_finished()
        self._wake.set()
        if self.on_change is None:
            return
        try:
            self.on_change(job)
        except Exception:
            log.exception("outbound %s %s: on_change failed", job.purpose, job.job_id)
