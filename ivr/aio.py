"""Small asyncio helpers shared by every edge, and the classic launcher's loop-free running.

``within``: an awaitable with a time-out that never swallows a cancellation. Python 3.11's
``asyncio.wait_for`` returns the result when the awaited thing finishes in the same moment
the waiting task is cancelled, and the cancellation is lost: a background loop cancelled at
shutdown then sleeps on and the shutdown waits for ever (seen with the web app's escalation
pass). ``asyncio.timeout`` counts cancellations and lets an outside one through.

Loop-free running: the classic AGI launcher is a process per call whose pipes block, so its
flow never has to wait on an event loop. ``run_without_loop`` drives the flow's coroutine to
its end without one, and the process spares importing asyncio (about a quarter of its CPU,
bench/README.md section 7). The few steps that do need a loop (the full ticket desk, speech
synthesis) go through ``on_a_loop``, which makes this process's loop on first need.
``asyncio`` is imported inside the functions for that reason.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import asyncio

T = TypeVar("T")

_own_loop: asyncio.AbstractEventLoop | None = None  # on_a_loop's, with no loop running


def loop_running() -> bool:
    """True inside a coroutine run by an asyncio loop; False under ``run_without_loop``."""
    events = sys.modules.get("asyncio.events")
    return events is not None and events._get_running_loop() is not None


async def within(work: Awaitable[T], timeout_s: float) -> T:
    """``await work``, or ``TimeoutError`` after ``timeout_s`` seconds."""
    import asyncio

    async with asyncio.timeout(timeout_s):
        return await work


def run_without_loop(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never waits on an event loop to its end and return its result.

    A coroutine that does wait on one (an ``asyncio`` future) is closed and RuntimeError
    raised: what needs a loop goes through ``on_a_loop``."""
    try:
        work.send(None)
    except StopIteration as done:
        return done.value
    work.close()
    raise RuntimeError("a coroutine run without a loop waited on one (use on_a_loop)")


async def on_a_loop(work: Coroutine[Any, Any, T]) -> T:
    """``await work`` on the running loop; with none (``run_without_loop``), run it to its end
    on this process's own loop, made on first need and kept for the next such step."""
    if loop_running():
        return await work
    global _own_loop
    if _own_loop is None:
        import asyncio

        _own_loop = asyncio.new_event_loop()
    return _own_loop.run_until_complete(work)


def close_own_loop() -> None:
    """Let the work left on ``on_a_loop``'s loop finish, then close it (process end)."""
    global _own_loop
    if _own_loop is None:
        return
    import asyncio

    loop, _own_loop = _own_loop, None
    pending = asyncio.all_tasks(loop)
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
