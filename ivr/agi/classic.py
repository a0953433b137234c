"""Classic AGI: the same flows, run by a process Asterisk starts per call (stdin/stdout).

pyst2 reads the AGI headers (its ``AGI()`` does that on construction); the flow then talks
over the same pipes through our :class:`AgiChannel`, so both transports share one code path.
The pipes block, and a process serves one call: the flow runs without an event loop
(``ivr.aio.run_without_loop``), so the process never imports asyncio unless a step needs it
(``ivr.aio.on_a_loop``).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping
from typing import BinaryIO

from ..aio import close_own_loop, run_without_loop
from .channel import AgiChannel
from .route import Route, run_flow


def read_headers_with_pyst2() -> dict[str, str]:
    """The agi_* headers from stdin, read by pyst2 (its echo to stderr is silenced)."""
    from asterisk.agi import AGI  # pyst2

    real_stderr, sys.stderr = sys.stderr, io.StringIO()
    try:
        agi = AGI()
    finally:
        sys.stderr = real_stderr
    return {key: str(value) for key, value in agi.env.items()}


class PipeReader:
    """Asterisk's replies on stdin, a line at a time (blocking: nothing else to wait for)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    async def readline(self) -> bytes:
        return self.stream.readline()


class PipeWriter:
    """Our commands to Asterisk on stdout, flushed at each ``drain``."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.write(data)

    async def drain(self) -> None:
        self.stream.flush()


def run_classic(routes: Mapping[str, Route], path: str, headers: dict[str, str]) -> int:
    """Run route ``path`` over stdin/stdout; 0 when it ran, 2 for an unknown route."""
    route = routes.get(path)
    if route is None:
        print(f"unknown AGI route {path!r}; known: {', '.join(routes)}", file=sys.stderr)
        return 2
    channel = AgiChannel(headers, PipeReader(sys.stdin.buffer), PipeWriter(sys.stdout.buffer),
                         command_timeout=None)
    try:
        run_without_loop(run_flow(route, channel, path))
    finally:
        # A process per call: what a step left running on a loop (only when one was needed)
        # finishes before the process ends.
        close_own_loop()
    return 0
