"""The live feed: the board as the AMI client last stored it, refreshed on each redis message.

The AMI client PUBLISHes on ``ivr:events`` after every change; each web process listens once
(not once per browser) and wakes its server-sent-event streams, so every web process shows
the same figures within moments of the event in Asterisk.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..aio import within
from ..ami.board import QueueBoard
from ..cluster.board import NodeBoard
from ..state import BOARD_CHANNEL, LiveState

log = logging.getLogger(__name__)

MAX_STREAMS_PER_USER = 5
MAX_STREAMS = 200  # over all users: the default of IVR_WEB_MAX_STREAMS


class BoardSource(Protocol):
    async def load_board(self) -> QueueBoard: ...

    def changes(self) -> AsyncIterator[None]:
        """Yields once subscribed, then once per change."""
        ...


class RedisBoardSource:
    def __init__(self, live: LiveState, redis_url: str) -> None:
        self.live = live
        self.redis_url = redis_url

    async def load_board(self) -> QueueBoard:
        return await self.live.load_board()

    async def changes(self) -> AsyncIterator[None]:
        redis = Redis.from_url(self.redis_url, socket_timeout=5)
        pubsub = redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(BOARD_CHANNEL)
            yield
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is not None:
                    yield
        finally:
            await pubsub.aclose()
            await redis.aclose()


class VersionedFeed:
    """A version number that grows with each change, and waiting for the next one (the
    board feed's and the cluster feed's shared part)."""

    def __init__(self) -> None:
        self.version = 0
        self.closed = False
        self._changed = asyncio.Condition()

    async def _bump(self) -> None:
        async with self._changed:
            self.version += 1
            self._changed.notify_all()

    async def wait(self, seen: int, timeout_s: float) -> int:
        """The version after ``seen`` (or ``seen`` again after ``timeout_s`` without change)."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await within(self._changed.wait_for(
                    lambda: self.version != seen or self.closed), timeout_s)
            return self.version

    async def close(self) -> None:
        self.closed = True
        async with self._changed:
            self._changed.notify_all()


class BoardFeed(VersionedFeed):
    """The latest board snapshot and a version number that grows with each change."""

    def __init__(self, source: BoardSource) -> None:
        super().__init__()
        self.source = source
        self.snapshot = QueueBoard()

    async def run(self) -> None:
        while not self.closed:
            try:
                async for _ in self.source.changes():
                    await self._refresh()
            except (RedisError, OSError) as exc:
                log.warning("live feed: redis unavailable (%s); retrying", exc)
            await asyncio.sleep(1.0)

    async def _refresh(self) -> None:
        self.snapshot = await self.source.load_board()
        await self._bump()


class ClusterSource(Protocol):
    async def read(self) -> list[NodeBoard]:
        """Every node the cluster knows, alive or not, with the live ones' boards."""
        ...


def _fingerprint(nodes: list[NodeBoard]) -> str:
    return json.dumps([[n.name, n.alive, n.board.to_dict() if n.board else None]
                       for n in nodes], sort_keys=True)


class ClusterFeed(VersionedFeed):
    """The cluster's boards (every node's), read every ``every_s``; the version grows when
    any node's board, or which nodes are alive, changed (README "Cluster": the wallboard)."""

    def __init__(self, source: ClusterSource, every_s: float = 1.0) -> None:
        super().__init__()
        self.source = source
        self.every_s = every_s
        self.snapshot: list[NodeBoard] = []
        self._seen = ""

    async def run(self) -> None:
        while not self.closed:
            try:
                await self.refresh(await self.source.read())
            except (RedisError, OSError) as exc:
                log.warning("cluster feed: redis unavailable (%s); retrying", exc)
            await asyncio.sleep(self.every_s)

    async def refresh(self, nodes: list[NodeBoard]) -> None:
        seen = _fingerprint(nodes)
        self.snapshot = nodes
        if seen == self._seen:
            return
        self._seen = seen
        await self._bump()


class StreamSlots:
    """The live event streams each user has open, at most ``limit`` at once, and at most
    ``total`` over all users (each holds a socket and wakes on every board change).

    One more is refused (429) and the open ones are kept: a wall screen that is live stays
    live. Closing the oldest instead would loop: the browser reconnects the closed one at
    once, which closes the next, and so on. A slot is given back when its stream ends, which
    the server notices at the next write after the browser left (15 s at most).
    """

    def __init__(self, limit: int = MAX_STREAMS_PER_USER, total: int = MAX_STREAMS) -> None:
        self.limit, self.total = limit, total
        self.open: Counter[str] = Counter()

    def full(self) -> bool:
        """Whether every slot of the service is taken, whoever asks."""
        return self.open.total() >= self.total

    def take(self, username: str) -> bool:
        if self.open[username] >= self.limit or self.full():
            return False
        self.open[username] += 1
        return True

    def give_back(self, username: str) -> None:
        self.open[username] -= 1
        if self.open[username] <= 0:
            del self.open[username]
