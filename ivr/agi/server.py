"""The FastAGI server: reads Asterisk's headers safely and runs the route the URL names.

Built on panoramisk's ``fast_agi.Application`` (its route table), with the edge it lacks:
a header read that ends on EOF and has a time-out, and a route failure that is logged with
the call's id and then handed back to the dialplan, whose fallback (for 112: the
``emergency`` queue) takes the caller on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from panoramisk.fast_agi import Application

from .channel import AgiChannel
from .protocol import AgiError, AgiHangup, parse_headers

log = logging.getLogger(__name__)

Route = Callable[[AgiChannel], Awaitable[None]]

HEADER_TIMEOUT = 5.0
MAX_HEADER_LINES = 200


class FastAgiServer(Application):
    """Routes ``agi://host:port/PATH`` sessions to coroutines taking an :class:`AgiChannel`."""

    def __init__(self, routes: Mapping[str, Route]) -> None:
        super().__init__(loop=asyncio.get_running_loop())
        for path, route in routes.items():
            self.add_route(path, _as_coroutine_function(route))
        self.sessions = 0

    async def handler(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            headers = await asyncio.wait_for(read_headers(reader), HEADER_TIMEOUT)
        except (TimeoutError, ConnectionError, EOFError) as exc:
            log.debug("connection without AGI headers from %s: %r",
                      writer.get_extra_info("peername"), exc)
            writer.close()
            return
        channel = AgiChannel(headers, reader, writer)
        try:
            await self.run_route(channel)
        finally:
            writer.close()

    async def run_route(self, channel: AgiChannel) -> None:
        path = channel.script.strip("/")
        route = self._route.get(path)
        if route is None:
            log.error("call %s: no AGI route %r (known: %s)",
                      channel.unique_id, path, ", ".join(sorted(self._route)))
            return
        self.sessions += 1
        await run_flow(route, channel, path)


async def run_flow(route: Route, channel: AgiChannel, path: str) -> None:
    """Run one flow; its failure is logged with the call's id and left to the dialplan."""
    try:
        await route(channel)
    except AgiHangup:
        log.info("call %s (%s): caller hung up", channel.unique_id, path)
    except asyncio.CancelledError:
        # The server is stopping: the call goes back to the dialplan, whose fallback queues it.
        log.warning("call %s (%s): server stopping, call handed back to the dialplan",
                    channel.unique_id, path)
    except AgiError as exc:
        log.error("call %s (%s): AGI failed, dialplan fallback takes over: %s",
                  channel.unique_id, path, exc)
    except Exception:
        log.exception("call %s (%s): route crashed, dialplan fallback takes over",
                      channel.unique_id, path)


def _as_coroutine_function(route: Route) -> Route:
    """panoramisk accepts only coroutine functions; flows may be callable objects."""

    async def endpoint(channel: AgiChannel) -> None:
        await route(channel)

    return endpoint


async def read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    """Read ``agi_*: value`` lines up to the blank line; EOF before it is an error."""
    lines: list[str] = []
    while len(lines) < MAX_HEADER_LINES:
        raw = await reader.readline()
        if not raw:
            raise EOFError("connection closed before the end of the AGI headers")
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            return parse_headers(lines)
        lines.append(line)
    raise EOFError("too many AGI header lines")


async def serve(routes: Mapping[str, Route], host: str, port: int) -> asyncio.Server:
    app = FastAgiServer(routes)
    server = await asyncio.start_server(app.handler, host, port)
    log.info("FastAGI listening on %s:%d, routes: %s", host, port, ", ".join(routes))
    return server
