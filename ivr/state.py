"""Live state shared through redis: the queue board and each service's heartbeat.

The AMI process writes the board as ``QueueBoard.to_dict`` JSON; any number of web processes
read it back as a ``QueueBoard``. Keys live under one prefix so a redis server can be shared.
"""

from __future__ import annotations

import json
import time
from typing import Any

from redis.asyncio import Redis

from .ami.board import QueueBoard

PREFIX = "ivr:"
BOARD_KEY = PREFIX + "queues"
BOARD_CHANNEL = PREFIX + "events"
HEARTBEAT_TTL_S = 4


def heartbeat_key(service: str) -> str:
    return f"{PREFIX}health:{service}"


class LiveState:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def save_board(self, board: dict[str, Any], reason: str) -> None:
        body = json.dumps(board)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(BOARD_KEY, body)
            pipe.publish(BOARD_CHANNEL, json.dumps({"reason": reason, "at": time.time()}))
            await pipe.execute()

    async def load_board(self) -> QueueBoard:
        """The board the AMI process last stored, parsed here at the edge (empty: none yet)."""
        body = await self.redis.get(BOARD_KEY)
        return QueueBoard.from_dict(json.loads(body)) if body else QueueBoard()

    async def beat(self, service: str, details: dict[str, Any]) -> None:
        """Say a service is up, for HEARTBEAT_TTL_S seconds."""
        await self.redis.set(heartbeat_key(service), json.dumps(details), ex=HEARTBEAT_TTL_S)

    async def flatline(self, service: str) -> None:
        await self.redis.delete(heartbeat_key(service))

    async def heartbeat(self, service: str) -> dict[str, Any] | None:
        body = await self.redis.get(heartbeat_key(service))
        return json.loads(body) if body else None
