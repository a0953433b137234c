"""The long-running services, each its own process under `ivr run`: FastAGI, AMI, web.

This is the composition root: each function builds one service from the settings.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web
from redis.asyncio import Redis

from .agi.server import serve
from .ami.follower import QueueFollower
from .config import Settings
from .flows.emergency import EmergencyFlow
from .flows.prompts import Prompts
from .state import LiveState
from .web.app import make_app

log = logging.getLogger(__name__)


def agi_routes(settings: Settings) -> dict[str, EmergencyFlow]:
    """The AGI routes; their paths are the ``agi://host:port/PATH`` URLs in dialplan/."""
    prompts = Prompts(settings.data_dir / "sounds", settings.default_language)
    return {"emergency": EmergencyFlow(prompts, settings.emergency_digit_timeout)}


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_agi(settings: Settings) -> None:
    server = await serve(agi_routes(settings), settings.agi_host, settings.agi_port)
    async with server:
        await _until_stopped()


async def run_ami(settings: Settings) -> None:
    settings = settings.with_ami_secret()
    redis = Redis.from_url(settings.effective_redis_url, socket_timeout=2)
    follower = QueueFollower(settings, LiveState(redis))
    follower.start()
    heartbeat = asyncio.create_task(follower.keep_heartbeat())
    try:
        await _until_stopped()
    finally:
        heartbeat.cancel()
        follower.stop()
        await LiveState(redis).flatline("ami")
        await redis.aclose()


async def run_web(settings: Settings) -> None:
    runner = web.AppRunner(make_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.web_host, settings.web_port)
    await site.start()
    log.info("web listening on http://%s:%d/", settings.web_host, settings.web_port)
    try:
        await _until_stopped()
    finally:
        await runner.cleanup()
