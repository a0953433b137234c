"""The one AMI link: login, queue events as typed values, actions with a time-out.

Built on panoramisk's ``Manager``, which reconnects and logs in again by itself after a lost
link. Its weak points, guarded here: an action whose reply the link cut in half is never
resolved (hence every action has a time-out), ``QueueAdd``'s reply ("Added interface to
queue") is taken for the start of a list and never resolved either (hence ``as_list=False``),
and the coroutines it starts are not kept or checked (hence :class:`TaskSet`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from panoramisk import Manager
from panoramisk.message import Message

from ..aio import within
from ..config import Settings
from .events import QueueEvent, parse_event

log = logging.getLogger(__name__)

QUEUE_EVENTS = ("QueueCaller*", "QueueMember*")  # callers joining/leaving, members changing
READY_WAIT_S = 15.0  # connected and not ready this long: see AmiClient._not_ready
ActionValue = str | list[str]  # a list: the header repeated, one line per item


class AmiLinkDown(ConnectionError):
    """An action was asked for while there is no AMI connection."""


@dataclass(frozen=True)
class AmiReply:
    """An action's reply: whether Asterisk did it, and its ``Message:`` line."""

    success: bool
    message: str


def reply_of(raw: object) -> AmiReply:
    """The typed reply of what panoramisk resolved an action with (pure).

    ``Response: Success`` / ``Message: Added interface to queue`` -> (True, "Added …");
    ``Response: Error`` / ``Message: Unable to add interface: Already there`` -> (False, …).
    """
    if isinstance(raw, Message):
        return AmiReply(bool(raw.success), str(raw.get("Message", "")))
    return AmiReply(False, str(raw))


def events_of(reply: object) -> list[QueueEvent]:
    """The queue events of a list reply (``QueueStatus``), in order; other messages dropped."""
    messages = reply if isinstance(reply, list) else [reply]
    return [e for e in (parse_event(m) for m in messages if isinstance(m, Mapping))
            if e is not None]


class TaskSet:
    """Background tasks kept until they end (asyncio holds only weak references to them).

    A task that fails is logged as ``"<owner>: <what> failed"`` with its traceback.
    """

    def __init__(self, owner: str, logger: logging.Logger = log) -> None:
        self.owner = owner
        self.logger = logger
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], what: str) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._ended(done, what))
        return task

    def _ended(self, task: asyncio.Task[None], what: str) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.logger.error("%s: %s failed", self.owner, what, exc_info=task.exception())

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def __len__(self) -> int:
        return len(self._tasks)


