"""Operators' pauses (break, training, …): asked for through the API or CLI, kept in redis.

The roster engine reads them on every pass and makes Asterisk match, also after an Asterisk
restart. A pause lives until unpaused (or until redis is emptied: pauses are short-lived).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, cast

from redis.asyncio import Redis

from ..state import PREFIX

PAUSES_KEY = PREFIX + "operator_pauses"


class PauseDesk:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def pause(self, username: str, reason: str) -> None:
        await cast("Awaitable[int]", self.redis.hset(PAUSES_KEY, username, reason))

    async def unpause(self, username: str) -> None:
        await cast("Awaitable[int]", self.redis.hdel(PAUSES_KEY, username))

    async def all(self) -> dict[str, str]:
        raw = await cast("Awaitable[dict[Any, Any]]", self.redis.hgetall(PAUSES_KEY))
        return {_text(k): _text(v) for k, v in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
