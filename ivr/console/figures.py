"""An operator's own figures for the day: calls handled and missed, average handle time and
time in pause (the console shows them; qpanel's users asked for the same per agent).

Counted in redis per city day (``ivr:operator_day:<YYYY-MM-DD>``, fields ``<user>:handled``,
``:talk_s``, ``:missed``, ``:pause_s``): the AMI service's ``DayTally`` counts each queue
offer's end (AgentComplete: handled with its talk time; AgentRingNoAnswer: missed), the
console's unpause adds the pause's length. A day is the city's (``IVR_TICKET_TIMEZONE``), so
a night shift's figures are split at midnight. Kept two days.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..ami.board import local_day
from ..ami.client import TaskSet
from ..ami.events import AgentDone, QueueEvent
from ..state import PREFIX

log = logging.getLogger(__name__)

DAY_KEY = PREFIX + "operator_day:"
KEPT_S = 2 * 86400
FIELDS = ("handled", "talk_s", "missed", "pause_s")


def tally_of(event: AgentDone) -> dict[str, int]:
    """What one ended offer adds to its operator's day (pure)."""
    if event.outcome == "completed":
        return {"handled": 1, "talk_s": max(0, event.talk_s)}
    if event.outcome == "missed":
        return {"missed": 1}
    return {}


def day_figures(stored: Mapping[str, float], paused_now_s: float) -> dict[str, Any]:
    """The console's figures from the stored counts and the pause going on now (pure)."""
    handled, talk = int(stored.get("handled", 0)), float(stored.get("talk_s", 0))
    return {"handled": handled, "missed": int(stored.get("missed", 0)),
            "average_handle_s": round(talk / handled) if handled else None,
            "talk_s": round(talk),
            "pause_s": round(float(stored.get("pause_s", 0)) + max(0.0, paused_now_s))}


class DayTally:
    """The per-day counts in redis (the AMI service writes, the web service reads)."""

    def __init__(self, redis: Redis, timezone: str) -> None:
        self.redis, self.timezone = redis, timezone
        self._tasks = TaskSet("operator day tally", log)

    def on_event(self, event: QueueEvent, now: float) -> None:
        """A follower listener: count every ended offer of a named member."""
        if isinstance(event, AgentDone) and event.member:
            counts = tally_of(event)
            if counts:
                self._tasks.spawn(self.add(event.member, counts, now), "count")

    async def add(self, username: str, counts: Mapping[str, float], now: float) -> None:
        key = DAY_KEY + local_day(now, self.timezone)
        try:
            for name, amount in counts.items():
                await cast("Awaitable[float]",
                           self.redis.hincrbyfloat(key, f"{username}:{name}", amount))
            await cast("Awaitable[bool]", self.redis.expire(key, KEPT_S))
        except RedisError as exc:  # figures only: the call itself is not touched
            log.warning("operator figures of %s not counted: %r", username, exc)

    async def figures(self, username: str, now: float) -> dict[str, float]:
        key = DAY_KEY + local_day(now, self.timezone)
        raw = await cast("Awaitable[list[Any]]", self.redis.hmget(
            key, [f"{username}:{name}" for name in FIELDS]))
        return {name: float(value) for name, value in zip(FIELDS, raw, strict=True)
                if value is not None}
