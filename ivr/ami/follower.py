"""Follows Asterisk's queues over AMI and keeps the live board in redis.

After every login (first connection, Asterisk restart, lost link) the board is rebuilt from
a ``QueueStatus`` reply, then kept current by queue events. While the link is up a heartbeat
says so (AMI up, Asterisk answering pings); when it drops the heartbeat is removed at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from panoramisk import Manager

from ..config import Settings
from ..state import LiveState
from .board import QueueBoard, WaitingCaller, rebuild, today_from_snapshot
from .events import (
    AGENT_EVENTS,
    AgentAnswered,
    CallerAbandoned,
    CallerJoined,
    QueueEvent,
    parse_event,
)

log = logging.getLogger(__name__)

PING_EVERY_S = 1.0
PING_TIMEOUT_S = 2.0
JOINS_KEPT_S = 86400.0  # a join whose end was never seen is forgotten after a day

# Told of each queue call that stopped waiting (answered or abandoned), with what its join
# said (None when the join was not seen) and the time; the reports' call records.
CallDone = Callable[[AgentAnswered | CallerAbandoned, WaitingCaller | None, float], None]


class QueueFollower:
    def __init__(self, settings: Settings, live: LiveState) -> None:
        self.settings = settings
        self.live = live
        self.board = QueueBoard(timezone=settings.ticket_timezone)
        self.synced = False
        self._restored = False
        self._lock = asyncio.Lock()
        self.on_call_done: CallDone | None = None
        self._joins: dict[tuple[str, str], WaitingCaller] = {}
        self.manager = Manager(
            host=settings.ami_host, port=settings.ami_port,
            username=settings.ami_user, secret=settings.ami_secret,
            ping_delay=3600, reconnect_timeout=1,
            on_login=self._on_login, on_disconnect=self._on_disconnect,
            loop=asyncio.get_running_loop(),
        )
        self.manager.register_event("QueueCaller*", self._on_event)
        self.manager.register_event("QueueMember*", self._on_event)
        for name in AGENT_EVENTS:  # offers to operators, answered calls (wallboard, console)
            self.manager.register_event(name, self._on_event)

    def start(self) -> None:
        self.manager.connect()

    def stop(self) -> None:
        self.manager.close()

    @property
    def linked(self) -> bool:
        protocol = self.manager.protocol
        return bool(self.manager.authenticated and protocol is not None
                    and protocol.transport is not None and not protocol.transport.is_closing())

    def _on_login(self, manager: Manager) -> None:
        log.info("AMI logged in to %s:%d", self.settings.ami_host, self.settings.ami_port)
        asyncio.ensure_future(self.resync())

    def _on_disconnect(self, manager: Manager, exc: Exception | None) -> None:
        log.warning("AMI link lost (%s); reconnecting", exc or "closed")
        self.synced = False
        asyncio.ensure_future(self.live.flatline("ami"))

    async def resync(self) -> None:
        """Rebuild the board from QueueStatus (Asterisk's own view)."""
        async with self._lock:
            if not self._restored:  # an AMI client restart keeps today's counters
                self._restored = True
                stored = await self.live.load_board()
                self.board = today_from_snapshot(stored, self.settings.ticket_timezone)
            reply = await self.manager.send_action({"Action": "QueueStatus"}, as_list=True)
            messages = reply if isinstance(reply, list) else [reply]
            events = [e for e in (parse_event(m) for m in messages) if e is not None]
            self.board = rebuild(events, time.time(), self.board)
            self.synced = True
            log.info("queue board resynchronised: %d queues, %d callers waiting",
                     len(self.board.queues),
                     sum(len(q.waiting) for q in self.board.queues.values()))
            await self.live.save_board(self.board.to_dict(), "resync")

    async def _on_event(self, manager: Manager, message: Any) -> None:
        event = parse_event(message)
        if event is None:
            return
        await self.apply(event)

    async def apply(self, event: QueueEvent) -> None:
        async with self._lock:
            now = time.time()
            caller = self._caller_of(event)
            self.board.apply(event, now)
            self._remember_join(event, now)
            await self.live.save_board(self.board.to_dict(), type(event).__name__)
        if self.on_call_done is not None and isinstance(event, AgentAnswered | CallerAbandoned):
            try:
                self.on_call_done(event, caller, now)
            except Exception:  # a report sink must never stop the board
                log.exception("call-done sink failed for %s", event.unique_id)

    def _caller_of(self, event: QueueEvent) -> WaitingCaller | None:
        """The join of the caller an answer or abandon ends (seen, or on the board)."""
        if not isinstance(event, AgentAnswered | CallerAbandoned):
            return None
        known = self._joins.pop((event.queue, event.unique_id), None)
        waiting = self.board.queues.get(event.queue)
        on_board = next((c for c in waiting.waiting if c.unique_id == event.unique_id),
                        None) if waiting else None
        return known or on_board

    def _remember_join(self, event: QueueEvent, now: float) -> None:
        if not isinstance(event, CallerJoined):
            return
        for caller in self.board.queue(event.queue).waiting:
            if caller.unique_id == event.unique_id:
                self._joins[(event.queue, event.unique_id)] = caller
        for key in [k for k, c in self._joins.items() if c.joined_at < now - JOINS_KEPT_S]:
            del self._joins[key]

    async def ping(self) -> bool:
        """True when Asterisk answers an AMI Ping in time."""
        if not self.linked:
            return False
        try:
            reply = await asyncio.wait_for(
                self.manager.send_action({"Action": "Ping"}), PING_TIMEOUT_S)
        except (TimeoutError, ConnectionError, AttributeError):
            return False
        return bool(getattr(reply, "success", False))

    async def keep_heartbeat(self) -> None:
        while True:
            if self.synced and await self.ping():
                await self.live.beat("ami", {"asterisk": "up", "at": time.time()})
            else:
                await self.live.flatline("ami")
            await asyncio.sleep(PING_EVERY_S)
