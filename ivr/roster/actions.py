"""The roster's link to Asterisk: the only module here that speaks AMI.

It sends ``QueueAdd``/``QueueRemove``/``QueuePenalty``/``QueuePause`` for planned actions,
asks ``QueueStatus`` after each login, and hands queue events (typed by ``ivr.ami.events``)
to whoever listens. Wire examples::

    Action: QueueAdd     Queue: fire  Interface: PJSIP/ani  MemberName: ani  Penalty: 0
    Action: QueueRemove  Queue: fire  Interface: PJSIP/ani
    Action: QueuePenalty Queue: fire  Interface: PJSIP/ani  Penalty: 2
    Action: QueuePause   Queue: fire  Interface: PJSIP/ani  Paused: true  Reason: lunch
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from ..ami.client import QUEUE_EVENTS, AmiClient, TaskSet
from ..ami.events import QueueEvent
from ..config import Settings
from .plan import AddMember, QueueAction, RemoveMember, SetPenalty

log = logging.getLogger(__name__)

ACTION_TIMEOUT_S = 5.0
STATUS_TIMEOUT_S = 10.0
# Replies that mean "already as wanted" (a race with our own earlier action).
HARMLESS = ("Already there", "Not there", "Unable to remove interface: Not there")


def ami_message(action: QueueAction) -> dict[str, str]:
    """The AMI action for one planned change (pure)."""
    if isinstance(action, AddMember):
        return {"Action": "QueueAdd", "Queue": action.queue, "Interface": action.interface,
                "MemberName": action.member.name, "Penalty": str(action.member.penalty),
                "Paused": "true" if action.member.paused else "false",
                **({"Reason": action.member.reason} if action.member.paused else {})}
    if isinstance(action, RemoveMember):
        return {"Action": "QueueRemove", "Queue": action.queue, "Interface": action.interface}
    if isinstance(action, SetPenalty):
        return {"Action": "QueuePenalty", "Queue": action.queue, "Interface": action.interface,
                "Penalty": str(action.penalty)}
    return {"Action": "QueuePause", "Queue": action.queue, "Interface": action.interface,
            "Paused": "true" if action.paused else "false", "Reason": action.reason}


class AsteriskQueues:
    """An AMI login that follows queue events and carries out queue actions."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.on_login: Callable[[], Coroutine[Any, Any, None]] | None = None
        self.on_event: Callable[[QueueEvent], None] | None = None
        self.on_lost: Callable[[], None] | None = None
        self._tasks = TaskSet("roster AMI link", log)
        # Agent* too: the wrap-up pause starts when an operator answers (console/wrapup.py).
        self.ami = AmiClient(settings, (*QUEUE_EVENTS, "Agent*"), on_login=self._logged_in,
                             on_lost=self._disconnected, on_event=self._event)

    def start(self) -> None:
        self.ami.connect()

    def stop(self) -> None:
        self.ami.close()

    def _logged_in(self) -> None:
        if self.on_login is not None:
            self._tasks.spawn(self._after_login(self.on_login()), "login")

    async def _after_login(self, work: Coroutine[Any, Any, None]) -> None:
        """The login's work (queues read, roster re-applied); when Asterisk does not answer
        it in time, the link is dropped so that a new login tries again (else the roster
        would wait for the next lost link)."""
        try:
            await work
        except (TimeoutError, ConnectionError) as exc:
            log.error("roster: queues not read after the AMI login (%s); logging in again",
                      exc.__class__.__name__)
            self.ami.drop()

    def _disconnected(self, exc: Exception | None) -> None:
        if self.on_lost is not None:
            self.on_lost()

    def _event(self, event: QueueEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    async def status(self) -> list[QueueEvent]:
        """Every queue, waiting caller and member as Asterisk sees them now."""
        return await self.ami.queue_status(STATUS_TIMEOUT_S)

    async def apply(self, action: QueueAction) -> bool:
        """Carry out one action; False (logged) when Asterisk refused it or did not answer."""
        message = ami_message(action)
        try:
            # One reply only: QueueAdd's "Added interface to queue" would otherwise be taken
            # for the start of a list and never resolve (see AmiClient.send).
            reply = await self.ami.send(message, ACTION_TIMEOUT_S)
        except (TimeoutError, ConnectionError) as exc:
            log.warning("%s %s: no reply (%s)", message["Action"], message["Interface"],
                        exc.__class__.__name__)
            return False
        if reply.success:
            log.info("%s %s %s", message["Action"], message["Queue"], message["Interface"])
            return True
        level = logging.DEBUG if any(h in reply.message for h in HARMLESS) else logging.WARNING
        log.log(level, "%s %s %s refused: %s", message["Action"], message["Queue"],
                message["Interface"], reply.message)
        return False
