"""Where the ticket desk's blocking work runs: the database apart from the local files.

The database gets a bounded pool of its own, and every call a time-out: a caller whose ticket
the database does not take in time hears a spooled number instead. A hanging database can
occupy at most ``DB_WORKERS`` threads (PostgreSQL's ``statement_timeout`` and TCP keepalives,
set in ``ivr.db``, free them in the end), and calls waiting behind them are cancelled at
their time-out. The spool appends and the number counter run on a separate small pool, so
the fallback is never queued behind the thing it falls back from. The desk owns both pools
and closes them at shutdown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ..aio import within

T = TypeVar("T")

# Below the engine's pool (5 + 10 overflow), so a worker never waits for a connection.
DB_WORKERS = 8
FILE_WORKERS = 2


class DeskWorkers:
    def __init__(self, db_workers: int = DB_WORKERS, file_workers: int = FILE_WORKERS) -> None:
        self._database = ThreadPoolExecutor(db_workers, thread_name_prefix="ticket-db")
        self._files = ThreadPoolExecutor(file_workers, thread_name_prefix="ticket-files")

    async def database(self, timeout: float, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on a database thread; TimeoutError after ``timeout`` seconds."""
        future = asyncio.get_running_loop().run_in_executor(self._database, fn, *args)
        return await within(future, timeout)

    async def files(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on a local-file thread (spool, number counter)."""
        return await asyncio.get_running_loop().run_in_executor(self._files, fn, *args)

    def close(self) -> None:
        """Stop taking work; database threads still blocked are abandoned, files finish."""
        self._database.shutdown(wait=False, cancel_futures=True)
        self._files.shutdown(wait=True)
