"""The live queue board: who waits where and which operators are members (pure code).

It is rebuilt from a QueueStatus reply after every (re)connection and then kept current by
queue events. Times are epoch seconds passed in by the caller, so tests need no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..clock import day_of
from ..queues import EMERGENCY_QUEUES
from .events import (
    AgentAnswered,
    AgentDone,
    AgentRinging,
    CallerAbandoned,
    CallerJoined,
    CallerLeft,
    KeyPressed,
    MemberRemoved,
    MemberUpdated,
    QueueEvent,
    QueueSeen,
    VirtualHoldSeen,
)

ABANDONED_KEPT = 200
KEYED_KEPT = 5000  # calls remembered as having pressed a key (the silent-call mark)
LEFT_KEPT = 200  # callers who just left a queue, for an answer event that comes after


@dataclass
class WaitingCaller:
    unique_id: str
    caller_number: str
    joined_at: float
    language: str = ""
    ticket: str = ""
    arrived_at: float = 0.0  # when the call reached our Asterisk (112 waits count from it)
    keyed: bool = False  # pressed a key since it arrived
    virtual: bool = False  # a virtual-hold caller's place (called back when it is the front)


VIRTUAL_PLACE = "@virtual-hold-place"  # dialplan/extensions.conf [virtual-hold-place]


def is_virtual(channel: str) -> bool:
    """Whether a queue caller's channel is a virtual-hold place (``Local/s@virtual-hold-place
    -00000001;2``), not a caller on the line."""
    return channel.startswith("Local/") and VIRTUAL_PLACE in channel


def wait_start(queue: str, caller: WaitingCaller) -> float:
    """Where a caller's wait begins: arrival for the 112 queues, else joining this queue."""
    if queue in EMERGENCY_QUEUES and caller.arrived_at:
        return caller.arrived_at
    return caller.joined_at


def is_silent(queue: str, keyed: bool, waited_s: float, silent_after_s: float) -> bool:
    """A 112 caller who has pressed no key for ``silent_after_s`` since arriving (pure)."""
    return queue in EMERGENCY_QUEUES and not keyed and waited_s >= silent_after_s


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
    unique_id: str = ""
    callback: str = ""  # the callback's progress, e.g. "callback 2/3, no answer"


@dataclass
class QueueDay:
    """Today's answered and abandoned calls of one queue, as seconds waited (for the stats).

    Waits are kept to the millisecond, as the call records are: a wait of 15.04 s is not
    "within 15 s" (whole seconds rounded it to 15 and counted it; the simulated day caught it
    against SIPp's own times)."""

    answer_waits: list[float] = field(default_factory=list)
    abandon_waits: list[float] = field(default_factory=list)


@dataclass
class Offer:
    """The queue call an operator's phone rings with, or is talking to (the console's)."""

    queue: str
    unique_id: str
    caller_number: str
    language: str
    ticket: str
    state: str  # ringing, connected
    since: float
    waited_s: int = 0
    keyed: bool = False
    channel: str = ""  # the caller's channel (the console's transfer and hold move it)
    member_channel: str = ""


def local_day(now: float, timezone: str) -> str:
    """The calendar day (YYYY-MM-DD) of the real moment ``now`` in the city's time zone, by
    the day clock (``ivr/clock.py``: a simulated day's days pass in minutes)."""
    return datetime.fromtimestamp(day_of(now), UTC).astimezone(ZoneInfo(timezone)
                                                               ).date().isoformat()


