"""Writing the spool back to the database: one record at a time, the bad ones set aside.

Each waiting record is offered on its own, with the desk's database time-out. A record the
database will never take (a value it refuses, a rule or conversion that fails) is moved to
``spool.rejected.jsonl`` with the reason, and the flush goes on with the next one; only the
database being away stops it, keeping the rest for later. The spool lock is held only to copy
the lines out and to remove those that landed, never while the database is talking.
``keep_flushing`` (in the desk) survives every error, backing off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)

from .errors import StoreUnavailable
from .spool import Rejected, Spool, SpoolRecord
from .workers import DeskWorkers

log = logging.getLogger(__name__)

DB_DOWN = (OperationalError, InterfaceError, DisconnectionError, TimeoutError, StoreUnavailable)
# The spool flush: every FLUSH_INTERVAL_S, doubling after each failure up to FLUSH_MAX_DELAY_S.
FLUSH_INTERVAL_S = 30.0
FLUSH_MAX_DELAY_S = 600.0


def is_poison(exc: BaseException) -> bool:
    """True if a spooled record can never be written (set it aside); False: retry it later.

    The database being away, slow or broken as a whole (schema, rights) is not the record's
    fault; a value the database refuses, or that our own rules or conversions refuse, is.
    """
    if isinstance(exc, DB_DOWN):
        return False
    if isinstance(exc, DataError | IntegrityError):
        return True
    return not isinstance(exc, DBAPIError) and isinstance(exc, Exception)


def next_flush_delay(previous: float, failed: bool, interval: float = FLUSH_INTERVAL_S,
                     ceiling: float = FLUSH_MAX_DELAY_S) -> float:
    """The wait before the next flush: ``interval``, doubled after each failure, capped."""
    return min(max(previous * 2, interval), ceiling) if failed else interval


@dataclass(frozen=True)
class Flushed:
    written: int
    set_aside: int
    database_down: bool  # the flush stopped early; the rest waits for the next one


class SpoolFlusher:
    def __init__(self, spool: Spool, workers: DeskWorkers,
                 write: Callable[[SpoolRecord], None]) -> None:
        self.spool = spool
        self.workers = workers
        self.write = write

    async def flush(self, db_timeout: float) -> Flushed:
        """One pass over the spool, each write given ``db_timeout`` seconds.

        Raises on an error that is neither the record's nor the database being away (the
        caller tries again later).
        """
        lock = await self.workers.files(self.spool.try_drain_lock)
        if lock is None:  # another process is flushing this spool right now
            return Flushed(0, 0, False)
        try:
            return await self._pass(db_timeout)
        finally:
            self.spool.release_drain_lock(lock)

    async def _pass(self, db_timeout: float) -> Flushed:
        waiting, rejected = await self.workers.files(self.spool.take)
        landed: list[bytes] = []
        down = False
        try:
            for entry in waiting:
                reason = await self._offer(entry.record, db_timeout)
                if reason is None:
                    landed.append(entry.line)
                else:
                    rejected.append(Rejected(entry.line, reason))
        except DB_DOWN as exc:
            down = True
            log.warning("tickets: spool flush stopped, database unavailable (%s)",
                        exc.__class__.__name__)
        finally:
            await self.workers.files(self.spool.settle, landed, rejected)
        return Flushed(len(landed), len(rejected), down)

    async def _offer(self, record: SpoolRecord, db_timeout: float) -> str | None:
        """None once ``record`` is in the database, else why it never will be; or raises."""
        try:
            await self.workers.database(db_timeout, self.write, record)
        except Exception as exc:
            if not is_poison(exc):
                raise
            log.error("tickets: spooled %s refused (%s), set aside", type(record).__name__,
                      exc.__class__.__name__)
            return f"{exc.__class__.__name__}: {exc}"
        return None
