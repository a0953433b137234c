"""The FastAGI service exactly as ``ivr agi`` runs it, plus an event-loop lag probe.

Run by ``bench/fastagi_bench.py`` as a subprocess (settings from IVR_* variables, including
IVR_EVENT_LOOP). The probe sleeps ``LAG_PERIOD_S`` and records how late it wakes up; on
SIGUSR1 it writes the lag figures since the last SIGUSR1 as JSON to the file named by
BENCH_LAG_FILE and starts afresh. Logging is set up as ``ivr agi`` sets it up (INFO lines).

BENCH_DESK=none runs the same flows with a ticket desk that does nothing, which separates the
AGI and flow cost from the 112 incident record's database write.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Coroutine
from typing import Any

from ivr import app
from ivr.config import Settings, load_settings

LAG_PERIOD_S = 0.01


async def probe(lags: list[float]) -> None:
    # perf_counter, not loop.time(): uvloop's clock has 1 ms steps.
    while True:
        start = time.perf_counter()
        await asyncio.sleep(LAG_PERIOD_S)
        lags.append(time.perf_counter() - start - LAG_PERIOD_S)


def dump(lags: list[float]) -> None:
    ordered = sorted(lags)
    data = {"samples": len(ordered), "loop": type(asyncio.get_running_loop()).__module__}
    if ordered:
        data.update(p50=ordered[len(ordered) // 2], p99=ordered[int(len(ordered) * 0.99)],
                    max=ordered[-1])
    path = os.environ["BENCH_LAG_FILE"]
    with open(path + ".tmp", "w") as out:
        json.dump(data, out)
    os.replace(path + ".tmp", path)
    lags.clear()


async def main(service: Coroutine[Any, Any, None]) -> None:
    lags: list[float] = []
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump, lags)
    task = asyncio.create_task(probe(lags)) if os.environ.get("BENCH_LAG") != "0" else None
    try:
        await service
    finally:
        if task:
            task.cancel()


class NoDesk:
    """A ticket desk that stores nothing (BENCH_DESK=none)."""

    async def open_from_call(self, report: object) -> str:
        return "1"

    async def status_by_number(self, number: str) -> None:
        return None

    def record_emergency_call(self, *args: object) -> None:
        return None

    async def rate(self, rating: object) -> bool:
        return True


async def serve_without_desk(settings: Settings) -> None:
    from ivr.agi.server import serve

    routes = app.agi_routes(settings, desk=NoDesk())
    server = await serve(routes, settings.agi_host, settings.agi_port)
    async with server:
        await app.until_stopped()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    coro = app.run_agi(settings)  # installs uvloop's policy when IVR_EVENT_LOOP=uvloop
    if os.environ.get("BENCH_DESK") == "none":
        coro.close()
        coro = serve_without_desk(settings)
    asyncio.run(main(coro))
    sys.exit(0)
