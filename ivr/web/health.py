"""Component checks behind /healthz; each returns "up" or a short reason it is not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from ..aio import within
from ..state import LiveState

CHECK_TIMEOUT_S = 1.5


@dataclass(frozen=True)
class Health:
    components: dict[str, str]

    @property
    def ok(self) -> bool:
        return all(state == "up" for state in self.components.values())


async def check_tcp(host: str, port: int) -> str:
    try:
        _, writer = await within(asyncio.open_connection(host, port), CHECK_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        return f"down: {host}:{port} {exc.__class__.__name__}"
    writer.close()
    return "up"


async def check_redis(redis: Redis) -> str:
    try:
        await within(redis.ping(), CHECK_TIMEOUT_S)
    except Exception as exc:  # any client error means "down"; the reason is shown
        return f"down: {exc.__class__.__name__}"
    return "up"


async def check_database(ping: Callable[[], None]) -> str:
    try:
        await within(asyncio.to_thread(ping), CHECK_TIMEOUT_S)
    except Exception as exc:  # any driver error means "down"; the reason is shown
        return f"down: {exc.__class__.__name__}"
    return "up"


async def check_all(live: LiveState, database_ping: Callable[[], None], agi_host: str,
                    agi_port: int) -> Health:
    redis_state, db_state, agi_state = await asyncio.gather(
        check_redis(live.redis), check_database(database_ping), check_tcp(agi_host, agi_port))
    ami = await live.heartbeat("ami") if redis_state == "up" else None
    return Health({
        "asterisk": "up" if ami and ami.get("asterisk") == "up" else "unknown: no AMI link",
        "ami": "up" if ami else "down: no heartbeat from the AMI client",
        "fastagi": agi_state,
        "redis": redis_state,
        "database": db_state,
    })
