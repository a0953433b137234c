"""Follows Asterisk's queues over AMI and keeps the live board in redis.

After every login (first connection, Asterisk restart, lost link) the board is rebuilt from
a ``QueueStatus`` reply, then kept current by queue events. While the link is up and the board
synced a heartbeat says so (AMI up, Asterisk answering pings); otherwise it is removed, so
``/healthz`` reports the AMI client down.

panoramisk never resolves an action whose reply the link cut in half, so a resync could wait
for ever while holding the board's lock (no heartbeat, no events applied, nothing restarting
the process). Hence: the resync is cancelled when the link drops and has a time-out; a link
that stays logged in without a synced board for ``STUCK_AFTER_S`` is dropped and made again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol

from redis.exceptions import RedisError

from ..config import Settings
from .board import QueueBoard, WaitingCaller, rebuild, today_from_snapshot
from .client import QUEUE_EVENTS, AmiClient, TaskSet
from .events import AGENT_EVENTS, AgentAnswered, CallerAbandoned, CallerJoined, QueueEvent
from .publisher import BoardPublisher
from .queue_log import missed_ends, read_tail

KEY_EVENTS = ("DTMFEnd",)  # keys pressed while waiting: a 112 caller who pressed none is silent
USER_EVENTS = ("UserEvent",)  # the dialplan's own news: virtual hold steps

log = logging.getLogger(__name__)

PING_EVERY_S = 1.0
PING_TIMEOUT_S = 2.0
JOINS_KEPT_S = 86400.0  # a join whose end was never seen is forgotten after a day
RESYNC_TIMEOUT_S = 10.0  # a QueueStatus reply of a 500-caller board takes well under 1 s
STUCK_AFTER_S = 30.0  # logged in this long without a synced board: drop the link, log in again
# Ends read back from queue_log after an outage: from this long before the link was lost (the
# log's times are whole seconds) to this long after the new login; recorded calls are skipped.
CATCH_UP_MARGIN_S = 2.0
JOINS_SWEPT_EVERY_S = 60.0  # how often the forgotten joins are looked for

LinkState = Literal["synced", "syncing", "stuck", "down"]

# Told of each queue call that stopped waiting (answered or abandoned), with what its join
# said (None when the join was not seen) and the time; the reports' call records.
CallDone = Callable[[AgentAnswered | CallerAbandoned, WaitingCaller | None, float], None]


class LivePort(Protocol):
    """Where the board and the heartbeat go (``ivr.state.LiveState``: redis)."""

    async def save_board(self, board: dict[str, Any], reason: str) -> None: ...

    async def load_board(self) -> QueueBoard | Mapping[str, Any]: ...

    async def beat(self, service: str, details: dict[str, Any]) -> None: ...

    async def flatline(self, service: str) -> None: ...


def link_state(linked: bool, synced: bool, unsynced_for_s: float,
               stuck_after_s: float = STUCK_AFTER_S) -> LinkState:
    """What the follower's link amounts to (pure): only ``synced`` earns a heartbeat.

    ``stuck`` is logged in but without a board for too long (a resync that failed or never
    ended): the link is then dropped so that a new login resyncs.
    """
    if not linked:
        return "down"
    if synced:
        return "synced"
    return "stuck" if unsynced_for_s >= stuck_after_s else "syncing"


class QueueFollower:
    def __init__(self, settings: Settings, live: LivePort, *,
                 resync_timeout_s: float = RESYNC_TIMEOUT_S,
                 stuck_after_s: float = STUCK_AFTER_S) -> None:
        self.settings = settings
        self.live = live
        self.board = QueueBoard(timezone=settings.ticket_timezone)
        self.synced = False
        self.resync_timeout_s = resync_timeout_s
        self.stuck_after_s = stuck_after_s
        self._unsynced_since = time.monotonic()  # since the last login, while not synced
        self._logins = 0  # which login a resync belongs to; an older one gives way
        self._restored = False
        self._lock = asyncio.Lock()
        # Event-driven saves, coalesced (publisher.py); resyncs save at once (``_save``).
        self.publisher = BoardPublisher(self._save, settings.board_coalesce_ms / 1000)
        self._tasks = TaskSet("AMI follower", log)
        self._resyncs = TaskSet("AMI follower", log)  # cancelled when the link drops
        self.on_call_done: CallDone | None = None
        self._joins: dict[tuple[str, str], WaitingCaller] = {}
        self._swept_at = 0.0
        # (queue, unique id) -> when its call record was handed on: none is handed on twice.
        self._recorded: dict[tuple[str, str], float] = {}
        self._lost_at: float | None = None  # the link was lost then and no catch-up ran since
        self._catch_up_since: float | None = None  # read queue_log back from then, next resync
        self._login_at = 0.0
        self._unsaved = False  # the board changed while redis was away: save it when back
        self.queue_log = settings.logs_dir / "asterisk" / "queue_log"
        # Offers to operators and answered calls too (wallboard, console).
        # Told of every event once it is on the board (ivr/emergency/lane.py).
        self.listeners: list[Callable[[QueueEvent, float], None]] = []
        self.ami = AmiClient(settings, (*QUEUE_EVENTS, *AGENT_EVENTS, *KEY_EVENTS, *USER_EVENTS),
                             on_login=self._on_login,
                             on_lost=self._on_lost, on_event=self._on_event)

    def start(self) -> None:
        self.ami.connect()

    def stop(self) -> None:
        self.ami.close()

    @property
    def linked(self) -> bool:
        return self.ami.linked

    def _on_login(self) -> None:
        self._logins += 1
        self._login_at = time.time()
        self.synced, self._unsynced_since = False, time.monotonic()
        self._resyncs.spawn(self.resync(), "resync")

    def _on_lost(self, exc: Exception | None) -> None:
        self.synced = False
        if self._lost_at is None:
            self._lost_at = time.time()
        self._resyncs.cancel()  # its reply will never complete: free the lock now
        self._tasks.spawn(self.live.flatline("ami"), "heartbeat removal")

    def _relink(self, why: str) -> None:
        """Drop the AMI link; panoramisk reconnects and logs in, which starts a new resync."""
        if self.ami.drop():
            log.error("AMI follower: %s; dropping the link to log in again", why)

    async def resync(self) -> None:
        """Rebuild the board from QueueStatus (Asterisk's own view), within a time-out."""
        login = self._logins
        try:
            await self._resync(login)
        except TimeoutError:
            if login == self._logins:
                self._relink(f"no complete QueueStatus reply in {self.resync_timeout_s:.0f} s")

    async def _resync(self, login: int) -> None:
        async with self._lock:
            if login != self._logins:
                return  # a newer login has its own resync waiting
            if not self._restored:  # an AMI client restart keeps today's counters
                self._restored = True
                stored = await self.live.load_board()
                self.board = today_from_snapshot(stored, self.settings.ticket_timezone)
                # Calls that ended after the last process stored its board: read back below.
                # From that very moment (no margin): this process has recorded nothing yet.
                board = stored if isinstance(stored, QueueBoard) else QueueBoard.from_dict(stored)
                self._catch_up_since = board.seen_until or None
            events = await self.ami.queue_status(self.resync_timeout_s)
            known = set(self._joins) | {(name, c.unique_id) for name, q in
                                        self.board.queues.items() for c in q.waiting}
            self.board = rebuild(events, time.time(), self.board)
            self.synced = True
            log.info("queue board resynchronised: %d queues, %d callers waiting",
                     len(self.board.queues),
                     sum(len(q.waiting) for q in self.board.queues.values()))
            await self._save("resync")
            if self._lost_at is not None:
                self._catch_up_since = self._lost_at - CATCH_UP_MARGIN_S
            if self._catch_up_since is not None:
                await self._catch_up(self._catch_up_since, self._login_at, known)
                self._lost_at = self._catch_up_since = None
            self._tell_unseen_joins(events, known)

    async def _catch_up(self, since: float, login_at: float,
                        known: set[tuple[str, str]]) -> None:
        """Tell the queue calls that ended while the link was down (Asterisk's queue_log) to
        the listeners (a join not seen first: the 112 lane's incident) and the call records;
        run under the lock, so events that came after the login wait and are not doubled."""
        lines = await asyncio.to_thread(read_tail, self.queue_log)
        missed = missed_ends(lines, since, login_at + CATCH_UP_MARGIN_S, set(self._recorded))
        for end in missed:
            key, joined = (end.event.queue, end.event.unique_id), end.caller
            if key not in known:
                self._tell(CallerJoined(key[0], key[1], joined.caller_number, 0,
                                        arrived_at=joined.arrived_at), joined.joined_at)
            self._tell(end.event, end.at)
            self._call_done(end.event, self._joins.pop(key, joined), end.at)
        log.info("AMI events unseen for %.1f s: %d queue calls that ended meanwhile recorded "
                 "from %s", login_at - since, len(missed), self.queue_log)

    async def _save(self, reason: str) -> None:
        """Store the board, stamped ``seen_until`` now (under the lock); redis away is logged
        and the board kept, to be saved by the next change or heartbeat: the events' other
        work (listeners, call records) must go on without redis."""
        self.board.seen_until = time.time()
        try:
            await self.live.save_board(self.board.to_dict(), reason)
            self._unsaved = False
        except (RedisError, OSError) as exc:
            if not self._unsaved:
                log.warning("queue board not stored (%r); kept until redis answers", exc)
            self._unsaved = True

    def _on_event(self, event: QueueEvent) -> None:
        # A task per event; the lock keeps them in arrival order.
        self._tasks.spawn(self.apply(event), f"{type(event).__name__} {event.queue}")

    async def note_abandoned(self, unique_id: str, callback: str) -> None:
        """Show a callback's progress beside its abandoned call on the board."""
        async with self._lock:
            if self.board.note_abandoned(unique_id, callback):
                await self.publisher.changed("callback")

    async def apply(self, event: QueueEvent) -> None:
        async with self._lock:
            now = time.time()
            caller = self._caller_of(event)
            self.board.apply(event, now)
            self._remember_join(event, now)
            await self.publisher.changed(type(event).__name__)
            self._tell(event, now)
        if isinstance(event, AgentAnswered | CallerAbandoned):
            self._call_done(event, caller, now)

    def _tell(self, event: QueueEvent, now: float) -> None:
        for listener in self.listeners:
            try:
                listener(event, now)
            except Exception:  # a listener must never stop the board
                log.exception("event listener failed for %s", type(event).__name__)

    def _tell_unseen_joins(self, events: list[QueueEvent], known: set[tuple[str, str]]) -> None:
        """Callers a resync found waiting whose join no event told (they came while the link
        was down, or before this process started): the listeners hear of them now."""
        now = time.time()
        for event in events:
            if isinstance(event, CallerJoined) and (event.queue, event.unique_id) not in known:
                self._tell(event, now)
                self._remember_join(event, now)

    def _call_done(self, event: AgentAnswered | CallerAbandoned, caller: WaitingCaller | None,
                   now: float) -> None:
        """Hand a call's end to the call-record sink, once (AMI event or queue_log catch-up)."""
        key = (event.queue, event.unique_id)
        if self.on_call_done is None or key in self._recorded:
            return
        self._recorded[key] = now
        for old in [k for k, at in self._recorded.items() if at < now - JOINS_KEPT_S]:
            del self._recorded[old]
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
        if now - self._swept_at < JOINS_SWEPT_EVERY_S:  # a sweep walks every join: not per event
            return
        self._swept_at = now
        for key in [k for k, c in self._joins.items() if c.joined_at < now - JOINS_KEPT_S]:
            del self._joins[key]

    async def ping(self) -> bool:
        """True when Asterisk answers an AMI Ping in time."""
        if not self.linked:
            return False
        try:
            reply = await self.ami.send({"Action": "Ping"}, PING_TIMEOUT_S)
        except (TimeoutError, ConnectionError):  # no link, or a reply lost with it
            return False
        return reply.success

    def state(self) -> LinkState:
        unsynced_for = 0.0 if self.synced else time.monotonic() - self._unsynced_since
        return link_state(self.linked, self.synced, unsynced_for, self.stuck_after_s)

    async def keep_heartbeat(self) -> None:
        """Beat while synced and Asterisk answers pings; a stuck link is dropped and made again."""
        while True:
            try:
                await self.beat_once()
            except (RedisError, OSError) as exc:  # redis restarting: beat again next round
                log.warning("AMI heartbeat not written: %r", exc)
            await asyncio.sleep(PING_EVERY_S)

    async def beat_once(self) -> LinkState:
        state = self.state()
        if self._unsaved and state == "synced":
            async with self._lock:
                await self._save("redis back")
        if state == "synced" and await self.ping():
            await self.live.beat("ami", {"asterisk": "up", "at": time.time(), "state": state})
            return state
        await self.live.flatline("ami")
        if state == "stuck":
            self._unsynced_since = time.monotonic()  # give the new login its own time
            self._relink(f"no synced queue board for {self.stuck_after_s:.0f} s")
        return state
