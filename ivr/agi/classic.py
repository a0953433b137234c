"""Classic AGI: the same flows, run by a process Asterisk starts per call (stdin/stdout).

pyst2 reads the AGI headers (its ``AGI()`` does that on construction); the flow then talks
over the same pipes through our :class:`AgiChannel`, so both transports share one code path.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Mapping

from .channel import AgiChannel
from .server import Route, run_flow


def read_headers_with_pyst2() -> dict[str, str]:
    """The agi_* headers from stdin, read by pyst2 (its echo to stderr is silenced)."""
    from asterisk.agi import AGI  # pyst2

    real_stderr, sys.stderr = sys.stderr, io.StringIO()
    try:
        agi = AGI()
    finally:
        sys.stderr = real_stderr
    return {key: str(value) for key, value in agi.env.items()}


async def run_classic(routes: Mapping[str, Route], path: str, headers: dict[str, str]) -> int:
    """Run route ``path`` over stdin/stdout; 0 when it ran, 2 for an unknown route."""
    route = routes.get(path)
    if route is None:
        print(f"unknown AGI route {path!r}; known: {', '.join(routes)}", file=sys.stderr)
        return 2
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, sys.stdout)
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    await run_flow(route, AgiChannel(headers, reader, writer), path)
    # A process per call: what the flow left running (the 112 incident record) must finish
    # before the process ends, or it would be cancelled with the loop.
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    await asyncio.gather(*pending, return_exceptions=True)
    return 0