@dataclass
class QueueBoard:
    queues: dict[str, QueueState] = field(default_factory=dict)
    abandoned: list[AbandonedCall] = field(default_factory=list)
    # Today's counters per queue (reset when the city's day changes) and each operator's offer.
    day: str = ""
    today: dict[str, QueueDay] = field(default_factory=dict)
    offers: dict[str, Offer] = field(default_factory=dict)
    timezone: str = "UTC"
    keyed: dict[str, float] = field(default_factory=dict)  # unique id -> when a key was seen
    # When the AMI service last stored the board (epoch s): a new AMI process reads back the
    # queue calls that ended after it from Asterisk's queue_log (ivr/ami/queue_log.py).
    seen_until: float = 0.0
    # Callers who just left a queue (not stored): when Asterisk tells the leave before the
    # answer, the answer still times the wait from the join (not HoldTime's whole seconds).
    left: dict[str, WaitingCaller] = field(default_factory=dict, repr=False, compare=False)

    def queue(self, name: str) -> QueueState:
        if name not in self.queues:
            self.queues[name] = QueueState(name)
        return self.queues[name]

    def day_of(self, queue: str, now: float) -> QueueDay:
        day = local_day(now, self.timezone)
        if day != self.day:
            self.day, self.today = day, {}
            self.abandoned = [a for a in self.abandoned if local_day(a.at, self.timezone) == day]
        return self.today.setdefault(queue, QueueDay())

    def apply(self, event: QueueEvent, now: float) -> None:
        """Update the board with one event received at ``now``."""
        if isinstance(event, KeyPressed):
            self._key_pressed(event.unique_id, now)
            return
        if isinstance(event, VirtualHoldSeen):  # its place shows as a caller (is_virtual)
            return
        if isinstance(event, AgentRinging | AgentAnswered | AgentDone):
            self._apply_offer(event, now)
            return
        state = self.queue(event.queue)
        if isinstance(event, CallerJoined):
            self._remove_caller(state, event.unique_id)
            # Moved to another queue (a key pressed, the console's transfer): no longer
            # offered to, or talking to, an operator of the queue it left.
            self._drop_offers(event.unique_id, keep_queue=event.queue)
            caller = WaitingCaller(event.unique_id, event.caller_number, now - event.waited_s,
                                   event.language, event.ticket,
                                   event.arrived_at or now - event.waited_s,
                                   event.unique_id in self.keyed,
                                   is_virtual(event.channel))
            index = min(max(event.position - 1, 0), len(state.waiting))
            state.waiting.insert(index, caller)
        elif isinstance(event, CallerLeft):
            gone = self._remove_caller(state, event.unique_id)
            if gone is not None:
                self.left[f"{event.queue} {event.unique_id}"] = gone
                while len(self.left) > LEFT_KEPT:
                    del self.left[next(iter(self.left))]
        elif isinstance(event, CallerAbandoned):
            gone = self._remove_caller(state, event.unique_id)
            number = gone.caller_number if gone else ""
            waited = (round(now - wait_start(event.queue, gone), 3) if gone
                      else float(event.hold_time_s))
            self.day_of(event.queue, now).abandon_waits.append(waited)
            self.abandoned.append(AbandonedCall(event.queue, number, now, round(waited),
                                                event.unique_id))
            del self.abandoned[:-ABANDONED_KEPT]
            self._drop_offers(event.unique_id)
        elif isinstance(event, MemberUpdated):
            self._update_member(state, event, now)
        elif isinstance(event, MemberRemoved):
            state.members.pop(event.interface, None)
        elif isinstance(event, QueueSeen):
            pass

    def _apply_offer(self, event: AgentRinging | AgentAnswered | AgentDone, now: float) -> None:
        if isinstance(event, AgentDone):
            offer = self.offers.get(event.member)
            if offer is not None and offer.unique_id == event.unique_id:
                del self.offers[event.member]
            return
        waiting = next((c for c in self.queue(event.queue).waiting
                        if c.unique_id == event.unique_id), None)
        if waiting is None and isinstance(event, AgentAnswered):
            waiting = self.left.pop(f"{event.queue} {event.unique_id}", None)
        old = self.offers.get(event.member)
        known = old if old is not None and old.unique_id == event.unique_id else None
        language = event.language or (waiting.language if waiting else "") or (
            known.language if known else "")
        ticket = event.ticket or (waiting.ticket if waiting else "") or (
            known.ticket if known else "")
        start = wait_start(event.queue, waiting) if waiting else None
        waited = round(now - start) if start is not None else (known.waited_s if known else 0)
        if isinstance(event, AgentAnswered):
            waited = waited if start is not None else event.hold_time_s
            exact = round(now - start, 3) if start is not None else float(event.hold_time_s)
            self.day_of(event.queue, now).answer_waits.append(exact)
        state = "connected" if isinstance(event, AgentAnswered) else "ringing"
        self.offers[event.member] = Offer(event.queue, event.unique_id, event.caller_number,
                                          language, ticket, state, now, waited,
                                          event.unique_id in self.keyed,
                                          event.channel or (known.channel if known else ""),
                                          event.member_channel
                                          or (known.member_channel if known else ""))

    def _key_pressed(self, unique_id: str, now: float) -> None:
        self.keyed[unique_id] = now
        if len(self.keyed) > KEYED_KEPT:
            for old in sorted(self.keyed, key=self.keyed.__getitem__)[:len(self.keyed) // 2]:
                del self.keyed[old]
        for queue in self.queues.values():
            for caller in queue.waiting:
                if caller.unique_id == unique_id:
                    caller.keyed = True
        for member, offer in list(self.offers.items()):
            if offer.unique_id == unique_id:
                self.offers[member] = replace(offer, keyed=True)

    def note_abandoned(self, unique_id: str, callback: str) -> bool:
        """Set the callback progress of an abandoned call; False if it is not on the board."""
        for call in self.abandoned:
            if call.unique_id == unique_id:
                call.callback = callback
                return True
        return False

    def _drop_offers(self, unique_id: str, keep_queue: str = "") -> None:
        for member in [m for m, o in self.offers.items()
                       if o.unique_id == unique_id and o.queue != keep_queue]:
            del self.offers[member]

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
        """The board as plain data (what redis stores). Written out by hand: ``asdict``'s deep
        copy was most of the AMI client's time under load (bench/README.md)."""
        return {
            "queues": {name: _queue_dict(q) for name, q in sorted(self.queues.items())},
            "abandoned": [dict(vars(a)) for a in self.abandoned],
            "day": self.day,
            "today": {name: {"answer_waits": list(d.answer_waits),
                             "abandon_waits": list(d.abandon_waits)}
                      for name, d in sorted(self.today.items())},
            "offers": {name: dict(vars(o)) for name, o in sorted(self.offers.items())},
            "keyed": dict(self.keyed),
            "seen_until": self.seen_until,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], timezone: str = "UTC") -> QueueBoard:
        """The inverse of ``to_dict`` (what redis stores); keys an older writer did not write
        take their defaults, keys a newer one adds are ignored."""
        return cls(
            queues={name: _queue_of(name, q) for name, q in data.get("queues", {}).items()},
            abandoned=[_abandoned_of(a) for a in data.get("abandoned", [])],
            day=str(data.get("day", "")),
            today={name: QueueDay([float(w) for w in d.get("answer_waits", [])],
                                  [float(w) for w in d.get("abandon_waits", [])])
                   for name, d in data.get("today", {}).items()},
            offers={name: _offer_of(o) for name, o in data.get("offers", {}).items()},
            timezone=timezone,
            keyed={str(k): float(v) for k, v in data.get("keyed", {}).items()},
            seen_until=float(data.get("seen_until", 0.0)))


