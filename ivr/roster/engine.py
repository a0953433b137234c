"""The roster engine: keeps Asterisk's queue members equal to the roster, second by second.

Each pass (every ``TICK_S``, and at once after a queue event) it reads the roster (reloaded
when the file changes), the clock and the pauses, works out the members every queue should
have (``plan.wanted_members``) and applies the difference (``plan.membership_plan``). So a
shift boundary takes effect within a second, an operator still on a call keeps it and leaves
the queue when it ends, and after every AMI login (Asterisk restart, lost link) the queues are
rebuilt from Asterisk's own ``QueueStatus``. The clock is injected: tests move it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from ..aio import within
from ..ami.board import QueueBoard, rebuild
from ..ami.events import AgentAnswered, QueueEvent
from ..console.wrapup import LastCall, wrap_up_pauses
from .model import Roster, on_shift
from .plan import (
    ALL_QUEUES,
    Key,
    Membership,
    QueueAction,
    membership_plan,
    surging_queues,
    wanted_members,
)
from .states import ON_CALL, RINGING
from .store import RosterStore

log = logging.getLogger(__name__)

TICK_S = 1.0
DEFAULT_SURGE_AFTER_S = 10.0
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class QueuesPort(Protocol):
    async def status(self) -> list[QueueEvent]: ...
    async def apply(self, action: QueueAction) -> bool: ...


class PausesPort(Protocol):
    async def all(self) -> dict[str, str]: ...
    async def away(self) -> set[str]: ...
    async def wrap_marks(self) -> dict[str, float]: ...


class RosterEngine:
    def __init__(self, store: RosterStore, queues: QueuesPort, pauses: PausesPort,
                 clock: Clock = utc_now, surge_after_s: float = DEFAULT_SURGE_AFTER_S,
                 on_pass: Callable[[], Awaitable[None]] | None = None,
                 wrapup_s: float = 0.0, day_clock: Clock | None = None) -> None:
        self.store = store
        self.queues = queues
        self.pauses = pauses
        self.clock = clock
        # Which shift is on follows the day clock (ivr/clock.py; a simulated day scales it);
        # None: ``clock``. Waits and wrap-ups are real seconds (``clock``).
        self.day_clock = day_clock
        self.surge_after_s = surge_after_s
        self.on_pass = on_pass
        self.wrapup_s = wrapup_s
        # Operator -> when their latest queue call was answered, and when it ended, as seen
        # here (Asterisk's LastCall misses a caller moved away by the console's transfer).
        self.answered: dict[str, float] = {}
        self.ended: dict[str, float] = {}
        self.board = QueueBoard()
        self.linked = False
        self._roster = Roster()
        self._stamp: tuple[int, int] | None = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._surging: list[str] = []

    # -- inputs -------------------------------------------------------------------------------

    async def logged_in(self) -> None:
        """After every AMI login: forget what we knew, take Asterisk's view, re-apply."""
        async with self._lock:
            events = await self.queues.status()
            self.board = rebuild(events, self.now())
            self.linked = True
        log.info("queues read from Asterisk; re-applying the roster from scratch")
        await self.reconcile()

    def link_lost(self) -> None:
        self.linked = False

    def event(self, event: QueueEvent) -> None:
        log.debug("%s", event)
        now = self.now()
        talking = {n for n, o in self.board.offers.items() if o.state == "connected"}
        if isinstance(event, AgentAnswered):
            self.answered[event.member] = now
        self.board.apply(event, now)
        for name in talking - set(self.board.offers):  # the call is over (or moved away)
            self.ended[name] = now
        self._wake.set()

    # -- the pass -----------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock().timestamp()

    def roster(self) -> Roster:
        stamp = self.store.stamp()
        if stamp != self._stamp:
            self._roster = self.store.load()
            self._stamp = stamp
            log.info("roster loaded: %d operators, %d assignments",
                     len(self._roster.operators), len(self._roster.assignments))
        return self._roster

    def current_members(self) -> tuple[dict[Key, Membership], set[str]]:
        """Members of our queues as Asterisk last told us, and the interfaces busy on a call."""
        current: dict[Key, Membership] = {}
        busy: set[str] = set()
        for name, queue in self.board.queues.items():
            for interface, m in queue.members.items():
                if m.in_call or m.state in RINGING or m.state in ON_CALL:
                    busy.add(interface)
                if name in ALL_QUEUES:
                    current[(name, interface)] = Membership(m.name, m.penalty, m.paused,
                                                            m.paused_reason)
        return current, busy

    def last_calls(self) -> dict[str, LastCall]:
        """Each member's latest queue call: answered (seen here), ended (Asterisk's LastCall),
        and whether it is still on."""
        ended: dict[str, float] = dict(self.ended)
        for queue in self.board.queues.values():
            for member in queue.members.values():
                ended[member.name] = max(ended.get(member.name, 0.0), member.last_call)
        return {name: LastCall(self.answered.get(name, 0.0), ended.get(name, 0.0),
                               self.board.offers.get(name, None) is not None
                               and self.board.offers[name].state == "connected")
                for name in set(ended) | set(self.answered)}

    def oldest_waits(self, now: float) -> dict[str, float]:
        return {name: max(now - c.joined_at for c in queue.waiting)
                for name, queue in self.board.queues.items() if queue.waiting}

    async def plan(self) -> list[QueueAction]:
        roster = self.roster()
        clock = self.clock()
        surging = surging_queues(self.oldest_waits(clock.timestamp()), self.surge_after_s)
        if surging != self._surging:
            log.warning("emergency surge in %s (callers waiting %.0f s or more): every operator "
                        "is offered the call, pauses lifted there", surging or "no queue",
                        self.surge_after_s)
            self._surging = surging
        away = await self.pauses.away()  # logged out of their queues: kept out, surge too
        day = self.day_clock() if self.day_clock is not None else clock
        working = {u: s for u, s in on_shift(roster, day).items() if u not in away}
        operators = {u: o for u, o in roster.operators.items() if u not in away}
        pauses = wrap_up_pauses(self.last_calls(), await self.pauses.wrap_marks(),
                                await self.pauses.all(), clock.timestamp(), self.wrapup_s)
        wanted = wanted_members(working, operators, pauses, surging)
        current, busy = self.current_members()
        return membership_plan(current, wanted, busy)

    async def reconcile(self) -> None:
        if not self.linked:
            return
        async with self._lock:
            for action in await self.plan():
                await self.queues.apply(action)
        if self.on_pass is not None:
            await self.on_pass()

    async def run(self) -> None:
        """Reconcile every TICK_S and after queue events, until cancelled."""
        while True:
            try:
                await self.reconcile()
            except Exception:  # one bad pass must not stop the engine; logged with its cause
                log.exception("roster pass failed; trying again")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await within(self._wake.wait(), TICK_S)
