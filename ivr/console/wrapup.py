"""When an operator is in wrap-up: kept out of new calls until the code is saved (pure).

The roster engine pauses an operator with the reason ``wrap-up`` (``codes.WRAPUP_PAUSE``) from
the moment they answer a queue call (a pause does not touch the call in progress, and no new
call can slip in between the hang-up and the pause) until ``wrapup_s`` after the call ended,
or until they save the call's wrap-up code, whichever comes first. A pause the operator asked
for wins over the wrap-up's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .codes import WRAPUP_PAUSE


@dataclass(frozen=True)
class LastCall:
    """One operator's latest queue call as the engine saw it (epoch seconds; 0: unknown)."""

    answered_at: float = 0.0  # AgentConnect seen by this engine
    ended_at: float = 0.0  # Asterisk's LastCall of the member
    on_call: bool = False


def in_wrap_up(call: LastCall, saved_at: float, now: float, wrapup_s: float) -> bool:
    """Whether the operator is still wrapping up ``call`` at ``now``.

    ``saved_at``: when they last saved a wrap-up code (0: never). Without an answer seen
    (the engine restarted) the call's end stands for its start; without its end, the
    answer stands for the end."""
    if wrapup_s <= 0:
        return False
    start = call.answered_at or call.ended_at
    if not start or saved_at >= start:
        return False
    if call.on_call:
        return True
    return now - max(call.ended_at, start) < wrapup_s  # an end not seen: from the answer


def wrap_up_pauses(calls: Mapping[str, LastCall], saved: Mapping[str, float],
                   asked: Mapping[str, str], now: float, wrapup_s: float) -> dict[str, str]:
    """The pauses to apply (username → reason): ``asked`` (the operators' own) and a
    ``wrap-up`` pause for everyone else still wrapping up."""
    pauses = {user: WRAPUP_PAUSE for user, call in calls.items()
              if user not in asked and in_wrap_up(call, saved.get(user, 0.0), now, wrapup_s)}
    return {**pauses, **asked}
