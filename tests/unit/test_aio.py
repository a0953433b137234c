"""``within`` lets a cancellation through even when the awaited thing ends at that moment."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from ivr.agi.channel import AgiChannel
from ivr.agi.classic import PipeReader, PipeWriter
from ivr.aio import close_own_loop, loop_running, on_a_loop, run_without_loop, within


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


# -- running without a loop (the classic launcher) ------------------------------------------

async def steps(log: list[str]) -> str:
    log.append("plain")
    value = await plain("a")  # a coroutine that never waits on a loop
    log.append("on a loop")
    slept = await on_a_loop(asyncio.sleep(0, result="b"))  # this step needs one
    return value + slept + str(loop_running())


async def plain(value: str) -> str:
    return value


def test_a_coroutine_runs_to_its_end_without_a_loop_and_a_step_that_needs_one_gets_one(
) -> None:
    log: list[str] = []
    try:
        assert run_without_loop(steps(log)) == "abFalse"
    finally:
        close_own_loop()
    assert log == ["plain", "on a loop"]


def test_waiting_on_a_loop_without_one_is_a_clear_error() -> None:
    future_waiter = asyncio.sleep(0)  # yields to a loop that is not there
    with pytest.raises(RuntimeError, match="on_a_loop"):
        run_without_loop(future_waiter)


async def test_on_a_loop_uses_the_running_loop() -> None:
    assert loop_running()
    assert await on_a_loop(asyncio.sleep(0, result=3)) == 3


def test_a_classic_channel_talks_over_blocking_pipes_without_a_loop() -> None:
    # The launcher's channel has no time-out per command: nothing to time it with.
    stdin, stdout = io.BytesIO(b"200 result=1\n"), io.BytesIO()
    channel = AgiChannel({"agi_uniqueid": "1.1"}, PipeReader(stdin), PipeWriter(stdout),
                         command_timeout=None)
    run_without_loop(channel.set_variable("HOTLINE_QUEUE", "fire"))
    assert stdout.getvalue() == b'SET VARIABLE HOTLINE_QUEUE "fire"\n'
