"""Board writes, coalesced: at most one save of the board per interval, the latest state wins.

Saving the board costs in proportion to its size (``to_dict``, JSON, the redis write); at
75 calls/s one save per queue event put the AMI client seconds behind (bench/README.md). Here
a change only marks the board dirty; the save runs at once if the last one is older than the
interval, else when the interval has passed, and always once after the last change. With an
interval of 0 every change is saved before the next is applied (the old behaviour, kept for
the benchmark's side-by-side run: ``IVR_BOARD_COALESCE_MS=0``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Save = Callable[[str], Awaitable[None]]


def publish_delay(now: float, last_saved: float, interval_s: float) -> float:
    """Seconds to wait before the next save of a dirty board (pure): none when the last save
    is at least ``interval_s`` old, else what is left of the interval."""
    return max(0.0, last_saved + interval_s - now)


def merged_reason(pending: str, reason: str) -> str:
    """The ``reason`` the coalesced save announces: the latest change's, with how many were
    folded into it (``CallerJoined+12``) so a reader of ``ivr:events`` sees the rate."""
    if not pending:
        return reason
    folded = pending.partition("+")[2]
    return f"{reason}+{int(folded or 0) + 1}"


class BoardPublisher:
    """Runs ``save(reason)`` for changes, at most once per ``interval_s`` (see the module)."""

    def __init__(self, save: Save, interval_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.save, self.interval_s, self.clock = save, interval_s, clock
        self.saves = 0
        self._reason = ""  # the pending save's reason; "" when the board is clean
        self._last_saved = float("-inf")
        self._task: asyncio.Task[None] | None = None

    async def changed(self, reason: str) -> None:
        """The board changed: save now (interval 0), or make sure a save is on its way."""
        if self.interval_s <= 0:
            await self._save(reason)
            return
        self._reason = merged_reason(self._reason, reason)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._save_later(), name="board save")

    async def _save_later(self) -> None:
        while self._reason:
            await asyncio.sleep(publish_delay(self.clock(), self._last_saved, self.interval_s))
            reason, self._reason = self._reason, ""
            try:
                await self._save(reason)
            except Exception:  # redis away: the next change (or resync) saves again
                log.exception("live board not saved (%s)", reason)

    async def _save(self, reason: str) -> None:
        self._last_saved = self.clock()
        self.saves += 1
        await self.save(reason)

    async def flush(self) -> None:
        """Save what is pending now (at shutdown), and wait for a save under way."""
        task, self._task = self._task, None
        under_way = task is not None and not task.done()
        if task is not None and under_way:
            task.cancel()  # it may have been cut in the middle of its save: save again
        if self._reason or under_way:
            reason, self._reason = self._reason or "flush", ""
            await self._save(reason)
