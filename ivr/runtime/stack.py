"""The whole local hotline as supervised services, in start order, with readiness probes."""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from redis.asyncio import Redis

from ..aio import within
from ..config import Settings
from ..state import LiveState
from .asterisk import asterisk_command
from .render import render_asterisk_config
from .supervisor import Service


class PortInUse(RuntimeError):
    pass


async def tcp_open(host: str, port: int) -> bool:
    try:
        _, writer = await within(asyncio.open_connection(host, port), 1.0)
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


def ports_in_use(settings: Settings, private_redis: bool) -> list[str]:
    """The ports we need that something else holds already, with what each is for."""
    wanted = [("AMI", settings.ami_host, settings.ami_port, socket.SOCK_STREAM),
              ("FastAGI", settings.agi_host, settings.agi_port, socket.SOCK_STREAM),
              ("web", settings.web_host, settings.web_port, socket.SOCK_STREAM),
              ("SIP", settings.sip_host, settings.sip_port, socket.SOCK_DGRAM)]
    if private_redis:
        wanted.append(("redis", "127.0.0.1", settings.redis_port, socket.SOCK_STREAM))
    busy = []
    for what, host, port, kind in wanted:
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                busy.append(f"{what} {host}:{port}")
    return busy


def python_service(name: str, settings: Settings) -> list[str]:
    """The command that runs one of our services: ``ivr serve NAME``."""
    return [sys.executable, "-m", "ivr", "serve", name]


def heartbeat_seen(settings: Settings, service: str) -> Callable[[], Awaitable[bool]]:
    """A readiness probe: whether ``service`` has a heartbeat in redis (it is up and linked)."""
    async def probe() -> bool:
        redis = Redis.from_url(settings.effective_redis_url, socket_timeout=1)
        try:
            return await LiveState(redis).heartbeat(service) is not None
        finally:
            await redis.aclose()
    return probe


def local_address(host: str) -> str:
    """Where to reach a server of this host that listens on ``host`` (0.0.0.0 is loopback)."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


async def healthz_ok(settings: Settings) -> bool:
    """Whether the web service's ``/healthz`` answers 200 (every component up)."""
    host = local_address(settings.web_host)
    try:
        reader, writer = await within(asyncio.open_connection(host, settings.web_port), 2.0)
    except (OSError, TimeoutError):
        return False
    try:
        writer.write(f"GET /healthz HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        status_line = await within(reader.readline(), 3.0)
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()
    return status_line.split()[1:2] == [b"200"]


def health_probes(settings: Settings) -> dict[str, Callable[[], Awaitable[bool]]]:
    """``ivr health NAME``: the readiness probes of ``ivr run``, for one service each.

    Container health checks and systemd use them; ``web`` is ``/healthz`` (the whole hotline).
    """
    return {
        "fastagi": lambda: tcp_open(local_address(settings.agi_host), settings.agi_port),
        "ami": heartbeat_seen(settings, "ami"),
        "roster": heartbeat_seen(settings, "roster"),
        "web": lambda: healthz_ok(settings),
    }


def build_services(settings: Settings, root: Path) -> list[Service]:
    settings = settings.with_ami_secret()
    asterisk_conf = render_asterisk_config(settings)
    services: list[Service] = []
    if not settings.redis_url:
        redis_dir = settings.data_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        redis_server = shutil.which("redis-server") or "/usr/bin/redis-server"
        services.append(Service(
            "redis", [redis_server, "--port", str(settings.redis_port), "--bind", "127.0.0.1",
                      "--dir", str(redis_dir), "--save", "", "--appendonly", "no"],
            ready=lambda: tcp_open("127.0.0.1", settings.redis_port)))
    services.append(Service(
        "asterisk", asterisk_command(root, asterisk_conf, settings.data_dir),
        ready=lambda: tcp_open(settings.ami_host, settings.ami_port), ready_timeout_s=60))
    services.append(Service(
        "fastagi", python_service("agi", settings),
        ready=lambda: tcp_open(settings.agi_host, settings.agi_port)))

    services.append(Service("ami", python_service("ami", settings),
                            ready=heartbeat_seen(settings, "ami")))
    services.append(Service("roster", python_service("roster", settings),
                            ready=heartbeat_seen(settings, "roster")))
    services.append(Service(
        "web", python_service("web", settings),
        ready=lambda: tcp_open(settings.web_host, settings.web_port)))
    return services


def banner(settings: Settings) -> str:
    s = settings
    return "\n".join([
        "",
        "City hotline is up:",
        f"  SIP (UDP)  {s.sip_host}:{s.sip_port}   dial {s.emergency_number} or "
        f"{s.hotline_number}; calls from {s.trunk_match} are the PSTN trunk",
        f"  FastAGI    {s.agi_host}:{s.agi_port}",
        f"  AMI        {s.ami_host}:{s.ami_port}   user {s.ami_user}, secret in "
        f"{s.data_dir / 'secrets' / 'ami_secret'}",
        f"  Web        http://{s.web_host}:{s.web_port}/   (log in; the first admin's password "
        f"is in {s.data_dir / 'secrets' / 'initial_admin_password'} unless IVR_ADMIN_PASSWORD "
        "is set)",
        f"  Health     http://{s.web_host}:{s.web_port}/healthz   "
        f"metrics: http://{s.web_host}:{s.web_port}/metrics",
        f"  Redis      {s.effective_redis_url}",
        f"  Database   {s.effective_database_url}",
        f"  Data       {s.data_dir}   (logs in {s.logs_dir})",
        "Ctrl-C stops everything.",
    ])
