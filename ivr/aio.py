"""``within``: an awaitable with a time-out that never swallows a cancellation.

Python 3.11's ``asyncio.wait_for`` returns the result when the awaited thing finishes in the
same moment the waiting task is cancelled, and the cancellation is lost: a background loop
cancelled at shutdown then sleeps on and the shutdown waits for ever (seen with the web app's
escalation pass). ``asyncio.timeout`` counts cancellations and lets an outside one through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(work: Awaitable[T], timeout_s: float) -> T:
    """``await work``, or ``TimeoutError`` after ``timeout_s`` seconds."""
    async with asyncio.timeout(timeout_s):
        return await work
