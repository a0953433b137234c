"""A node's part in the cluster (README "Cluster"): say it is alive, notice a node that died,
and call back the 112 callers who were waiting on it.

Each node's AMI service writes ``ivr:cluster:node:<name>`` in the cluster's shared redis every
second (3 s time to live) while its own AMI heartbeat says its Asterisk is up and followed. A
node whose key expires is lost: the first live node to claim it (``SET NX``) reads the
incident records of the shared database, and every 112 call of that node still ``waiting``
becomes an abandoned call that this node calls back through its own outbound trunk.

Beside its heartbeat, a node says where its live board is (``ivr:cluster:boards``: node name
-> its redis URL), so a web service of any node can show the whole cluster's wallboard
(``board.py``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..state import LiveState
from ..tickets.records import IncidentReport, IncidentView

log = logging.getLogger(__name__)

NODE_KEY = "ivr:cluster:node:"
LOST_KEY = "ivr:cluster:lost:"
BOARDS_KEY = "ivr:cluster:boards"  # node name -> its live board's redis URL (board.py)
NODE_TTL_S = 3
LOST_CLAIM_S = 120  # one survivor takes a lost node over; a node lost again later is again
LOOK_BACK = timedelta(hours=6)  # the records searched for a lost node's waiting callers


class IncidentRecords(Protocol):
    async def incidents(self, start: datetime, end: datetime, caller: str = "",
                        limit: int = 500) -> list[IncidentView]: ...


class Adopter(Protocol):
    def adopt(self, report: IncidentReport) -> None: ...


def lost_nodes(known: set[str], up: set[str], me: str) -> set[str]:
    """Nodes seen alive before and not now, never this one.

    >>> sorted(lost_nodes({"node-a", "node-b"}, {"node-b"}, "node-b"))
    ['node-a']
    """
    return known - up - {me}


def stranded_callers(incidents: list[IncidentReport], node: str) -> list[IncidentReport]:
    """The 112 callers the records say were still waiting on ``node`` (its Asterisk's unique
    ids start with the node's name, its systemname); callbacks of calls are not among them."""
    prefix = f"{node}-"
    return [report for report in incidents
            if report.call_state == "waiting" and report.unique_id.startswith(prefix)
            and not report.callback_of]


class ClusterMember:
    def __init__(self, name: str, cluster: Redis, own: LiveState, records: IncidentRecords,
                 lane: Adopter, clock: Callable[[], float] = time.time,
                 board_url: str = "") -> None:
        self.name = name
        self.board_url = board_url  # this node's redis (its live board), "" to say nothing
        self.cluster = cluster
        self.own = own
        self.records = records
        self.lane = lane
        self.clock = clock
        self.known: set[str] = set()

    async def keep_watch(self, every_s: float = 1.0) -> None:
        while True:
            try:
                await self.step()
            except (RedisError, OSError) as exc:
                log.warning("cluster watch of %s: %r", self.name, exc)
            await asyncio.sleep(every_s)

    async def step(self) -> None:
        alive = await self.own.heartbeat("ami") is not None
        if alive:
            await self.cluster.set(NODE_KEY + self.name, str(self.clock()), ex=NODE_TTL_S)
            if self.board_url:
                await cast("Awaitable[int]",
                           self.cluster.hset(BOARDS_KEY, self.name, self.board_url))
        up = {key.decode().removeprefix(NODE_KEY)
              async for key in self.cluster.scan_iter(match=NODE_KEY + "*")}
        lost = lost_nodes(self.known, up, self.name)
        self.known = up
        if not alive:
            return  # a node whose own Asterisk is down calls nobody back
        for node in sorted(lost):
            if await self.cluster.set(LOST_KEY + node, self.name, nx=True, ex=LOST_CLAIM_S):
                await self.take_over(node)

    async def take_over(self, node: str) -> None:
        now = datetime.fromtimestamp(self.clock(), UTC)
        views = await self.records.incidents(now - LOOK_BACK, now + timedelta(minutes=1))
        stranded = stranded_callers([view.report for view in views], node)
        log.warning("node %s lost: %d waiting 112 callers to call back from %s", node,
                    len(stranded), self.name)
        for report in stranded:
            self.lane.adopt(report)
