"""Outbound calls as data: a job per number to call, its tries, and the rules between them.

Pure: no I/O, no clock (every ``now`` is given). A job is ``waiting`` until its ``next_at``,
``dialling`` while a try is on the line, then ``waiting`` again for the next try, or done:
``answered``, ``exhausted`` (every try used) or ``cancelled`` (e.g. the caller called again).
A try that ends after its job was cancelled is recorded but does not revive the job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

JobState = Literal["waiting", "dialling", "answered", "exhausted", "cancelled"]
ACTIVE: tuple[JobState, ...] = ("waiting", "dialling")


@dataclass(frozen=True)
class RetryPolicy:
    """When to call: first after ``first_after_s``, then every ``every_s`` after a try ended,
    ``tries`` times at most, each ringing ``ring_s`` before it counts as not answered."""

    first_after_s: float
    every_s: float
    tries: int
    ring_s: float

    def __post_init__(self) -> None:
        if self.tries < 1 or self.ring_s <= 0 or self.first_after_s < 0 or self.every_s < 0:
            raise ValueError(f"retry policy out of range: {self}")


@dataclass(frozen=True)
class CallRequest:
    """One try as the dialler needs it: whom, which try, where the answered call goes."""

    job_id: str
    number: str
    purpose: str
    attempt: int
    tries: int
    context: str
    exten: str
    variables: Mapping[str, str]
    ring_s: float
    caller_id: str = ""  # what the citizen's phone shows; "" is the dialler's own


@dataclass(frozen=True)
class TryResult:
    """How a try ended: ``answered``, or why not ("no answer", "busy", "congestion",
    "failed", "link down", "no response", "failed: <Asterisk's message>")."""

    answered: bool
    reason: str


@dataclass(frozen=True)
class TryRecord:
    """One try in a job's log (epoch seconds)."""

    attempt: int
    started_at: float
    ended_at: float
    result: TryResult


@dataclass(frozen=True)
class Job:
    """Calling one number for one purpose (``callback``, …); ``key`` is the caller's own
    reference (e.g. the abandoned call's unique id), kept for the log."""

    job_id: str
    number: str
    purpose: str
    key: str
    policy: RetryPolicy
    created_at: float
    next_at: float
    tries: tuple[TryRecord, ...] = ()
    state: JobState = "waiting"
    cancel_reason: str = ""

    @property
    def active(self) -> bool:
        """Waiting for a try or on one: the number may not get a second job."""
        return self.state in ACTIVE


def new_job(job_id: str, number: str, purpose: str, policy: RetryPolicy, key: str,
            now: float) -> Job:
    """A job whose first try is due ``policy.first_after_s`` from now."""
    return Job(job_id, number, purpose, key, policy, now, now + policy.first_after_s)


def due(jobs: Iterable[Job], now: float, in_flight: int, max_in_flight: int) -> list[Job]:
    """The waiting jobs to try now, oldest ``next_at`` first, no more than the free slots."""
    free = max(0, max_in_flight - in_flight)
    ready = [job for job in jobs if job.state == "waiting" and job.next_at <= now]
    ready.sort(key=lambda job: (job.next_at, job.created_at, job.job_id))
    return ready[:free]


def next_due(jobs: Iterable[Job]) -> float | None:
    """When the next waiting job is due; None when none waits."""
    return min((job.next_at for job in jobs if job.state == "waiting"), default=None)


def begin_try(job: Job) -> Job:
    """The job while its next try is on the line."""
    return replace(job, state="dialling")


def request_for(job: Job, context: str, exten: str, variables: Mapping[str, str],
                caller_id: str = "") -> CallRequest:
    """What the dialler gets for the job's next try."""
    return CallRequest(job.job_id, job.number, job.purpose, len(job.tries) + 1,
                       job.policy.tries, context, exten, dict(variables), job.policy.ring_s,
                       caller_id)


def after_try(job: Job, record: TryRecord, now: float) -> Job:
    """The job once a try ended: answered, exhausted, or waiting ``every_s`` for the next.

    A cancelled job keeps the record and stays cancelled.
    """
    tries = (*job.tries, record)
    if job.state == "cancelled":
        return replace(job, tries=tries)
    if record.result.answered:
        return replace(job, tries=tries, state="answered")
    if len(tries) >= job.policy.tries:
        return replace(job, tries=tries, state="exhausted")
    return replace(job, tries=tries, state="waiting", next_at=now + job.policy.every_s)


def cancel(job: Job, reason: str) -> Job:
    """The job called off; a job already done is left as it is."""
    if not job.active:
        return job
    return replace(job, state="cancelled", cancel_reason=reason)


def summary(job: Job) -> str:
    """One line for the log and the wallboard.

    ``callback waiting, 0/3`` · ``callback dialling, try 2/3`` · ``callback 2/3, no answer`` ·
    ``callback answered on try 1/3`` · ``callback 3/3, busy, given up`` ·
    ``callback cancelled: caller called again``
    """
    done, tries = len(job.tries), job.policy.tries
    last = job.tries[-1].result.reason if job.tries else ""
    if job.state == "answered":
        return f"{job.purpose} answered on try {done}/{tries}"
    if job.state == "cancelled":
        return f"{job.purpose} cancelled: {job.cancel_reason}"
    if job.state == "dialling":
        return f"{job.purpose} dialling, try {done + 1}/{tries}"
    if job.state == "exhausted":
        return f"{job.purpose} {done}/{tries}, {last}, given up"
    if not job.tries:
        return f"{job.purpose} waiting, 0/{tries}"
    return f"{job.purpose} {done}/{tries}, {last}"
