"""The incident book: what each 112 call did, from AMI queue events (pure).

The AMI service feeds every queue event to ``IncidentBook.apply``; it answers with what to
do about it (``Effect``): save the incident as it now is, check the caller's lane (the prank
lane), call back an abandoned caller, or stop callbacks to a number that called again. The
I/O of those effects is ``lane.py``'s; times are epoch seconds passed in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..ami.board import is_silent
from ..ami.events import (
    AgentAnswered,
    AgentDone,
    CallerAbandoned,
    CallerJoined,
    KeyPressed,
    QueueEvent,
)
from ..queues import EMERGENCY_QUEUES
from ..tickets.records import IncidentReport
from .priority import Lane

KEPT_AFTER_END_S = 3600.0  # an ended call is kept this long (its callbacks are logged on it)
FORGET_EVERY_S = 60.0  # how often ended calls are looked for (not on every AMI event)
KEYS_KEPT = 40


@dataclass
class CallFacts:
    unique_id: str
    caller_number: str
    arrived_at: float
    channel: str = ""
    language: str = ""
    service: str = "unknown"
    queue: str = "emergency"
    joins: list[tuple[str, float]] = field(default_factory=list)
    keys: str = ""
    state: str = "waiting"  # waiting, answered, abandoned, ended
    answered_at: float | None = None
    answered_by: str = ""
    ended_at: float | None = None
    callback_of: str = ""
    location: str = ""
    lane: Lane = "normal"
    silent: bool = False
    callbacks: list[dict[str, object]] = field(default_factory=list)

    def waited_s(self, now: float) -> float:
        until = next((t for t in (self.answered_at, self.ended_at) if t is not None), now)
        return max(0.0, until - self.arrived_at)


@dataclass(frozen=True)
class Save:
    report: IncidentReport


@dataclass(frozen=True)
class CheckLane:
    """Look up the caller's lane and, for the prank lane, lower its priority in ``queue``."""

    unique_id: str
    number: str
    queue: str
    channel: str
    arrived_at: float
    known_lane: Lane | None  # decided at an earlier join of this call


@dataclass(frozen=True)
class CallBack:
    unique_id: str
    number: str
    language: str


@dataclass(frozen=True)
class StopCallbacks:
    number: str
    reason: str


Effect = Save | CheckLane | CallBack | StopCallbacks


def _moment(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def report_of(call: CallFacts, now: float) -> IncidentReport:
    waited = call.waited_s(now) if call.state != "waiting" else None
    return IncidentReport(
        unique_id=call.unique_id, caller_number=call.caller_number, service=call.service,
        queue=call.queue, started_at=datetime.fromtimestamp(call.arrived_at, UTC),
        answered_at=_moment(call.answered_at), answered_by=call.answered_by,
        waited_seconds=round(waited, 1) if waited is not None else None,
        call_state=call.state, silent=call.silent, keys=call.keys,
        joins=json.dumps([[q, round(at, 1)] for q, at in call.joins]),
        callbacks=json.dumps(call.callbacks) if call.callbacks else "",
        callback_of=call.callback_of, location=call.location, lane=call.lane,
        ended_at=_moment(call.ended_at))


class IncidentBook:
    def __init__(self, silent_after_s: float) -> None:
        self.silent_after_s = silent_after_s
        self.calls: dict[str, CallFacts] = {}
        self._forgot_at = 0.0

    def apply(self, event: QueueEvent, now: float) -> list[Effect]:
        self._forget_old(now)
        if isinstance(event, CallerJoined):
            return self._joined(event, now) if event.queue in EMERGENCY_QUEUES else []
        unique_id = getattr(event, "unique_id", "")
        call = self.calls.get(unique_id) if unique_id else None
        if call is None:
            return []
        if isinstance(event, KeyPressed):
            if call.state == "waiting":
                call.keys = (call.keys + event.digit)[:KEYS_KEPT]
            return []
        if isinstance(event, AgentAnswered) and call.state == "waiting":
            call.state, call.answered_at, call.answered_by = "answered", now, event.member
            call.silent = self._silent(call, now)
            return [Save(report_of(call, now))]
        if isinstance(event, CallerAbandoned) and call.state == "waiting":
            call.state, call.ended_at = "abandoned", now
            call.silent = self._silent(call, now)
            effects: list[Effect] = [Save(report_of(call, now))]
            if not call.callback_of:  # a callback's own caller is not called back again
                effects.append(CallBack(call.unique_id, call.caller_number, call.language))
            return effects
        if isinstance(event, AgentDone) and call.state == "answered":
            call.state, call.ended_at = "ended", now
            return [Save(report_of(call, now))]
        return []

    def _joined(self, event: CallerJoined, now: float) -> list[Effect]:
        call = self.calls.get(event.unique_id)
        effects: list[Effect] = []
        if call is None:
            call = CallFacts(event.unique_id, event.caller_number, event.arrived_at or now,
                             channel=event.channel, language=event.language,
                             callback_of=event.callback, location=event.location,
                             lane="callback" if event.callback else "normal")
            self.calls[event.unique_id] = call
            if event.caller_number and not event.callback:
                effects.append(StopCallbacks(event.caller_number, "the caller called again"))
        call.queue = event.queue
        call.service = event.service or call.service
        call.joins.append((event.queue, now))
        effects.insert(0, Save(report_of(call, now)))
        if not event.callback and event.caller_number:
            effects.append(CheckLane(call.unique_id, call.caller_number, event.queue,
                                     event.channel or call.channel, call.arrived_at,
                                     call.lane if len(call.joins) > 1 else None))
        return effects

    def set_lane(self, unique_id: str, lane: Lane, now: float) -> list[Effect]:
        call = self.calls.get(unique_id)
        if call is None or call.lane == lane:
            return []
        call.lane = lane
        return [Save(report_of(call, now))]

    def callback_tried(self, unique_id: str, tries: list[dict[str, object]],
                       now: float) -> list[Effect]:
        call = self.calls.get(unique_id)
        if call is None:
            return []
        call.callbacks = tries
        return [Save(report_of(call, now))]

    def _silent(self, call: CallFacts, now: float) -> bool:
        return is_silent(call.queue, bool(call.keys), call.waited_s(now), self.silent_after_s)

    def _forget_old(self, now: float) -> None:
        if now - self._forgot_at < FORGET_EVERY_S:
            return
        self._forgot_at = now
        old = [uid for uid, c in self.calls.items()
               if c.ended_at is not None and c.ended_at < now - KEPT_AFTER_END_S]
        for unique_id in old:
            del self.calls[unique_id]
