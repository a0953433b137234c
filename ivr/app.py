"""The composition root: every long-running service of the hotline, built from the settings.

``ivr serve NAME`` runs one service of ``SERVICES`` in the foreground; ``ivr run`` supervises
them all (``runtime/stack.py``). Each ``run_*`` coroutine builds its service's parts here and
runs until SIGINT or SIGTERM. The web app's parts (redis, the ticket desk, the accounts, the
flows, …) are built here too and handed to ``web.app.make_app`` as one ``WebParts``.

Nothing under ``ivr/`` imports this module but the ``ivr`` command
(``tests/unit/test_imports.py`` checks).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy import Engine

from .accounts import UserStore
from .agi.server import serve
from .ami.follower import QueueFollower
from .call_routes import agi_routes, flow_store
from .callers import CallerRegistry
from .cluster.board import ClusterBoards
from .cluster.member import ClusterMember
from .config import Settings
from .console.control import CallControl
from .console.service import ConsoleDesk
from .console.store import CodeStore
from .db import make_engine, ping
from .emergency.lane import EmergencyLane
from .flows.ports import SpeechPort
from .outbound.ami_dialer import AmiDialer
from .outbound.engine import OutboundEngine
from .reports.operator_activity import OperatorActivityRecorder
from .reports.store import CallRecorder, CallStore, VirtualHoldRecorder
from .roster.desk import OperatorDesk
from .roster.pauses import PauseDesk
from .roster.spy import SupervisorSpy
from .roster.store import RosterStore, roster_path
from .satisfaction.calls import SatisfactionCalls, fan_out
from .schema.upgrade import SchemaKeeper
from .state import LiveState
from .tickets.desk import TicketDesk, build_ticket_desk
from .web.app import make_app
from .web.live import BoardSource, ClusterSource, RedisBoardSource
from .web.parts import WebParts

log = logging.getLogger(__name__)

# --- the parts ---------------------------------------------------------------------------

def redis_client(settings: Settings) -> Redis:
    return Redis.from_url(settings.effective_redis_url, socket_timeout=2)


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[tuple[Engine, SchemaKeeper]]:
    """The engine, with the schema brought up to date once (retried while it is down)."""
    engine = make_engine(settings.effective_database_url)
    keeper = SchemaKeeper(engine)
    await keeper.start()
    try:
        yield engine, keeper
    finally:
        await keeper.stop()
        engine.dispose()


def ticket_desk(settings: Settings, engine: Engine, keeper: SchemaKeeper) -> TicketDesk:
    return build_ticket_desk(settings, engine, schema_ready=keeper.ready)


def operator_desk(settings: Settings, redis: Redis) -> OperatorDesk:
    store = RosterStore(roster_path(settings.data_dir))
    return OperatorDesk(store, PauseDesk(redis), LiveState(redis),
                        spy=SupervisorSpy(settings, store))


async def load_speech(settings: Settings) -> SpeechPort | None:
    """Speech recognition as configured (IVR_SPEECH_MODELS); None when none is configured."""
    if not settings.speech_models:
        return None
    from .speech import SpeechModelError, build_speech

    speech = build_speech(settings)
    try:
        await speech.load()
    except SpeechModelError as exc:  # the other languages still work; keys always do
        log.error("speech: %s", exc)
    log.info("speech recognition for: %s", ", ".join(sorted(speech.languages())) or "none")
    return speech


@asynccontextmanager
async def web_parts(settings: Settings, board: BoardSource | None = None,
                    nodes: ClusterSource | None = None) -> AsyncIterator[WebParts]:
    """What the web app works with, built once per web process; ``board`` replaces redis's,
    ``nodes`` the cluster's boards (tests)."""
    redis = redis_client(settings)
    live = LiveState(redis)
    cluster = cluster_redis(settings) if nodes is None else None
    boards = ClusterBoards(cluster) if cluster is not None else None  # every node's board
    async with database(settings) as (engine, keeper):
        await keeper.ready.wait()  # the accounts need their tables; the keeper keeps trying
        desk = ticket_desk(settings, engine, keeper)
        operators = operator_desk(settings, redis)
        console_ami = dataclasses.replace(settings, ami_user=settings.ami_user + "-console")
        control = CallControl(console_ami)
        console = ConsoleDesk(operators, operators.pauses, control, CodeStore(engine), desk,
                              settings.wrapup_seconds)
        try:
            yield WebParts(
                live=live, board=board or RedisBoardSource(live, settings.effective_redis_url),
                tickets=desk, users=UserStore(engine), flows=flow_store(settings),
                calls=CallStore(engine), operators=operators,
                callers=CallerRegistry(engine), console=console,
                database_ping=lambda: ping(engine), cluster=nodes or boards)
        finally:
            control.stop()
            desk.close()
            await redis.aclose()
            if boards is not None and cluster is not None:
                await boards.close()
                await cluster.aclose()


