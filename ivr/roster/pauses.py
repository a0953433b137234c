"""Operators' pauses, queue log-outs and wrap-up marks, kept in redis.

Pauses (break, training, …) and log-outs are asked for through the console, the API or the
CLI; the roster engine reads them on every pass and makes Asterisk match, also after an
Asterisk restart. A pause lives until unpaused; a log-out keeps the operator out of every
queue (whatever the roster says) until they log in again. The wrap-up mark is when the
operator last saved a call's wrap-up code (it ends their wrap-up pause: ``console.wrapup``).
Redis being emptied forgets them all: they are short-lived.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any, cast

from redis.asyncio import Redis

from ..state import PREFIX

PAUSES_KEY = PREFIX + "operator_pauses"
PAUSED_AT_KEY = PREFIX + "operator_paused_at"
AWAY_KEY = PREFIX + "operator_away"
WRAPPED_KEY = PREFIX + "operator_wrapped"
HELD_KEY = PREFIX + "operator_held"


class PauseDesk:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def pause(self, username: str, reason: str, now: float = 0.0) -> None:
        await cast("Awaitable[int]", self.redis.hset(PAUSES_KEY, username, reason))
        if now:  # a change of reason keeps the pause's start
            await cast("Awaitable[int]", self.redis.hsetnx(PAUSED_AT_KEY, username, str(now)))

    async def unpause(self, username: str, now: float = 0.0) -> float:
        """End the pause; the seconds it lasted (0 when its start is not known)."""
        await cast("Awaitable[int]", self.redis.hdel(PAUSES_KEY, username))
        started = await cast("Awaitable[Any]", self.redis.hget(PAUSED_AT_KEY, username))
        await cast("Awaitable[int]", self.redis.hdel(PAUSED_AT_KEY, username))
        return max(0.0, now - float(started)) if started and now else 0.0

    async def all(self) -> dict[str, str]:
        return await self._hash(PAUSES_KEY)

    async def paused_since(self, username: str) -> float:
        started = await cast("Awaitable[Any]", self.redis.hget(PAUSED_AT_KEY, username))
        return float(started) if started else 0.0

    async def log_out(self, username: str, now: float) -> None:
        await cast("Awaitable[int]", self.redis.hset(AWAY_KEY, username, str(now)))

    async def log_in(self, username: str) -> None:
        await cast("Awaitable[int]", self.redis.hdel(AWAY_KEY, username))

    async def away(self) -> set[str]:
        """The operators who logged out of their queues."""
        return set(await self._hash(AWAY_KEY))

    async def wrapped(self, username: str, now: float) -> None:
        await cast("Awaitable[int]", self.redis.hset(WRAPPED_KEY, username, str(now)))

    async def wrap_marks(self) -> dict[str, float]:
        return {user: float(at) for user, at in (await self._hash(WRAPPED_KEY)).items()}

    async def hold(self, username: str, call: dict[str, str]) -> None:
        """The call the operator put on hold (its caller's channel: what resuming moves)."""
        await cast("Awaitable[int]", self.redis.hset(HELD_KEY, username, json.dumps(call)))

    async def held(self, username: str) -> dict[str, str]:
        raw = await cast("Awaitable[Any]", self.redis.hget(HELD_KEY, username))
        return {str(k): str(v) for k, v in json.loads(raw).items()} if raw else {}

    async def unhold(self, username: str) -> None:
        await cast("Awaitable[int]", self.redis.hdel(HELD_KEY, username))

    async def _hash(self, key: str) -> dict[str, str]:
        raw = await cast("Awaitable[dict[Any, Any]]", self.redis.hgetall(key))
        return {_text(k): _text(v) for k, v in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
