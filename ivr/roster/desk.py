"""What an admin or supervisor asks of operators (pause, unpause, who is doing what).

Used by the web API and the CLI alike; the roster engine does the AMI part.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..errors import DomainError
from ..state import LiveState
from .pauses import PauseDesk
from .spy import SupervisorSpy
from .states import DEFAULT_WRAPUP_S, operator_states
from .store import RosterStore


class RosterDomainError(DomainError):
    """A request the roster refuses; ``error_id`` is stable for API clients."""

    error_id = "roster-error"


class UnknownOperator(RosterDomainError):
    error_id = "no-such-operator"


class OperatorDesk:
    def __init__(self, store: RosterStore, pauses: PauseDesk, live: LiveState,
                 wrapup_s: float = DEFAULT_WRAPUP_S, spy: SupervisorSpy | None = None) -> None:
        self.store = store
        self.spy = spy
        self.pauses = pauses
        self.live = live
        self.wrapup_s = wrapup_s

    def known(self, username: str) -> str:
        """``username`` if the roster has that operator; UnknownOperator otherwise."""
        if username not in self.store.load().operators:
            raise UnknownOperator(f"no operator {username!r}", operator=username)
        return username

    async def pause(self, username: str, reason: str) -> None:
        await self.pauses.pause(self.known(username), reason.strip() or "paused")

    async def unpause(self, username: str) -> None:
        await self.pauses.unpause(self.known(username))

    async def listen_in(self, mode: str, username: str, phone: str) -> None:
        """Ring the supervisor's ``phone`` into ChanSpy on ``username``'s call (``spy.py``)."""
        if self.spy is None:
            raise RosterDomainError("listening in needs Asterisk's manager interface")
        await self.spy.spy(mode, self.known(username), phone)

    async def states(self, now: float) -> list[dict[str, Any]]:
        """Every operator's state from the live queue board, with the pause asked for."""
        board = await self.live.load_board()
        members = [(name, member) for name, queue in board.queues.items()
                   for member in queue.members.values()]
        asked = await self.pauses.all()
        states = operator_states(self.store.load().operators, members, now, self.wrapup_s)
        return [{**asdict(s), "queues": list(s.queues), "pause_requested": asked.get(s.username)}
                for s in states]