def web_app(settings: Settings, board: BoardSource | None = None,
            nodes: ClusterSource | None = None) -> web.Application:
    """The web app with its parts; ``board`` replaces redis as the live board, ``nodes`` the
    cluster's boards (tests)."""
    return make_app(settings, lambda: web_parts(settings, board, nodes))


# --- the services --------------------------------------------------------------------------

async def until_stopped() -> None:
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
    async with database(settings) as (engine, keeper):
        desk = ticket_desk(settings, engine, keeper)
        routes = agi_routes(settings, desk, speech=await load_speech(settings))
        server = await serve(routes, settings.agi_host, settings.agi_port,
                             max_sessions=settings.agi_max_sessions,
                             max_per_address=settings.agi_max_sessions_per_address)
        log.info("FastAGI event loop: %s", type(asyncio.get_running_loop()).__module__)
        try:
            async with server:
                await until_stopped()
        finally:
            await desk.drain()  # the 112 incidents waiting for their batch
            desk.close()


async def run_ami(settings: Settings) -> None:
    """The queue follower: the live board in redis, a call record for each queue call, and
    the 112 lane (incidents from the events, the prank lane, callbacks of abandoned calls)."""
    settings = settings.with_ami_secret()
    redis = redis_client(settings)
    live = LiveState(redis)
    async with database(settings) as (engine, keeper):
        follower = QueueFollower(settings, live)
        desk = ticket_desk(settings, engine, keeper)
        # Call records go through the desk: the spool keeps them while the database is away.
        recorder = CallRecorder(desk.record_call)
        follower.on_call_done = recorder.call_done
        dialer, outbound = outbound_calls(settings)
        lane = EmergencyLane(settings, desk, reprioritizer(follower), follower.note_abandoned,
                             outbound)
        follow_ups = SatisfactionCalls(settings, desk, outbound) if outbound else None
        if outbound is not None:  # the engine's news: the 112 callbacks, the follow-ups
            outbound.on_change = fan_out(lane.on_job, *(
                [follow_ups.on_job] if follow_ups is not None else []))
        follower.listeners.append(lane.on_event)
        follower.listeners.append(VirtualHoldRecorder(desk.record_vhold_step).on_event)
        follower.listeners.append(OperatorActivityRecorder(desk.record_operator_activity).on_event)
        follower.start()
        # Spooled incidents and call records are written by the web service's flush of the
        # shared spool.
        tasks = [asyncio.create_task(follower.keep_heartbeat()),
                 asyncio.create_task(lane.keep_writing())]
        if dialer is not None and outbound is not None:
            dialer.start()
            tasks.append(asyncio.create_task(outbound.run()))
        if follow_ups is not None:
            tasks.append(asyncio.create_task(follow_ups.keep_calling()))
        cluster = cluster_redis(settings)
        if cluster is not None:
            member = ClusterMember(settings.node_name, cluster, live, desk, lane,
                                   board_url=settings.effective_redis_url)
            tasks.append(asyncio.create_task(member.keep_watch()))
        try:
            await until_stopped()
        finally:
            await lane.drain()
            for task in tasks:
                task.cancel()
            if follow_ups is not None:
                follow_ups.stop()
            if dialer is not None and outbound is not None:
                outbound.stop()
                dialer.stop()
            follower.stop()
            await follower.publisher.flush()  # the last changes reach the board
            await recorder.drain()
            await desk.drain()  # call records and incidents waiting for their batch
            desk.close()
            await live.flatline("ami")
            await redis.aclose()
            if cluster is not None:
                await cluster.aclose()


