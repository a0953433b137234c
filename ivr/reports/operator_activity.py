"""The AMI service's listener that records each operator's handled calls, missed offers and
pause intervals (``records.OperatorActivity``) as the events happen.

Asterisk tells a pause per queue (QueueMemberPause, also QueueMemberStatus and the rest carry
``Paused``); an operator in five queues is paused five times. ``PauseBook`` keeps each
operator's pause state per queue and says when the operator's pause (paused in any queue,
the first reason by queue name) begins, changes reason or ends: each finished interval is one
record. A pause still running when the AMI service stops is not recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..ami.client import TaskSet
from ..ami.events import AgentDone, MemberRemoved, MemberUpdated, QueueEvent
from ..clock import day_of
from .records import HANDLED, MISSED, PAUSE, OperatorActivity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenPause:
    reason: str
    since: float


@dataclass
class PauseBook:
    """Operators' pauses per queue, and the pause each operator is in (pure state)."""

    queues: dict[str, dict[str, str | None]] = field(default_factory=dict)  # name → q → reason
    names: dict[str, str] = field(default_factory=dict)  # interface → member name
    open: dict[str, OpenPause] = field(default_factory=dict)

    def apply(self, event: QueueEvent, now: float) -> list[OperatorActivity]:
        """The pause intervals ``event`` ends (none, one, or one when the reason changes)."""
        if isinstance(event, MemberUpdated) and event.name:
            self.names[event.interface] = event.name
            reason = (event.paused_reason or "paused") if event.paused else None
            self.queues.setdefault(event.name, {})[event.queue] = reason
            return self._settle(event.name, now)
        if isinstance(event, MemberRemoved) and event.interface in self.names:
            name = self.names[event.interface]
            self.queues.get(name, {}).pop(event.queue, None)
            return self._settle(name, now)
        return []

    def _settle(self, name: str, now: float) -> list[OperatorActivity]:
        reasons = self.queues.get(name, {})
        reason = next((reasons[q] for q in sorted(reasons) if reasons[q] is not None), None)
        current = self.open.get(name)
        if current is not None and current.reason == reason:
            return []
        ended = [] if current is None else [pause_record(name, current, now)]
        if reason is None:
            self.open.pop(name, None)
        else:
            self.open[name] = OpenPause(reason, now)
        return ended


def pause_record(name: str, pause: OpenPause, now: float) -> OperatorActivity:
    return OperatorActivity(name, PAUSE, datetime.fromtimestamp(day_of(pause.since), UTC),
                            round(max(0.0, now - pause.since), 3), pause.reason)


def call_record(event: AgentDone, now: float) -> OperatorActivity | None:
    """A completed call (handled, its talk time) or a missed offer; None for a dump."""
    if event.outcome == "completed":
        return OperatorActivity(event.member, HANDLED,
                                datetime.fromtimestamp(day_of(now - event.talk_s), UTC),
                                float(event.talk_s), "", event.queue, event.unique_id)
    if event.outcome == "missed":
        return OperatorActivity(event.member, MISSED, datetime.fromtimestamp(day_of(now), UTC), 0.0,
                                "", event.queue, event.unique_id)
    return None


class OperatorActivityRecorder:
    """Writes each record through ``write`` (the ticket desk's ``record_operator_activity``:
    the database, or the spool while it is away), off the follower's path."""

    def __init__(self, write: Callable[[OperatorActivity], Awaitable[object]]) -> None:
        self.write = write
        self.book = PauseBook()
        self._tasks = TaskSet("operator activity records", log)

    def on_event(self, event: QueueEvent, now: float) -> None:
        records = self.book.apply(event, now)
        if isinstance(event, AgentDone):
            record = call_record(event, now)
            records += [record] if record is not None else []
        for record in records:
            self._tasks.spawn(self._keep(record), f"operator {record.operator} {record.kind}")

    async def _keep(self, record: OperatorActivity) -> None:
        await self.write(record)
