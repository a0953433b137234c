"""What the wall screen colours and draws (pure): each queue's service level against its
target, and the city day's trend per hour from the call records' sums.

Targets: NENA's for the 112 queues (``police``, ``fire``, ``ambulance``, ``emergency``): 90 %
of the calls offered answered within 15 s and 95 % within 20 s; the hotline's own share within
15 s (``IVR_SERVICE_LEVEL_HOTLINE_TARGET``, 80 % by default). A level under its target is
**amber** while it is within ``AMBER_POINTS`` (5) percentage points of it and **red** further
down; a queue is as bad as its worst target. No call offered yet is "ok": nothing was missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..queues import EMERGENCY_QUEUES

OK, AMBER, RED = "ok", "amber", "red"
AMBER_POINTS = 5  # percentage points under a target that are amber, not yet red
BUCKET_MINUTES = 60


@dataclass(frozen=True)
class Target:
    """``percent`` of the calls offered answered within ``within_s`` seconds."""

    within_s: int
    percent: int


NENA_TARGETS = (Target(15, 90), Target(20, 95))


def targets_for(queue: str, hotline_percent: int) -> tuple[Target, ...]:
    return NENA_TARGETS if queue in EMERGENCY_QUEUES else (Target(15, hotline_percent),)


def level_state(level: float | None, target: Target) -> str:
    """One level (a share 0..1, None when nothing was offered) against one target."""
    if level is None:
        return OK
    points = round(level * 100, 6)  # 0.85 is 85 points, not 84.99999
    if points >= target.percent:
        return OK
    return AMBER if points >= target.percent - AMBER_POINTS else RED


def target_state(queue: str, sl15: float | None, sl20: float | None,
                 hotline_percent: int = 80) -> str:
    """"ok", "amber" or "red": the queue's worst state over its targets."""
    levels = {15: sl15, 20: sl20}
    states = {level_state(levels[t.within_s], t) for t in targets_for(queue, hotline_percent)}
    return RED if RED in states else AMBER if AMBER in states else OK


@dataclass(frozen=True)
class TrendCell:
    """The database's sums for one queue and one time bucket (one GROUP BY row)."""

    queue: str
    bucket: int
    offered: int
    within_15: int
    within_20: int


def bucket_starts(day_start: datetime, now: datetime,
                  minutes: int = BUCKET_MINUTES) -> list[datetime]:
    """The buckets' starts from the city day's start up to the one ``now`` is in (at least
    one: the first)."""
    step = timedelta(minutes=minutes)
    count = max(1, int((now - day_start) / step) + 1)
    return [day_start + step * n for n in range(count)]


def _share(part: int, offered: int) -> float | None:
    return round(part / offered, 4) if offered else None


def queue_trend(queue: str, cells: Iterable[TrendCell], buckets: int,
                hotline_percent: int) -> dict[str, Any]:
    """One queue's line of ``GET /api/v1/wallscreen/trends``."""
    offered, within_15, within_20 = [0] * buckets, [0] * buckets, [0] * buckets
    for cell in cells:
        if 0 <= cell.bucket < buckets:
            offered[cell.bucket] += cell.offered
            within_15[cell.bucket] += cell.within_15
            within_20[cell.bucket] += cell.within_20
    day_15 = _share(sum(within_15), sum(offered))
    day_20 = _share(sum(within_20), sum(offered))
    return {
        "queue": queue,
        "offered": offered,
        "service_level_15": [_share(w, o) for w, o in zip(within_15, offered, strict=True)],
        "service_level_20": [_share(w, o) for w, o in zip(within_20, offered, strict=True)],
        "day": {"offered": sum(offered), "service_level_15": day_15,
                "service_level_20": day_20},
        "targets": [{"within_s": t.within_s, "percent": t.percent}
                    for t in targets_for(queue, hotline_percent)],
        "state": target_state(queue, day_15, day_20, hotline_percent),
    }


def day_trends(cells: Sequence[TrendCell], starts: Sequence[datetime], queues: Iterable[str],
               hotline_percent: int, day: str) -> dict[str, Any]:
    """The body of ``GET /api/v1/wallscreen/trends``: per queue (every one of ``queues``,
    zeros and all) the calls offered and the service levels per bucket, the day's totals,
    the targets and the state they give."""
    return {
        "day": day,
        "bucket_minutes": BUCKET_MINUTES,
        "starts": [s.isoformat() for s in starts],
        "amber_points": AMBER_POINTS,
        "queues": [queue_trend(q, (c for c in cells if c.queue == q), len(starts),
                               hotline_percent) for q in queues],
    }
