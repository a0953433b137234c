"""What an operator does at the console, checked and carried out (service layer).

Queue log-in/out, pause and unpause with a reason of the admin's list, the wrap-up code of a
call, transfer and hold of the call in progress (the operator's figures are the
supervisor's, ``reports.operator_figures``, read at ``/api/v1/me/figures``). State that must
outlive a page (pauses, log-outs, wrap-up marks, the call on hold) is in redis
(``roster.pauses.PauseDesk``): the roster engine applies it on its next pass, also after an
Asterisk restart. For the wallboard to show a change within a second, pauses and log-outs
are also sent to Asterisk at once over the console's AMI link (``control``); if that link is
down the engine still applies them within its pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from ..ami.board import Offer, QueueBoard
from ..roster.desk import OperatorDesk
from ..roster.pauses import PauseDesk
from ..tickets.desk import TicketDesk
from ..tickets.wrapups import checked_unique_id
from .calls import (
    NoCall,
    checked_transfer,
    hold_action,
    pause_action,
    remove_action,
    resume_action,
    transfer_actions,
)
from .codes import PAUSE_REASONS, WRAPUP_CODES, known_code
from .control import ActionRefused, AmiUnavailable, CallControl
from .store import CallCode, CodeStore

log = logging.getLogger(__name__)


class ConsoleDesk:
    def __init__(self, operators: OperatorDesk, pauses: PauseDesk, control: CallControl,
                 codes: CodeStore, tickets: TicketDesk, wrapup_s: float = 30.0) -> None:
        self.operators, self.pauses, self.control = operators, pauses, control
        self.codes, self.tickets = codes, tickets
        self.wrapup_s = wrapup_s

    def interface(self, username: str) -> str:
        """The operator's phone (``PJSIP/ani``); UnknownOperator when not in the roster."""
        return self.operators.store.load().operators[self.operators.known(username)].interface

    async def code_list(self, kind: str) -> list[Any]:
        return await asyncio.to_thread(self.codes.codes, kind)

    # -- presence ---------------------------------------------------------------------------

    async def log_in(self, username: str) -> None:
        """Back in the queues the roster gives (the engine adds them on its next pass)."""
        self.interface(username)
        await self.pauses.log_in(username)

    async def log_out(self, username: str, board: QueueBoard, now: float) -> None:
        interface = self.interface(username)
        await self.pauses.log_out(username, now)
        for name, queue in sorted(board.queues.items()):
            if interface in queue.members:
                await self._at_once(remove_action(name, interface))

    async def pause(self, username: str, code: str, now: float) -> str:
        interface = self.interface(username)
        reason = known_code(await self.code_list(PAUSE_REASONS), code, "reason").code
        await self.pauses.pause(username, reason, now)
        await self._at_once(pause_action(interface, True, reason))
        return reason

    async def unpause(self, username: str, now: float) -> float:
        """End the pause (the AMI service records its length: ``operator_activity``)."""
        interface = self.interface(username)
        lasted = await self.pauses.unpause(username, now)
        await self._at_once(pause_action(interface, False))
        return lasted

    # -- the call ----------------------------------------------------------------------------

    async def wrap_up(self, username: str, body: Mapping[str, Any], now: float) -> CallCode:
        """Keep the call's wrap-up code (spooled while the database is away) and end the
        wrap-up pause."""
        interface = self.interface(username)
        code = known_code(await self.code_list(WRAPUP_CODES), str(body.get("code", "")),
                          "code").code
        call = CallCode(checked_unique_id(str(body.get("unique_id", ""))), username, code,
                        datetime.fromtimestamp(now, UTC), str(body.get("queue", ""))[:40],
                        str(body.get("caller_number", ""))[:64])
        await self.tickets.save_call_code(call)
        await self.pauses.wrapped(username, now)
        if username not in await self.pauses.all():
            await self._at_once(pause_action(interface, False))
        return call

    async def transfer(self, username: str, offer: Offer | None, body: Mapping[str, Any],
                       queues: Collection[str]) -> dict[str, str]:
        self.interface(username)
        call = connected(offer)
        roster = self.operators.store.load()
        transfer = checked_transfer(body, queues, roster.operators, username)
        for action in transfer_actions(transfer, call.channel, call.member_channel):
            await self.control.send(action)
        return {"mode": transfer.mode, "to": transfer.kind, "target": transfer.target,
                "unique_id": call.unique_id}

    async def hold(self, username: str, offer: Offer | None) -> dict[str, str]:
        self.interface(username)
        call = connected(offer)
        await self.control.send(hold_action(call.channel))
        held = {"channel": call.channel, "unique_id": call.unique_id,
                "caller_number": call.caller_number, "queue": call.queue}
        await self.pauses.hold(username, held)
        return held

    async def resume(self, username: str) -> dict[str, str]:
        self.interface(username)
        held = await self.pauses.held(username)
        if not held:
            raise NoCall("no call on hold")
        await self.control.send(resume_action(held["channel"], username))
        await self.pauses.unhold(username)
        return held

    # -- what the console shows ------------------------------------------------------------

    async def me(self, username: str, now: float) -> dict[str, Any]:
        self.interface(username)
        asked = (await self.pauses.all()).get(username)
        since = await self.pauses.paused_since(username) if asked else 0.0
        return {"operator": username, "logged_in": username not in await self.pauses.away(),
                "pause_reason": asked, "paused_s": round(now - since) if since else None,
                "held": await self.pauses.held(username) or None,
                "wrapup_s": self.wrapup_s}

    async def _at_once(self, action: Mapping[str, str]) -> None:
        """An action the roster engine would also apply on its next pass: sent now so the
        wallboard shows it at once; a refusal or no link is logged, not raised."""
        try:
            await self.control.send(action)
        except (AmiUnavailable, ActionRefused) as exc:
            log.info("console %s left to the roster engine: %s", action["Action"], exc)


def connected(offer: Offer | None) -> Offer:
    """The operator's connected call; NoCall when there is none (or its channel is unknown)."""
    if offer is None or offer.state != "connected" or not offer.channel:
        raise NoCall("no call in progress to act on")
    return offer
