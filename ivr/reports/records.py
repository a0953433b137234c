"""A call record: one queue call that stopped waiting (answered or abandoned), as a value.

The AMI service makes them (``store.call_record``) and writes them through the ticket desk,
which spools them beside tickets and incidents while the database is away
(``tickets/spool.py``), so none is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ANSWERED, ABANDONED = "answered", "abandoned"


@dataclass(frozen=True)
class VirtualHoldStep:
    """One step of a 12345 virtual hold (``ivr/outbound/virtual_hold.py``)."""

    hold_id: str  # the unique id of the call offered the hold
    step: str  # offered, accepted, dialled, reached, unreached
    caller_number: str
    queue: str
    at: datetime  # aware
    attempt: int = 0  # the callback's try (dialled, reached, unreached)


@dataclass(frozen=True)
class CallRecord:
    queue: str
    unique_id: str
    caller_number: str
    joined_at: datetime  # aware
    outcome: str  # answered, abandoned
    waited_s: float
    member: str = ""
    language: str = ""
    ticket: str = ""


HANDLED, MISSED, PAUSE = "handled", "missed", "pause"
WRAP_UP = "wrap-up"  # the pause reason of an operator's wrap-up after a call (console)


@dataclass(frozen=True)
class OperatorActivity:
    """A stretch of an operator's day, as the AMI events told it: a handled call (its talk
    time, AgentComplete), a missed offer (AgentRingNoAnswer: ring time) or a pause with its
    reason (QueueMemberPause, written when it ends; wrap-up is the reason ``wrap-up``)."""

    operator: str
    kind: str  # handled, missed, pause
    started_at: datetime  # aware
    seconds: float
    reason: str = ""  # a pause's
    queue: str = ""
    unique_id: str = ""  # the caller's channel (handled, missed)
