"""The live queue board: who waits where and which operators are members (pure code).

It is rebuilt from a QueueStatus reply after every (re)connection and then kept current by
queue events. Times are epoch seconds passed in by the caller, so tests need no clock.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .events import (
    CallerAbandoned,
    CallerJoined,
    CallerLeft,
    MemberRemoved,
    MemberUpdated,
    QueueEvent,
    QueueSeen,
)

ABANDONED_KEPT = 200


@dataclass
class WaitingCaller:
    unique_id: str
    caller_number: str
    joined_at: float
    language: str = ""
    ticket: str = ""


@dataclass
class Member:
    interface: str
    name: str
    state: str
    paused: bool
    paused_reason: str
    in_call: bool
    since: float
    penalty: int = 0
    last_call: float = 0.0


@dataclass
class QueueState:
    name: str
    waiting: list[WaitingCaller] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)


@dataclass
class AbandonedCall:
    queue: str
    caller_number: str
    at: float
    waited_s: int


@dataclass
class QueueBoard:
    queues: dict[str, QueueState] = field(default_factory=dict)
    abandoned: list[AbandonedCall] = field(default_factory=list)

    def queue(self, name: str) -> QueueState:
        if name not in self.queues:
            self.queues[name] = QueueState(name)
        return self.queues[name]

    def apply(self, event: QueueEvent, now: float) -> None:
        """Update the board with one event received at ``now``."""
        state = self.queue(event.queue)
        if isinstance(event, CallerJoined):
            self._remove_caller(state, event.unique_id)
            caller = WaitingCaller(event.unique_id, event.caller_number, now - event.waited_s,
                                   event.language, event.ticket)
            index = min(max(event.position - 1, 0), len(state.waiting))
            state.waiting.insert(index, caller)
        elif isinstance(event, CallerLeft):
            self._remove_caller(state, event.unique_id)
        elif isinstance(event, CallerAbandoned):
            gone = self._remove_caller(state, event.unique_id)
            number = gone.caller_number if gone else ""
            self.abandoned.append(AbandonedCall(event.queue, number, now, event.hold_time_s))
            del self.abandoned[:-ABANDONED_KEPT]
        elif isinstance(event, MemberUpdated):
            self._update_member(state, event, now)
        elif isinstance(event, MemberRemoved):
            state.members.pop(event.interface, None)
        elif isinstance(event, QueueSeen):
            pass

    @staticmethod
    def _remove_caller(state: QueueState, unique_id: str) -> WaitingCaller | None:
        for index, caller in enumerate(state.waiting):
            if caller.unique_id == unique_id:
                return state.waiting.pop(index)
        return None

    @staticmethod
    def _update_member(state: QueueState, event: MemberUpdated, now: float) -> None:
        old = state.members.get(event.interface)
        changed = old is None or (old.state, old.paused, old.in_call) != (
            event.state, event.paused, event.in_call)
        state.members[event.interface] = Member(
            interface=event.interface,
            name=event.name or (old.name if old else event.interface),
            state=event.state,
            paused=event.paused,
            paused_reason=event.paused_reason,
            in_call=event.in_call,
            since=now if changed or old is None else old.since,
            penalty=event.penalty,
            last_call=event.last_call,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "queues": {name: asdict(q) for name, q in sorted(self.queues.items())},
            "abandoned": [asdict(a) for a in self.abandoned],
        }


def rebuild(events: list[QueueEvent], now: float, previous: QueueBoard | None = None) -> QueueBoard:
    """A fresh board from a QueueStatus reply; today's abandoned calls are carried over."""
    board = QueueBoard(abandoned=list(previous.abandoned) if previous else [])
    for event in events:
        board.apply(event, now)
    return board


def queues_view(snapshot: dict[str, Any], now: float) -> list[dict[str, Any]]:
    """The /api/v1/queues body from a stored board: positions and seconds waited at ``now``."""
    view = []
    for name, queue in sorted(snapshot.get("queues", {}).items()):
        waiting = [
            {"caller_number": c["caller_number"], "position": position,
             "waited_s": max(0, round(now - c["joined_at"])), "unique_id": c["unique_id"],
             "language": c.get("language", ""), "ticket": c.get("ticket", "")}
            for position, c in enumerate(queue["waiting"], start=1)
        ]
        members = [
            {"interface": m["interface"], "name": m["name"], "state": m["state"],
             "paused": m["paused"], "paused_reason": m["paused_reason"],
             "in_call": m["in_call"], "in_state_s": max(0, round(now - m["since"]))}
            for m in sorted(queue["members"].values(), key=lambda m: m["interface"])
        ]
        view.append({"name": name, "waiting": waiting, "members": members})
    return view