def cluster_redis(settings: Settings) -> Redis | None:
    """The cluster's shared redis when this node is one of several (README "Cluster")."""
    if not (settings.node_name and settings.cluster_redis_url):
        return None
    return Redis.from_url(settings.cluster_redis_url, socket_timeout=2)


def outbound_calls(settings: Settings) -> tuple[AmiDialer | None, OutboundEngine | None]:
    """The outbound-call engine and its AMI dialler; (None, None) without a trunk. Its
    ``on_change`` is set by whoever listens."""
    if not settings.outbound_trunk:
        log.warning("no outbound trunk (IVR_OUTBOUND_TRUNK): abandoned 112 calls are not "
                    "called back")
        return None, None
    dialer = AmiDialer(dataclasses.replace(settings, ami_user=settings.ami_user + "-outbound"),
                       dial_pattern=settings.outbound_dial,
                       caller_id=f'"{settings.emergency_number}" <{settings.emergency_number}>')
    engine = OutboundEngine(dialer.dial, max_in_flight=settings.outbound_max_in_flight)
    return dialer, engine


def reprioritizer(follower: QueueFollower) -> Callable[[str, str, int], Awaitable[bool]]:
    """Move a waiting caller to ``priority`` at once (AMI QueueChangePriorityCaller)."""

    async def change(queue: str, channel: str, priority: int) -> bool:
        try:
            reply = await follower.ami.send({
                "Action": "QueueChangePriorityCaller", "Queue": queue, "Caller": channel,
                "Priority": str(priority), "Immediate": "yes"}, 2.0)
        except (TimeoutError, ConnectionError) as exc:
            log.warning("priority of %s in %s not changed: %r", channel, queue, exc)
            return False
        if not reply.success:
            log.warning("priority of %s in %s not changed: %s", channel, queue, reply.message)
        return reply.success

    return change


async def run_web(settings: Settings) -> None:
    runner = web.AppRunner(web_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.web_host, settings.web_port)
    await site.start()
    log.info("web listening on http://%s:%d/", settings.web_host, settings.web_port)
    try:
        await until_stopped()
    finally:
        await runner.cleanup()


async def run_roster(settings: Settings) -> None:
    """The roster engine: queue members follow the roster, pauses and emergency surges;
    operators' phone accounts follow the roster's operators."""
    from .clock import day_now
    from .roster.actions import AsteriskQueues
    from .roster.engine import RosterEngine
    from .roster.phones import PhoneAccounts, PjsipReload, operators_conf_path

    settings = settings.with_ami_secret()
    redis = redis_client(settings)
    live = LiveState(redis)
    queues = AsteriskQueues(settings)

    reload = PjsipReload(settings)
    phones = PhoneAccounts(operators_conf_path(settings), reload, settings.operator_proxy)

    async def after_pass() -> None:
        # New or changed phone accounts go live without a restart (roster/phones.py).
        await phones.sync(engine.roster())
        await live.beat("roster", {"at": time.time()})

    engine = RosterEngine(RosterStore(roster_path(settings.data_dir)), queues, PauseDesk(redis),
                          surge_after_s=settings.emergency_surge_after, on_pass=after_pass,
                          wrapup_s=settings.wrapup_seconds, day_clock=day_now)
    queues.on_login, queues.on_event, queues.on_lost = (
        engine.logged_in, engine.event, engine.link_lost)
    queues.start()
    reload.start()
    passes = asyncio.create_task(engine.run())
    try:
        await until_stopped()
    finally:
        passes.cancel()
        reload.stop()
        queues.stop()
        await live.flatline("roster")
        await redis.aclose()


SERVICES: dict[str, Callable[[Settings], Coroutine[Any, Any, None]]] = {
    "agi": run_agi, "ami": run_ami, "web": run_web, "roster": run_roster}
