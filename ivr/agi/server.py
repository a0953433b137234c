"""The FastAGI server: reads Asterisk's headers safely and runs the route the URL names.

Routes by the PATH of ``agi://host:port/PATH`` as panoramisk's ``fast_agi.Application`` does,
with the edge that one lacks: a header read that ends on EOF and has a time-out, bounded lines
and a bounded number of sessions, and a route failure that is logged with the call's id and
then handed back to the dialplan, whose fallback (for 112: the ``emergency`` queue) takes the
caller on.

Every connection this server refuses or closes early (too many sessions, or too many from
one address when ``max_per_address`` is set, no headers in
time, a header block Asterisk would not send) is closed cleanly with a log line: Asterisk
then goes on with the next dialplan line, which for 112 ends in a queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping
from typing import Protocol

from ..aio import within
from .channel import COMMAND_TIMEOUT, AgiChannel, CommandWriter
from .protocol import AgiHeaderError, parse_headers
from .route import Route, run_flow

log = logging.getLogger(__name__)

HEADER_TIMEOUT = 5.0  # Asterisk sends its headers at once; an idle connection is closed
MAX_HEADER_LINES = 200  # Asterisk sends ~25, plus one per AGI() argument
MAX_HEADER_LINE_BYTES = 8192  # Asterisk's own AGI buffers are a few kB
MAX_SESSIONS = 500  # default of IVR_AGI_MAX_SESSIONS; each session holds a socket


class SessionWriter(CommandWriter, Protocol):
    """The writing side of one FastAGI connection (an ``asyncio.StreamWriter``)."""

    def close(self) -> None: ...

    def get_extra_info(self, name: str) -> object: ...


class FastAgiServer:
    """Routes ``agi://host:port/PATH`` sessions to coroutines taking an :class:`AgiChannel`."""

    def __init__(self, routes: Mapping[str, Route], *, max_sessions: int = MAX_SESSIONS,
                 header_timeout: float = HEADER_TIMEOUT,
                 command_timeout: float = COMMAND_TIMEOUT, max_per_address: int = 0) -> None:
        self.routes = dict(routes)
        self.command_timeout = command_timeout
        self.max_sessions = max_sessions
        self.max_per_address = max_per_address or max_sessions
        self.by_address: Counter[str] = Counter()
        self.refused_address = 0
        self.header_timeout = header_timeout
        self.sessions = 0  # flows started
        self.active = 0  # connections open now, headers read or not
        self.refused_full = 0
        self.closed_idle = 0
        self.refused_headers = 0

    async def handler(self, reader: asyncio.StreamReader, writer: SessionWriter) -> None:
        peer = writer.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)
        if self._refused(address, peer):
            writer.close()
            return
        self.active += 1
        self.by_address[address] += 1
        try:
            headers = await self._headers(reader, peer)
            if headers is not None:
                channel = AgiChannel(headers, reader, writer,
                                     command_timeout=self.command_timeout)
                try:
                    await self.run_route(channel)
                finally:
                    channel.close()
        finally:
            self.active -= 1
            self.by_address[address] -= 1
            if self.by_address[address] <= 0:
                del self.by_address[address]
            writer.close()

    def _refused(self, address: str, peer: object) -> bool:
        """Whether this connection is over a cap (logged and counted when it is)."""
        if self.active >= self.max_sessions:
            self.refused_full += 1
            log.warning("FastAGI at its cap of %d sessions: connection from %s closed, the "
                        "dialplan's fallback takes the call (%d refused so far)",
                        self.max_sessions, peer, self.refused_full)
            return True
        if self.by_address[address] >= self.max_per_address:
            self.refused_address += 1
            log.warning("FastAGI: %s has %d sessions open, its cap: connection closed, the "
                        "dialplan's fallback takes the call (%d refused so far)",
                        address, self.max_per_address, self.refused_address)
            return True
        return False

    async def _headers(self, reader: asyncio.StreamReader, peer: object) -> dict[str, str] | None:
        """The session's headers, or None (logged) when the connection is to be closed."""
        try:
            return await within(read_headers(reader), self.header_timeout)
        except TimeoutError:
            self.closed_idle += 1
            log.info("FastAGI: no AGI headers from %s within %.0f s, connection closed "
                     "(%d idle connections closed so far)",
                     peer, self.header_timeout, self.closed_idle)
        except AgiHeaderError as exc:
            self.refused_headers += 1
            log.warning("FastAGI: call %s from %s refused, the dialplan's fallback takes it: "
                        "%s (%d refused so far)",
                        exc.unique_id or "(no id)", peer, exc, self.refused_headers)
        except (ConnectionError, EOFError) as exc:
            log.debug("connection without AGI headers from %s: %r", peer, exc)
        return None

    async def run_route(self, channel: AgiChannel) -> None:
        path = channel.script.strip("/")
        route = self.routes.get(path)
        if route is None:
            log.error("call %s: no AGI route %r (known: %s)",
                      channel.unique_id, path, ", ".join(sorted(self.routes)))
            return
        self.sessions += 1
        try:
            await run_flow(route, channel, path)
        except asyncio.CancelledError:
            # The server is stopping: the call goes back to the dialplan, whose fallback
            # queues it.
            log.warning("call %s (%s): server stopping, call handed back to the dialplan",
                        channel.unique_id, path)


async def read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    """Read ``agi_*: value`` lines up to the blank line.

    EOF before it is :class:`EOFError`; too many lines, a line too long, or a name given twice
    is :class:`AgiHeaderError`.
    """
    lines: list[str] = []
    while len(lines) < MAX_HEADER_LINES:
        try:
            raw = await reader.readline()
        except ValueError as exc:  # longer than the stream's buffer limit (64 KiB)
            raise AgiHeaderError(f"an AGI header line over {MAX_HEADER_LINE_BYTES} bytes") \
                from exc
        if not raw:
            raise EOFError("connection closed before the end of the AGI headers")
        if len(raw) > MAX_HEADER_LINE_BYTES:
            raise AgiHeaderError(f"an AGI header line of {len(raw)} bytes "
                                 f"(at most {MAX_HEADER_LINE_BYTES})")
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            return parse_headers(lines)
        lines.append(line)
    raise AgiHeaderError(f"too many AGI header lines (more than {MAX_HEADER_LINES})")


async def serve(routes: Mapping[str, Route], host: str, port: int, *,
                max_sessions: int = MAX_SESSIONS, max_per_address: int = 0) -> asyncio.Server:
    app = FastAgiServer(routes, max_sessions=max_sessions, max_per_address=max_per_address)
    server = await asyncio.start_server(app.handler, host, port)
    log.info("FastAGI listening on %s:%d (at most %d sessions), routes: %s",
             host, port, max_sessions, ", ".join(routes))
    return server
