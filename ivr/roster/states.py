"""An operator's state, derived from their queue memberships as AMI reports them (pure code).

``logged_out``: in no queue, or their phone is not reachable (not registered);
``ringing``; ``on_call``; ``paused`` (with the reason given); ``wrap_up``: the wrap-up time
after a queue call has not passed yet; ``available``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..ami.board import Member
from ..console.codes import WRAPUP_PAUSE
from .model import Operator

DEFAULT_WRAPUP_S = 15.0
AWAY = ("unavailable", "invalid")
RINGING = ("ringing", "ring_in_use")
ON_CALL = ("in_use", "busy", "on_hold")


@dataclass(frozen=True)
class OperatorState:
    username: str
    name: str
    state: str
    paused_reason: str
    queues: tuple[str, ...]
    in_state_s: int


def state_of(members: Iterable[Member], now: float, wrapup_s: float = DEFAULT_WRAPUP_S
             ) -> tuple[str, str]:
    """(state, pause reason) from one operator's memberships in every queue."""
    members = list(members)
    if not members or all(m.state in AWAY for m in members):
        return "logged_out", ""
    if any(m.state in RINGING for m in members):
        return "ringing", ""
    if any(m.in_call or m.state in ON_CALL for m in members):
        return "on_call", ""
    paused = [m for m in members if m.paused]
    if paused and paused[0].paused_reason == WRAPUP_PAUSE:  # the roster engine's (wrapup.py)
        return "wrap_up", ""
    if paused:
        return "paused", paused[0].paused_reason
    last_call = max(m.last_call for m in members)
    if last_call and now - last_call < wrapup_s:
        return "wrap_up", ""
    return "available", ""


def operator_states(operators: Mapping[str, Operator], members: Iterable[tuple[str, Member]],
                    now: float, wrapup_s: float = DEFAULT_WRAPUP_S) -> list[OperatorState]:
    """Every operator's state; ``members`` are (queue, member) for every queue on the board."""
    by_interface: dict[str, list[tuple[str, Member]]] = {}
    for queue, member in members:
        by_interface.setdefault(member.interface, []).append((queue, member))
    states = []
    for username, operator in sorted(operators.items()):
        mine = by_interface.get(operator.interface, [])
        state, reason = state_of([m for _, m in mine], now, wrapup_s)
        since = max((m.since for _, m in mine), default=now)
        states.append(OperatorState(username, operator.name, state, reason,
                                    tuple(sorted(q for q, _ in mine)), max(0, round(now - since))))
    return states

