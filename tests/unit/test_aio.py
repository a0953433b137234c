"""``within`` lets a cancellation through even when the awaited thing ends at that moment."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from ivr.aio import within


async def finished_as_cancelled(wait: Callable[[Awaitable[int], float], Awaitable[int]]
                                ) -> asyncio.Task[Any]:
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(wait(done, 5))
    await asyncio.sleep(0)  # the task now waits for `done`
    done.set_result(1)  # the work ends...
    task.cancel()  # ...as shutdown cancels the task
    await asyncio.sleep(0.01)
    return task


async def test_a_cancellation_at_the_moment_the_work_ends_is_not_lost() -> None:
    task = await finished_as_cancelled(within)
    assert task.cancelled()


async def test_within_times_out() -> None:
    with pytest.raises(TimeoutError):
        await within(asyncio.sleep(1), 0.01)
    assert await within(asyncio.sleep(0, result=7), 1) == 7
