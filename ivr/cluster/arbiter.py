"""One logical queue over the nodes (README "Cluster"): each operator is offered calls by one
node at a time, the node where the longest-waiting caller of their queues is.

Every node runs stock app_queue with the operator as a member of its queues (the same roster
on every node). The arbiter reads every node's board (``ivr:queues`` in the node's redis) and
pauses the operator, with the reason ``cluster``, on every node but one:

- the node where they ring or talk, while they do (a busy operator is offered nothing else);
- else the node with the caller who has waited longest in any of the operator's queues;
- else the node where they are already free to take calls, else the first node.

A pause goes through the node's own pause desk (``ivr:operator_pauses``), which its roster
service applies within a second; the arbiter sets its pause only where the operator has none
and removes only its own (atomically), so a break given meanwhile is never lost. The operator
is unpaused on the chosen node only once every other node's board shows them paused there and
not busy, so two nodes never offer them a call at once. A pause of their own (a break) on
one node is a break on every node.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..ami.board import QueueBoard, wait_start
from ..roster.pauses import PAUSES_KEY, PauseDesk
from ..roster.states import ON_CALL, RINGING
from ..state import LiveState

log = logging.getLogger(__name__)

CLUSTER_PAUSE = "cluster"  # the pause reason the arbiter owns


@dataclass(frozen=True)
class Seat:
    """One operator as one node's board shows them."""

    node: str
    queues: frozenset[str]  # the queues they are a member of there
    paused: bool  # in every one of those queues
    own_pause: bool  # paused there for a reason of their own (not the arbiter's)
    busy: bool  # ringing or talking there
    oldest_wait: float | None  # when the longest-waiting caller of those queues began waiting


@dataclass(frozen=True)
class Moves:
    """What to do for one operator: pause on these nodes; unpause on ``offer_on`` (or None:
    not yet, a pause is still on its way)."""

    pause_on: tuple[str, ...]
    offer_on: str | None


def seat_of(node: str, board: QueueBoard, operator: str) -> Seat | None:
    """The operator on ``node``'s board (None: a member of no queue there)."""
    members = [(name, m) for name, q in board.queues.items() for m in q.members.values()
               if m.name == operator]
    if not members:
        return None
    queues = frozenset(name for name, _ in members)
    waits = [wait_start(name, caller) for name in queues
             for caller in board.queues[name].waiting if not caller.virtual]
    return Seat(node, queues, paused=all(m.paused for _, m in members),
                own_pause=any(m.paused and m.paused_reason not in ("", CLUSTER_PAUSE)
                              for _, m in members),
                busy=operator in board.offers or any(
                    m.in_call or m.state in RINGING or m.state in ON_CALL for _, m in members),
                oldest_wait=min(waits) if waits else None)


def offering_node(seats: list[Seat]) -> str:
    """The one node that may offer the operator a call (``seats`` in node order, not empty)."""
    busy = [s for s in seats if s.busy]
    if busy:
        return busy[0].node
    waiting = [s for s in seats if s.oldest_wait is not None]
    if waiting:
        return min(waiting, key=lambda s: s.oldest_wait or 0.0).node
    free = [s for s in seats if not s.paused]
    return (free[0] if len(free) == 1 else seats[0]).node


def moves(seats: list[Seat], desk: Mapping[str, str]) -> Moves | None:
    """The pauses that make one node the only one offering the operator calls (pure).

    ``desk``: node -> the reason of the operator's pause in that node's pause desk ("" for
    none, ``cluster`` for the arbiter's). A pause of the operator's own (a break), in a desk
    or on a board, on one node is a break on every node: paused everywhere, offered nowhere.
    None: nothing to decide (one node).
    """
    if len(seats) < 2:
        return None
    unpaused = tuple(s.node for s in seats if not desk.get(s.node))
    if any(s.own_pause or desk.get(s.node, "") not in ("", CLUSTER_PAUSE) for s in seats):
        return Moves(unpaused, None)
    target = offering_node(seats)
    others = [s for s in seats if s.node != target]
    pause_on = tuple(node for node in unpaused if node != target)
    settled = not pause_on and all(s.paused and not s.busy for s in others)
    offer = target if settled and desk.get(target) == CLUSTER_PAUSE else None
    return Moves(pause_on, offer)


# Remove the arbiter's pause only if it is still the arbiter's: an operator's own pause given
# since the arbiter read the pauses stays.
UNPAUSE_IF_OURS = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
    return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""


class ClusterPauses:
    """The arbiter's pauses in one node's pause desk, never over an operator's own pause."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def pause(self, operator: str) -> bool:
        """Whether the arbiter's pause was set (not when the operator had one meanwhile)."""
        return bool(await cast("Awaitable[int]",
                               self.redis.hsetnx(PAUSES_KEY, operator, CLUSTER_PAUSE)))

    async def unpause(self, operator: str) -> bool:
        """Whether the arbiter's pause was removed (not when it was replaced meanwhile)."""
        return bool(await cast("Awaitable[int]", self.redis.eval(
            UNPAUSE_IF_OURS, 1, PAUSES_KEY, operator, CLUSTER_PAUSE)))


class QueueArbiter:
    """Reads the nodes' boards and pauses (their redis) and writes the arbiter's pauses."""

    def __init__(self, nodes: Mapping[str, Redis]) -> None:
        self.nodes = dict(nodes)
        self.pauses = {name: PauseDesk(redis) for name, redis in self.nodes.items()}
        self.ours = {name: ClusterPauses(redis) for name, redis in self.nodes.items()}

    async def keep_deciding(self, every_s: float = 0.2) -> None:
        while True:
            try:
                await self.step()
            except (RedisError, OSError) as exc:
                log.warning("queue arbiter: %r", exc)
            except Exception:  # one bad pass must not stop the arbiter; logged with its cause
                log.exception("queue arbiter pass failed; trying again")
            await asyncio.sleep(every_s)

    async def step(self) -> None:
        boards = {name: await LiveState(redis).load_board() for name, redis in self.nodes.items()}
        paused = {name: await desk.all() for name, desk in self.pauses.items()}
        operators = sorted({m.name for board in boards.values() for q in board.queues.values()
                            for m in q.members.values()})
        for operator in operators:
            seats = [seat for name, board in boards.items()
                     if (seat := seat_of(name, board, operator)) is not None]
            desk = {name: paused[name].get(operator, "") for name in self.nodes}
            todo = moves(seats, desk)
            if todo is not None:
                await self.carry_out(operator, todo)

    async def carry_out(self, operator: str, todo: Moves) -> None:
        for node in todo.pause_on:
            if await self.ours[node].pause(operator):
                log.info("%s: paused on %s (offered by another node)", operator, node)
        if todo.offer_on is not None and await self.ours[todo.offer_on].unpause(operator):
            log.info("%s: offered calls by %s at %.1f", operator, todo.offer_on, time.time())
