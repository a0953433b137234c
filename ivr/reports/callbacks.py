"""Callbacks of abandoned calls in a period, one line per kind (pure).

A callback job is what the outbound engine keeps for one abandoned call: its tries and its
end (``ivr/emergency/lane.py`` ``tries_log`` writes it on the 112 incident as a list of
``{"try", "of", "at", "result"}`` entries and a last ``{"state", "summary"}``). Per kind:

- **offered**: callbacks offered: for 112, every abandoned call that arrived in the period
  (called back without asking); for 12345's virtual hold, every offer made;
- **accepted**: of those, the ones to call back (112: all; virtual hold: the callers who
  pressed 1);
- **reached**: a try was answered;
- **unreached**: every try went unanswered (``exhausted``);
- **cancelled**: called off, as the caller called again;
- **pending**: still waiting for or dialling a try;
- **tries**: tries made; **reach rate** = reached / (reached + unreached), the cancelled
  ones (the caller came back by themselves) left out.

Lines are keyed by ``kind``: ``112`` (from the incidents) and ``12345 virtual hold`` (from
``virtual_hold_steps``, ``virtual_hold_facts``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .periods import Period

EMERGENCY = "112"  # callbacks of 112 calls abandoned before an operator answered
VIRTUAL_HOLD = "12345 virtual hold"  # callbacks 12345 callers chose instead of waiting
KINDS = (EMERGENCY, VIRTUAL_HOLD)  # shown even with no callbacks
PENDING_STATES = ("waiting", "dialling")


@dataclass(frozen=True)
class CallbackFact:
    """One callback job as the reports see it."""

    kind: str
    started_at: datetime  # the abandoned call's arrival
    tries: int
    state: str  # waiting, dialling, answered, exhausted, cancelled
    answered: bool  # a try was answered
    accepted: bool = True  # False: a virtual hold offered and declined (nothing to call)


@dataclass(frozen=True)
class CallbackLine:
    kind: str
    offered: int = 0
    accepted: int = 0
    reached: int = 0
    unreached: int = 0
    cancelled: int = 0
    pending: int = 0
    tries: int = 0

    @property
    def reach_rate(self) -> float | None:
        decided = self.reached + self.unreached
        return self.reached / decided if decided else None


def callback_fact(kind: str, started_at: datetime, log: str) -> CallbackFact | None:
    """The job in an incident's ``callbacks`` text; None when there was none (empty, or not
    a list as ``tries_log`` writes it)."""
    try:
        entries = json.loads(log) if log.strip() else []
    except ValueError:
        return None
    if not isinstance(entries, list) or not entries:
        return None
    entries = [e for e in entries if isinstance(e, dict)]
    tries = [e for e in entries if "try" in e]
    answered = any(e.get("result") == "answered" for e in tries)
    states = [str(e["state"]) for e in entries if "state" in e]
    state = states[-1] if states else ("answered" if answered else "waiting")
    return CallbackFact(kind, started_at, len(tries), state, answered or state == "answered")


def callback_lines(facts: Iterable[CallbackFact], period: Period,
                   kinds: Sequence[str] = KINDS) -> list[CallbackLine]:
    """One line per kind of ``kinds`` (zeros kept) and any other seen, in that order."""
    counts: dict[str, list[int]] = {kind: [0] * 7 for kind in kinds}
    for fact in facts:
        if not period.contains(fact.started_at):
            continue
        tally = counts.setdefault(fact.kind, [0] * 7)
        tally[0] += 1
        if not fact.accepted:
            continue
        tally[1] += 1
        if fact.answered:
            tally[2] += 1
        elif fact.state == "exhausted":
            tally[3] += 1
        elif fact.state == "cancelled":
            tally[4] += 1
        else:
            tally[5] += 1
        tally[6] += fact.tries
    return [CallbackLine(kind, *tally) for kind, tally in counts.items()]


def virtual_hold_facts(steps: Iterable[tuple[str, str, int, datetime]]) -> list[CallbackFact]:
    """One fact per virtual hold from its steps (hold id, step, try, when): offered when the
    offer was made; accepted, tried (``dialled``), reached or given up (``unreached``)."""
    holds: dict[str, dict[str, Any]] = {}
    for hold_id, step, attempt, at in steps:
        hold = holds.setdefault(hold_id, {"at": at, "steps": set(), "tries": 0})
        hold["at"] = min(hold["at"], at)
        hold["steps"].add(step)
        if step == "dialled":
            hold["tries"] = max(hold["tries"], attempt)
    facts = []
    for hold in holds.values():
        steps_seen = hold["steps"]
        reached = "reached" in steps_seen
        state = ("answered" if reached else "exhausted" if "unreached" in steps_seen
                 else "waiting")
        accepted = bool(steps_seen & {"accepted", "dialled", "reached", "unreached"})
        facts.append(CallbackFact(VIRTUAL_HOLD, hold["at"], hold["tries"], state, reached,
                                  accepted))
    return facts