def _queue_dict(queue: QueueState) -> dict[str, Any]:
    return {"name": queue.name,
            "waiting": [dict(vars(c)) for c in queue.waiting],
            "members": {key: dict(vars(m)) for key, m in queue.members.items()}}


def _queue_of(name: str, data: Mapping[str, Any]) -> QueueState:
    return QueueState(str(data.get("name", name)),
                      [_caller_of(c) for c in data.get("waiting", [])],
                      {key: _member_of(key, m) for key, m in data.get("members", {}).items()})


def _caller_of(data: Mapping[str, Any]) -> WaitingCaller:
    return WaitingCaller(str(data.get("unique_id", "")), str(data.get("caller_number", "")),
                         float(data.get("joined_at", 0.0)), str(data.get("language", "")),
                         str(data.get("ticket", "")), float(data.get("arrived_at", 0.0)),
                         bool(data.get("keyed", False)), bool(data.get("virtual", False)))


def _member_of(interface: str, data: Mapping[str, Any]) -> Member:
    return Member(interface=str(data.get("interface", interface)),
                  name=str(data.get("name", interface)), state=str(data.get("state", "")),
                  paused=bool(data.get("paused", False)),
                  paused_reason=str(data.get("paused_reason", "")),
                  in_call=bool(data.get("in_call", False)), since=float(data.get("since", 0.0)),
                  penalty=int(data.get("penalty", 0)),
                  last_call=float(data.get("last_call", 0.0)))


