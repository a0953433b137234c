"""Wallboard viewers for ``e2e_bench.py``: an SSE client and a real Chromium wallboard.

Each records, per caller number of the step's prefix, the wall-clock time (``time.time()``,
same host, same clock as the bench's AMI login) at which the caller first showed:
- ``SseViewer``: in an ``/api/v1/events`` event (``want=board``: the whole board each time,
  what the wallboard used before; ``want=board-delta``: the board once, then what changed);
- ``BrowserViewer``: as a row of ``#waiting`` on ``/wallboard`` in headless Chromium (a
  MutationObserver notes ``Date.now()`` when the row is put in the page).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
SEEN_JS = """
window.__seen = {};
new MutationObserver(() => {
  const now = Date.now();
  for (const tr of document.querySelectorAll('#waiting tr[data-caller]')) {
    if (!(tr.dataset.caller in window.__seen)) window.__seen[tr.dataset.caller] = now;
  }
}).observe(document, {subtree: true, childList: true});
"""


def callers_in(body: dict[str, Any]) -> list[str]:
    """The caller numbers an event's queues hold (a delta: only the queues that changed)."""
    return [c["caller_number"] for q in body.get("queues", []) for c in q.get("callers", [])]


class SseViewer:
    def __init__(self, base: str, user: str, password: str, want: str) -> None:
        self.base, self.auth, self.want = base, aiohttp.BasicAuth(user, password), want
        self.seen: dict[str, float] = {}
        self.events = 0
        self.bytes = 0
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._follow())
        await asyncio.wait_for(self._connected.wait(), 30)

    async def _follow(self) -> None:
        timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
        async with aiohttp.ClientSession(auth=self.auth, timeout=timeout) as session, \
                session.get(f"{self.base}/api/v1/events?want={self.want}") as reply:
            reply.raise_for_status()
            self._connected.set()
            async for raw in reply.content:
                line = raw.decode()
                if not line.startswith("data: "):
                    continue
                now = time.time()
                self.events += 1
                self.bytes += len(raw)
                for number in callers_in(json.loads(line[6:])):
                    self.seen.setdefault(number, now)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                await self._task


class BrowserViewer:
    def __init__(self, base: str, user: str, password: str, profile: Path) -> None:
        self.base, self.user, self.password, self.profile = base, user, password, profile

    async def start(self) -> None:
        from playwright.async_api import async_playwright

        self._driver = await async_playwright().start()
        self._context = await self._driver.chromium.launch_persistent_context(
            str(self.profile), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS)
        self._context.set_default_timeout(60_000)
        self.page = await self._context.new_page()
        await self.page.add_init_script(SEEN_JS)
        await self.page.goto(self.base + "/wallboard")
        await self.page.fill("#username", self.user)
        await self.page.fill("#password", self.password)
        await self.page.click("#submit")
        await self.page.wait_for_url("**/wallboard")
        await self.page.wait_for_selector("#link.up")

    async def seen(self) -> dict[str, float]:
        stamps: dict[str, float] = await self.page.evaluate("window.__seen")
        return {number: ms / 1000 for number, ms in stamps.items()}

    async def stop(self) -> None:
        await self._context.close()
        await self._driver.stop()
