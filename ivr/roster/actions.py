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

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from panoramisk import Manager

from ..ami.events import QueueEvent, parse_event
from ..config import Settings
from .plan import AddMember, QueueAction, RemoveMember, SetPenalty

log = logging.getLogger(__name__)

ACTION_TIMEOUT_S = 5.0
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
        self.on_login: Callable[[], Awaitable[None]] | None = None
        self.on_event: Callable[[QueueEvent], None] | None = None
        self.on_lost: Callable[[], None] | None = None
        self.manager = Manager(
            host=settings.ami_host, port=settings.ami_port,
            username=settings.ami_user, secret=settings.ami_secret,
            ping_delay=3600, reconnect_timeout=1,
            on_login=self._logged_in, on_disconnect=self._disconnected,
            loop=asyncio.get_running_loop())
        self.manager.register_event("QueueCaller*", self._event)
        self.manager.register_event("QueueMember*", self._event)

    def start(self) -> None:
        self.manager.connect()

    def stop(self) -> None:
        self.manager.close()

    def _logged_in(self, manager: Manager) -> None:
        log.info("AMI logged in to %s:%d", self.settings.ami_host, self.settings.ami_port)
        if self.on_login is not None:
            asyncio.ensure_future(self.on_login())

    def _disconnected(self, manager: Manager, exc: Exception | None) -> None:
        log.warning("AMI link lost (%s); reconnecting", exc or "closed")
        if self.on_lost is not None:
            self.on_lost()

    async def _event(self, manager: Manager, message: Any) -> None:
        event = parse_event(message)
        if event is not None and self.on_event is not None:
            self.on_event(event)

    async def status(self) -> list[QueueEvent]:
        """Every queue, waiting caller and member as Asterisk sees them now."""
        reply = await asyncio.wait_for(
            self.manager.send_action({"Action": "QueueStatus"}, as_list=True), 10)
        messages = reply if isinstance(reply, list) else [reply]
        return [e for e in (parse_event(m) for m in messages) if e is not None]

    async def apply(self, action: QueueAction) -> bool:
        """Carry out one action; False (logged) when Asterisk refused it or did not answer."""
        message = ami_message(action)
        try:
            # as_list=False: panoramisk would otherwise wait for more replies after
            # "Added interface to queue" and never resolve (its QueueAdd heuristic).
            reply = await asyncio.wait_for(self.manager.send_action(message, as_list=False),
                                           ACTION_TIMEOUT_S)
        except (TimeoutError, ConnectionError, AttributeError) as exc:
            log.warning("%s %s: no reply (%s)", message["Action"], message["Interface"],
                        exc.__class__.__name__)
            return False
        if getattr(reply, "success", False):
            log.info("%s %s %s", message["Action"], message["Queue"], message["Interface"])
            return True
        text = str(getattr(reply, "message", reply))
        level = logging.DEBUG if any(h in text for h in HARMLESS) else logging.WARNING
        log.log(level, "%s %s %s refused: %s", message["Action"], message["Queue"],
                message["Interface"], text)
        return False