def _abandoned_of(data: Mapping[str, Any]) -> AbandonedCall:
    return AbandonedCall(str(data.get("queue", "")), str(data.get("caller_number", "")),
                         float(data.get("at", 0.0)), int(data.get("waited_s", 0)),
                         str(data.get("unique_id", "")), str(data.get("callback", "")))


def _offer_of(data: Mapping[str, Any]) -> Offer:
    return Offer(str(data.get("queue", "")), str(data.get("unique_id", "")),
                 str(data.get("caller_number", "")), str(data.get("language", "")),
                 str(data.get("ticket", "")), str(data.get("state", "")),
                 float(data.get("since", 0.0)), int(data.get("waited_s", 0)),
                 bool(data.get("keyed", False)), str(data.get("channel", "")),
                 str(data.get("member_channel", "")))


def today_from_snapshot(stored: QueueBoard | Mapping[str, Any],
                        timezone: str = "UTC") -> QueueBoard:
    """A board holding only the day's counters of a stored board (after an AMI restart).

    ``stored`` is what ``LiveState.load_board`` returns; its plain-data form is still taken.
    """
    board = stored if isinstance(stored, QueueBoard) else QueueBoard.from_dict(stored)
    return QueueBoard(
        abandoned=list(board.abandoned), day=board.day, keyed=dict(board.keyed),
        today={name: QueueDay(list(d.answer_waits), list(d.abandon_waits))
               for name, d in board.today.items()},
        timezone=timezone)


def rebuild(events: list[QueueEvent], now: float, previous: QueueBoard | None = None) -> QueueBoard:
    """A fresh board from a QueueStatus reply; today's counters and abandoned calls carry over.

    Offers are not carried: a lost link may have hidden the end of any of them.
    """
    board = QueueBoard(abandoned=list(previous.abandoned) if previous else [])
    if previous is not None:
        board.day, board.timezone = previous.day, previous.timezone
        board.today = {name: QueueDay(list(d.answer_waits), list(d.abandon_waits))
                       for name, d in previous.today.items()}
        board.keyed = dict(previous.keyed)
    for event in events:
        board.apply(event, now)
    if previous is not None:  # QueueStatus does not tell when a call arrived: keep it
        arrivals = {c.unique_id: c.arrived_at for q in previous.queues.values()
                    for c in q.waiting}
        for queue in board.queues.values():
            for caller in queue.waiting:
                caller.arrived_at = min(caller.arrived_at,
                                        arrivals.get(caller.unique_id) or caller.arrived_at)
    return board


def queues_view(board: QueueBoard, now: float) -> list[dict[str, Any]]:
    """The /api/v1/queues body from a stored board: positions and seconds waited at ``now``."""
    return [{"name": name,
             "waiting": [_waiting_view(name, c, position, now)
                         for position, c in enumerate(queue.waiting, start=1)],
             "members": [_member_view(m, now)
                         for m in sorted(queue.members.values(), key=lambda m: m.interface)]}
            for name, queue in sorted(board.queues.items())]


def _waiting_view(queue: str, caller: WaitingCaller, position: int, now: float
                  ) -> dict[str, Any]:
    return {"caller_number": caller.caller_number, "position": position,
            "waited_s": max(0, round(now - wait_start(queue, caller))),
            "in_queue_s": max(0, round(now - caller.joined_at)),
            "unique_id": caller.unique_id, "language": caller.language,
            "ticket": caller.ticket, "keyed": caller.keyed, "virtual": caller.virtual}


def _member_view(member: Member, now: float) -> dict[str, Any]:
    return {"interface": member.interface, "name": member.name, "state": member.state,
            "paused": member.paused, "paused_reason": member.paused_reason,
            "in_call": member.in_call, "in_state_s": max(0, round(now - member.since))}
