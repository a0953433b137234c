"""Which queue members Asterisk should hold, and the actions that get it there (pure code).

Penalties come from skills (Asterisk rings lower penalties first and higher ones only when the
lower are busy, paused or away):

- ``police``/``fire``/``ambulance``: every operator on shift; 0 with that skill, 2 without.
- ``emergency`` (no key chosen): every operator on shift; 0 with any emergency skill, 1 without.
- ``hotline``: every operator on shift; 0 without emergency skills, 1 with them, so
  emergency-skilled operators stay free for 112 as long as others can take 12345; plus
  ``LANGUAGE_PENALTY`` (10) with the skill ``lang:en``. An English-speaking caller waits with
  ``QUEUE_MIN_PENALTY`` 10, so only ``lang:en`` operators are offered the call, until the
  queue rule widens it to everyone (``skill_rules.py``); an Indonesian caller goes to the
  others first, keeping English speakers free for English callers.

On top of that, queue ``weight`` (queues.conf) lets an operator in several queues take an
emergency caller before a hotline caller, however long the hotline caller has waited.

Surge: when an emergency caller has waited ``surge_after_s`` (default 10 s), that queue
*surges*: every operator with a phone account is made a member (Asterisk itself skips phones
that are not registered), off-shift ones with penalty 3 so that operators on shift are tried
first, and paused members are unpaused there. When no caller in that queue
has waited that long any more, the surge members go again (after their call) and the pauses
come back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..queues import ALL_QUEUES, EMERGENCY_QUEUES, EMERGENCY_SERVICES, HOTLINE
from .model import Operator, Skills

# Off-shift operators brought in by a surge come after everyone on shift (penalties 0-2).
SURGE_PENALTY = 3
# The language some callers choose that not every operator speaks, and the hotline penalty
# its speakers carry on top (above every other penalty, so a caller's minimum penalty picks
# them out).
SKILL_LANGUAGE = "en"
LANGUAGE_PENALTY = 10

Key = tuple[str, str]  # (queue, interface)


@dataclass(frozen=True)
class Membership:
    """One member of one queue as it is (from Asterisk) or as it should be."""

    name: str
    penalty: int = 0
    paused: bool = False
    reason: str = ""


@dataclass(frozen=True)
class AddMember:
    queue: str
    interface: str
    member: Membership


@dataclass(frozen=True)
class RemoveMember:
    queue: str
    interface: str


@dataclass(frozen=True)
class SetPenalty:
    queue: str
    interface: str
    penalty: int


@dataclass(frozen=True)
class SetPaused:
    queue: str
    interface: str
    paused: bool
    reason: str = ""


QueueAction = AddMember | RemoveMember | SetPenalty | SetPaused


def penalties(skills: Skills) -> dict[str, int]:
    """Queue → penalty for an operator on shift with these skills."""
    has_emergency = bool(skills.services)
    table = {service: 0 if service in skills.services else 2 for service in EMERGENCY_SERVICES}
    table["emergency"] = 0 if has_emergency else 1
    table[HOTLINE] = (1 if has_emergency else 0) + (
        LANGUAGE_PENALTY if SKILL_LANGUAGE in skills.languages else 0)
    return table


def wanted_members(working: Mapping[str, Skills], operators: Mapping[str, Operator],
                   pauses: Mapping[str, str], surging: Iterable[str] = ()) -> dict[Key, Membership]:
    """The members every queue should have now.

    ``working``: operators on shift with their skills; ``pauses``: username → reason of the
    operators who paused; ``surging``: emergency queues with a caller waiting too long.
    """
    wanted: dict[Key, Membership] = {}
    for username, skills in working.items():
        operator = operators.get(username)
        if operator is None:
            continue
        for queue, penalty in penalties(skills).items():
            wanted[(queue, operator.interface)] = Membership(
                username, penalty, username in pauses, pauses.get(username, ""))
    for queue in surging:
        for operator in operators.values():
            old = wanted.get((queue, operator.interface))
            wanted[(queue, operator.interface)] = Membership(
                operator.username, old.penalty if old else SURGE_PENALTY)
    return wanted


def membership_plan(current: Mapping[Key, Membership], wanted: Mapping[Key, Membership],
                    busy: Iterable[str]) -> list[QueueAction]:
    """The QueueAdd/QueueRemove/QueuePenalty/QueuePause actions from ``current`` to ``wanted``.

    A member whose interface is in ``busy`` (ringing or on a call) is not removed: that happens
    on a later plan, once the call has ended. Removals come first, adds in queue order.
    """
    busy = set(busy)
    actions: list[QueueAction] = [
        RemoveMember(queue, interface)
        for (queue, interface) in sorted(current)
        if (queue, interface) not in wanted and interface not in busy
    ]
    for key in sorted(wanted, key=_queue_order):
        queue, interface = key
        want, have = wanted[key], current.get(key)
        if have is None:
            actions.append(AddMember(queue, interface, want))
            continue
        if have.penalty != want.penalty:
            actions.append(SetPenalty(queue, interface, want.penalty))
        if have.paused != want.paused or (want.paused and have.reason != want.reason):
            actions.append(SetPaused(queue, interface, want.paused, want.reason))
    return actions


def _queue_order(key: Key) -> tuple[int, str, str]:
    queue, interface = key
    rank = ALL_QUEUES.index(queue) if queue in ALL_QUEUES else len(ALL_QUEUES)
    return rank, queue, interface


def surging_queues(oldest_wait_s: Mapping[str, float], surge_after_s: float) -> list[str]:
    """Emergency queues whose longest-waiting caller has waited ``surge_after_s`` or more."""
    return sorted(q for q, waited in oldest_wait_s.items()
                  if q in EMERGENCY_QUEUES and waited >= surge_after_s)
