"""The long-running services, each its own process under `ivr run`: FastAGI, AMI, web.

This is the composition root: each function builds one service from the settings.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from redis.asyncio import Redis

from .agi.server import Route, serve
from .ami.follower import QueueFollower
from .config import Settings
from .db import make_engine
from .flows.engine import FlowEngine
from .flows.ports import SpeechPort, TicketDeskPort
from .flows.prompts import Prompts
from .flows.spoken import Speaker
from .flows.store import FlowStore, queue_names
from .reports.store import CallRecorder, CallStore
from .runtime.render import project_root
from .state import LiveState
from .web.app import make_app

log = logging.getLogger(__name__)


# AGI route (the PATH in agi://host:port/PATH of dialplan/extensions.conf) -> flow file.
FLOW_ROUTES = {"emergency": "112", "hotline": "12345"}


def flow_store(settings: Settings) -> FlowStore:
    root = project_root()
    rendered = settings.run_dir / "etc" / "asterisk" / "queues.conf"
    queues_conf = rendered if rendered.exists() else root / "asterisk_conf" / "queues.conf"
    return FlowStore(builtin_dir=root / "dialplan" / "flows",
                     override_dir=settings.data_dir / "flows",
                     prompt_dirs=[settings.data_dir / "sounds", root / "recordings"],
                     known_queues=queue_names(queues_conf.read_text()))


def ticket_desk(settings: Settings) -> TicketDeskPort:
    from .tickets.desk import build_ticket_desk

    return build_ticket_desk(settings)


def local_clock(settings: Settings) -> Callable[[datetime], datetime]:
    """UTC times from the database as the city's local time (what callers are told)."""
    zone = ZoneInfo(settings.ticket_timezone)
    return lambda moment: moment.astimezone(zone)


def agi_routes(settings: Settings, desk: TicketDeskPort | None = None,
               speech: SpeechPort | None = None) -> dict[str, Route]:
    """The AGI routes, each running one flow of ``dialplan/flows`` (admin edits included)."""
    store = flow_store(settings)
    store.current()  # refuse to start on broken flows, with every problem listed
    prompts = Prompts(settings.data_dir / "sounds", settings.default_language)
    speaker = Speaker(prompts, settings.data_dir / "sounds" / "tts")
    engine = FlowEngine(store.current, prompts, speaker,
                        desk if desk is not None else ticket_desk(settings),
                        settings.recordings_dir, local_time=local_clock(settings),
                        speech=speech)
    return {path: engine.route(number) for path, number in FLOW_ROUTES.items()}


async def load_speech(settings: Settings) -> SpeechPort | None:
    """Speech recognition as configured (IVR_SPEECH_MODELS); None when none is configured."""
    if not settings.speech_models:
        return None
    from .speech import SpeechModelError, build_speech

    speech = build_speech(settings)
    load = getattr(speech.recognizer, "load", None)
    if load is not None:
        try:
            await load()
        except SpeechModelError as exc:  # the other languages still work; keys always do
            log.error("speech: %s", exc)
    log.info("speech recognition for: %s", ", ".join(sorted(speech.languages())) or "none")
    return speech


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def run_agi(settings: Settings) -> Coroutine[Any, Any, None]:
    """The FastAGI service, run as ``asyncio.run(run_agi(settings))``.

    With ``IVR_EVENT_LOOP=uvloop`` uvloop's policy is installed first, so the loop that
    ``asyncio.run`` then makes is a uvloop one (bench/README.md has the figures).
    """
    if settings.event_loop == "uvloop":
        use_uvloop()
    return _serve_agi(settings)


def use_uvloop() -> bool:
    """Make new event loops uvloop's; False (and a warning) when uvloop is not installed."""
    try:
        import uvloop
    except ImportError:
        log.warning("IVR_EVENT_LOOP=uvloop but uvloop is not installed (pip install "
                    "'.[bench]'); using the standard asyncio loop")
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True


async def _serve_agi(settings: Settings) -> None:
    routes = agi_routes(settings, speech=await load_speech(settings))
    server = await serve(routes, settings.agi_host, settings.agi_port,
                         max_sessions=settings.agi_max_sessions)
    log.info("FastAGI event loop: %s", type(asyncio.get_running_loop()).__module__)
    async with server:
        await _until_stopped()


async def run_ami(settings: Settings) -> None:
    settings = settings.with_ami_secret()
    redis = Redis.from_url(settings.effective_redis_url, socket_timeout=2)
    follower = QueueFollower(settings, LiveState(redis))
    recorder = CallRecorder(CallStore(make_engine(settings.effective_database_url)))
    await recorder.prepare()
    follower.on_call_done = recorder.call_done
    follower.start()
    heartbeat = asyncio.create_task(follower.keep_heartbeat())
    try:
        await _until_stopped()
    finally:
        heartbeat.cancel()
        follower.stop()
        await recorder.drain()
        recorder.store.engine.dispose()
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


async def run_roster(settings: Settings) -> None:
    """The roster engine: queue members follow the roster, pauses and emergency surges."""
    from .roster.actions import AsteriskQueues
    from .roster.engine import RosterEngine
    from .roster.pauses import PauseDesk
    from .roster.store import RosterStore, roster_path

    settings = settings.with_ami_secret()
    redis = Redis.from_url(settings.effective_redis_url, socket_timeout=2)
    live = LiveState(redis)
    queues = AsteriskQueues(settings)

    async def beat() -> None:
        await live.beat("roster", {"at": time.time()})

    engine = RosterEngine(RosterStore(roster_path(settings.data_dir)), queues, PauseDesk(redis),
                          surge_after_s=settings.emergency_surge_after, on_pass=beat)
    queues.on_login, queues.on_event, queues.on_lost = (
        engine.logged_in, engine.event, engine.link_lost)
    queues.start()
    passes = asyncio.create_task(engine.run())
    try:
        await _until_stopped()
    finally:
        passes.cancel()
        queues.stop()
        await live.flatline("roster")
        await redis.aclose()


SERVICES = {"agi": run_agi, "ami": run_ami, "web": run_web, "roster": run_roster}
