"""One wallboard over every node of a cluster (README "Cluster").

Each node's AMI service keeps its live board in its own redis database (``ivr:queues``).
Beside its heartbeat (``member.py``), every node says in the cluster redis where that board
is: ``ivr:cluster:boards`` is a hash, node name -> the node's redis URL. A web service reads
the hash, takes the boards of the nodes whose heartbeat key is alive, and merges them
(``merge_boards``, pure): queues by name, every node's waiting callers, today's figures added
up, each operator once, on the node they are on. A node whose heartbeat expired is listed as
not alive and its board is dropped, never shown stale.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..ami.board import (
    ABANDONED_KEPT,
    QueueBoard,
    QueueDay,
    wait_start,
)
from ..state import BOARD_KEY
from .member import BOARDS_KEY, NODE_KEY

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NodeBoard:
    """One node as the cluster view sees it: alive or not, and its board (None: dead, or
    unreadable)."""

    name: str
    alive: bool
    board: QueueBoard | None = None


@dataclass
class Merged:
    """The boards of the live nodes as one, and on which node each caller and operator is."""

    board: QueueBoard = field(default_factory=QueueBoard)
    caller_node: dict[str, str] = field(default_factory=dict)  # unique id -> node
    operator_node: dict[str, str] = field(default_factory=dict)  # member name -> node


def _presence(board: QueueBoard, name: str) -> tuple[bool, bool, bool, bool]:
    """How much an operator (member ``name``) is on this node: offered a call, in a call,
    not paused, paused for a reason of their own (not the arbiter's ``cluster``)."""
    members = [m for q in board.queues.values() for m in q.members.values() if m.name == name]
    return (name in board.offers, any(m.in_call for m in members),
            any(not m.paused for m in members),
            any(m.paused and m.paused_reason != "cluster" for m in members))


def operator_nodes(boards: Mapping[str, QueueBoard]) -> dict[str, str]:
    """The one node each operator is shown on: where they ring or talk, else where they are
    free (the arbiter unpaused them there), else where their own pause is, else the first.

    >>> from ivr.ami.board import Member, QueueState
    >>> def board(paused: bool) -> QueueBoard:
    ...     member = Member("PJSIP/ani", "ani", "idle", paused, "cluster" if paused else "",
    ...                     False, 0.0)
    ...     return QueueBoard({"fire": QueueState("fire", members={"PJSIP/ani": member})})
    >>> operator_nodes({"node-a": board(True), "node-b": board(False)})
    {'ani': 'node-b'}
    """
    names = sorted({m.name for b in boards.values() for q in b.queues.values()
                    for m in q.members.values()} | {n for b in boards.values() for n in b.offers})
    order = list(boards)
    return {name: max(order, key=lambda node: (*_presence(boards[node], name),
                                               -order.index(node)))
            for name in names}


def merge_boards(boards: Mapping[str, QueueBoard]) -> Merged:
    """The boards of the live nodes (name -> board, in the nodes' order) as one board (pure).

    - a queue is every node's queue of that name: all their waiting callers, longest wait
      first (the 112 queues count from arrival, as on each node);
    - each operator once, with the members (queues, state, pause) of the node they are on
      (``operator_nodes``), and their offered call;
    - today's answered and abandoned waits of every node; the abandoned callers of every
      node, newest last.
    """
    merged = Merged(operator_node=operator_nodes(boards))
    board = merged.board
    for node, own in boards.items():
        board.day = max(board.day, own.day)
        board.timezone = own.timezone
        board.keyed.update(own.keyed)
        for name, queue in own.queues.items():
            state = board.queue(name)
            for caller in queue.waiting:
                state.waiting.append(caller)
                merged.caller_node[caller.unique_id] = node
            state.members.update({key: member for key, member in queue.members.items()
                                  if merged.operator_node.get(member.name) == node})
        for name, day in own.today.items():
            total = board.today.setdefault(name, QueueDay())
            total.answer_waits.extend(day.answer_waits)
            total.abandon_waits.extend(day.abandon_waits)
        board.abandoned.extend(own.abandoned)
        board.offers.update({name: offer for name, offer in own.offers.items()
                             if merged.operator_node.get(name) == node})
    for name, state in board.queues.items():
        state.waiting.sort(key=partial(wait_start, name))
    board.abandoned.sort(key=lambda call: call.at)
    del board.abandoned[:-ABANDONED_KEPT]
    return merged


class ClusterBoards:
    """Reads the live nodes' boards: the cluster redis names them, each node's redis holds
    its board (one client per node's redis URL, kept)."""

    def __init__(self, cluster: Redis, timezone: str = "UTC",
                 connect: Callable[[str], Redis] | None = None) -> None:
        self.cluster = cluster
        self.timezone = timezone
        self.connect = connect or (lambda url: Redis.from_url(url, socket_timeout=2))
        self._clients: dict[str, Redis] = {}

    def _client(self, url: str) -> Redis:
        if url not in self._clients:
            self._clients[url] = self.connect(url)
        return self._clients[url]

    async def read(self) -> list[NodeBoard]:
        stored = await cast("Awaitable[dict[bytes, bytes]]", self.cluster.hgetall(BOARDS_KEY))
        where = {key.decode(): url.decode() for key, url in stored.items()}
        names = sorted(where)
        async with self.cluster.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.exists(NODE_KEY + name)
            alive = [bool(found) for found in await pipe.execute()]
        nodes = []
        for name, up in zip(names, alive, strict=True):
            board = await self._board(name, where[name]) if up else None
            nodes.append(NodeBoard(name, up, board))
        return nodes

    async def _board(self, name: str, url: str) -> QueueBoard | None:
        try:
            body = await self._client(url).get(BOARD_KEY)
        except (RedisError, OSError) as exc:
            log.warning("cluster board: %s's board unreadable (%r)", name, exc)
            return None
        return QueueBoard.from_dict(json.loads(body), self.timezone) if body else QueueBoard()

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
