"""A route (one flow, a coroutine taking the call's :class:`AgiChannel`) and how one runs.

Shared by both transports: the FastAGI server (``server.py``) and the classic launcher's
process per call (``classic.py``), which imports this and not the server, so that it needs
no asyncio (bench/README.md section 7).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from .channel import AgiChannel
from .protocol import AgiError, AgiHangup

log = logging.getLogger(__name__)

Route = Callable[[AgiChannel], Awaitable[None]]


async def run_flow(route: Route, channel: AgiChannel, path: str) -> None:
    """Run one flow; its failure is logged with the call's id and left to the dialplan."""
    try:
        await route(channel)
    except AgiHangup:
        log.info("call %s (%s): caller hung up", channel.unique_id, path)
    except AgiError as exc:
        log.error("call %s (%s): AGI failed, dialplan fallback takes over: %s",
                  channel.unique_id, path, exc)
    except Exception:
        log.exception("call %s (%s): route crashed, dialplan fallback takes over",
                      channel.unique_id, path)
