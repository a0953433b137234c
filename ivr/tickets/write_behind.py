"""Write-behind for the records a call leaves: the calls of a moment share one database write.

A 112 call's incident record was one ORM transaction (a SELECT, an INSERT, a COMMIT) on the
desk's thread per call: 60 % of the FastAGI server's CPU per call; a queue call's record,
the same in the AMI service, held the GIL the live board needed (bench/README.md). Here a
record waits up to ``window_s`` for the others of that moment, then they go in one
transaction (``TicketService.record_incidents``: one INSERT; ``record_calls``). A caller
of ``write`` learns when its record is kept, in the database or, if the database is away,
in the spool; the 112 flow ``put``s its record and goes on. Nothing is lost, and nothing of
it is on a caller's path. ``drain`` writes what is waiting (at shutdown).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

WINDOW_S = 0.05
MAX_BATCH = 500

R = TypeVar("R")


def batches(waiting: list[R], size: int) -> list[list[R]]:
    """``waiting`` cut into writes of at most ``size`` records, in arrival order (pure)."""
    return [waiting[i:i + size] for i in range(0, len(waiting), size)]


class WriteBehind(Generic[R]):
    """``write(record)`` returns once the record is in the database or the spool;
    ``put(record)`` hands it over without waiting (a 112 call's incident: no task or future
    per call on the FastAGI server's loop)."""

    def __init__(self, what: str, store: Callable[[list[R]], Awaitable[object]],
                 spool: Callable[[list[R]], Awaitable[object]],
                 is_outage: Callable[[Exception], bool],
                 window_s: float = WINDOW_S, max_batch: int = MAX_BATCH) -> None:
        self.what, self.store, self.spool, self.is_outage = what, store, spool, is_outage
        self.window_s, self.max_batch = window_s, max_batch
        self._waiting: list[tuple[R, asyncio.Future[None] | None]] = []
        self._task: asyncio.Task[None] | None = None
        self._now = asyncio.Event()  # set by drain: no more waiting for the window

    def put(self, record: R) -> None:
        """Hand ``record`` over and go on: it is kept (database or spool) with its batch."""
        self._take(record, None)

    async def write(self, record: R) -> None:
        """``put``, then wait until the record is kept."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._take(record, done)
        # A cancelled caller cancels only ``done``: its record stays in the batch.
        await done

    def _take(self, record: R, done: asyncio.Future[None] | None) -> None:
        self._waiting.append((record, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._write_soon(), name=self.what)

    async def _write_soon(self) -> None:
        """Each batch waits out its window: the records that come while one batch is being
        written wait for the next window, not for the write to end (which made batches of
        a few records under load, bench/README.md section 11)."""
        while self._waiting:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.window_s):
                    await self._now.wait()
            await self._write_taken()

    async def _write_taken(self) -> None:
        taken, self._waiting = self._waiting, []
        for part in batches([r for r, _ in taken], self.max_batch):
            await self._keep(part)
        for _, done in taken:
            if done is not None and not done.done():
                done.set_result(None)

    async def _write_waiting(self) -> None:
        while self._waiting:
            await self._write_taken()

    async def _keep(self, batch: list[R]) -> None:
        try:
            await self.store(batch)
        except Exception as exc:  # every failure spools: a record is never lost
            if self.is_outage(exc):
                log.warning("%s: database unavailable (%s), %d spooled",
                            self.what, exc.__class__.__name__, len(batch))
            else:
                log.exception("%s: %d not written, spooled", self.what, len(batch))
            await self.spool(batch)

    async def drain(self) -> None:
        """Write what is waiting now, without waiting for the window (at shutdown); what
        comes after waits for its window again."""
        self._now.set()
        try:
            if self._task is not None:
                await self._task
            await self._write_waiting()
        finally:
            self._now.clear()