class AmiClient:
    """One AMI login to the configured Asterisk, made again whenever the link is lost.

    ``on_login`` runs after each login, ``on_lost`` after each lost link (with its error),
    ``on_event`` for each queue event of the ``events`` patterns (panoramisk's ``Queue*``),
    ``on_message`` for every message of those patterns, raw, for the few users of events that
    are not queue events (``OriginateResponse``: ``ivr.outbound.ami_dialer`` types it at once).
    Both run inside panoramisk's reading of the socket: they must not raise.
    """

    def __init__(self, settings: Settings, events: Iterable[str] = QUEUE_EVENTS, *,
                 on_login: Callable[[], None] | None = None,
                 on_lost: Callable[[Exception | None], None] | None = None,
                 on_event: Callable[[QueueEvent], None] | None = None,
                 on_message: Callable[[Mapping[str, Any]], None] | None = None) -> None:
        self.address = f"{settings.ami_host}:{settings.ami_client_port}"
        self.on_login, self.on_lost, self.on_event = on_login, on_lost, on_event
        self.on_message = on_message
        self.manager = Manager(
            host=settings.ami_host, port=settings.ami_client_port,
            username=settings.ami_user, secret=settings.ami_secret,
            ping_delay=3600, reconnect_timeout=1,
            on_connect=self._connected, on_login=self._logged_in,
            on_disconnect=self._disconnected, loop=asyncio.get_running_loop(),
        )
        self._ready_steps: set[str] = set()  # of this connection: "login", "booted"
        self._ready_told = False
        self._watchdog: asyncio.TimerHandle | None = None
        self.manager.register_event("FullyBooted", self._booted)
        for pattern in events:
            self.manager.register_event(pattern, self._dispatch)

    def connect(self) -> None:
        self.manager.connect()

    def close(self) -> None:
        self._watch(None)
        self.manager.close()

    @property
    def linked(self) -> bool:
        """Logged in over a connection that is still open."""
        protocol = self.manager.protocol
        return bool(self.manager.authenticated and protocol is not None
                    and protocol.transport is not None and not protocol.transport.is_closing())

    def drop(self) -> bool:
        """Close the connection so that panoramisk connects and logs in again; False if none."""
        protocol = self.manager.protocol
        transport = protocol.transport if protocol is not None else None
        if transport is None or transport.is_closing():
            return False
        transport.close()
        return True

    def _connected(self, manager: Manager) -> None:
        self._ready_steps, self._ready_told = set(), False
        self._watch(asyncio.get_running_loop().call_later(READY_WAIT_S, self._not_ready))

    def _watch(self, handle: asyncio.TimerHandle | None) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._watchdog = handle

    def _not_ready(self) -> None:
        """``READY_WAIT_S`` after connecting and still not ready (seen on a loaded machine, a
        node starting: one of a service's logins never told): a login that got no
        ``FullyBooted`` counts as booted (Asterisk has been up that long); a login that got
        no reply is dropped, so panoramisk connects and logs in again."""
        self._watchdog = None
        if self._ready_told:
            return
        if "login" in self._ready_steps:
            log.warning("AMI %s: no FullyBooted %.0f s after the login; going on",
                        self.address, READY_WAIT_S)
            self._ready("booted")
        else:
            log.warning("AMI %s: no login reply in %.0f s; connecting again", self.address,
                        READY_WAIT_S)
            self.drop()

    def _logged_in(self, manager: Manager) -> None:
        self._ready("login")

    def _booted(self, manager: Manager, message: Mapping[str, Any]) -> None:
        self._ready("booted")

    def _ready(self, step: str) -> None:
        """``on_login`` once per connection, when logged in AND Asterisk is fully booted.

        Asterisk sends ``FullyBooted`` right after a login, or at the end of its start when
        the login came first (a restart: the AMI port opens before app_queue is loaded, and a
        QueueStatus sent then never completes)."""
        self._ready_steps.add(step)
        if self._ready_told or self._ready_steps != {"login", "booted"}:
            return
        self._ready_told = True
        self._watch(None)
        log.info("AMI logged in to %s", self.address)
        if self.on_login is not None:
            self.on_login()

    def _disconnected(self, manager: Manager, exc: Exception | None) -> None:
        self._ready_steps, self._ready_told = set(), False
        self._watch(None)
        log.warning("AMI link lost (%s); reconnecting", exc or "closed")
        if self.on_lost is not None:
            self.on_lost(exc)

    def _dispatch(self, manager: Manager, message: Mapping[str, Any]) -> None:
        if self.on_message is not None:
            self.on_message(message)
        event = parse_event(message)
        if event is not None and self.on_event is not None:
            self.on_event(event)

    async def send(self, action: Mapping[str, ActionValue], timeout_s: float) -> AmiReply:
        """Send one action and wait for its single reply (``TimeoutError``, ``AmiLinkDown``).

        A list value is sent as one header line per item (``Variable: A=1``, ``Variable: B=2``).

        ``as_list=False``: otherwise panoramisk would wait for more replies after
        "Added interface to queue" and never resolve (its ``QueueAdd`` heuristic).
        """
        reply = await within(self._send(action, as_list=False), timeout_s)
        return reply_of(reply)

    async def queue_status(self, timeout_s: float) -> list[QueueEvent]:
        """Every queue, waiting caller and member as Asterisk sees them now (``QueueStatus``)."""
        reply = await within(self._send({"Action": "QueueStatus"}, as_list=True),
                                       timeout_s)
        return events_of(reply)

    async def _send(self, action: Mapping[str, ActionValue], as_list: bool) -> object:
        if self.manager.protocol is None:
            raise AmiLinkDown(f"no AMI connection to {self.address}")
        reply: object = await self.manager.send_action(dict(action), as_list=as_list)
        return reply
