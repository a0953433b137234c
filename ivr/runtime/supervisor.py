"""`ivr run`: start redis, Asterisk and our services, watch them, stop them all on Ctrl-C.

Each service is a child process in its own process group, with its output in
``<data_dir>/logs/<name>.log``. A service that dies is restarted with a growing pause (unless
``restart_services`` is off, or an operator stopped it with ``ivr ctl stop NAME``). Children
get SIGTERM if the supervisor itself dies, so nothing is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..aio import within

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[bool]]
STOP_GRACE_S = 5.0
MAX_BACKOFF_S = 30.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the supervisor goes away."""
    os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Service:
    name: str
    argv: list[str]
    ready: Probe
    ready_timeout_s: float = 30.0
    env: dict[str, str] = field(default_factory=dict)
    process: asyncio.subprocess.Process | None = None
    held: bool = False
    restarts: int = 0
    started_at: float = 0.0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None


class ServiceFailed(RuntimeError):
    pass


class Supervisor:
    def __init__(self, services: list[Service], logs_dir: Path, control_socket: Path,
                 restart: bool = True, say: Callable[[str], None] = print) -> None:
        self.services = {s.name: s for s in services}
        self.order = [s.name for s in services]
        self.logs_dir = logs_dir
        self.control_socket = control_socket
        self.restart = restart
        self.say = say
        self.stopping = False
        self.started = False
        self._watchers: list[asyncio.Task[None]] = []

    async def spawn(self, service: Service) -> None:
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        log_file = open(self.logs_dir / f"{service.name}.log", "ab")  # noqa: SIM115
        try:
            service.process = await asyncio.create_subprocess_exec(
                *service.argv, stdin=asyncio.subprocess.DEVNULL, stdout=log_file,
                stderr=asyncio.subprocess.STDOUT, env={**os.environ, **service.env},
                preexec_fn=_die_with_parent)
        finally:
            log_file.close()
        service.started_at = time.monotonic()
        self._watchers.append(asyncio.create_task(self._watch(service, service.process)))

    async def wait_ready(self, service: Service) -> None:
        deadline = time.monotonic() + service.ready_timeout_s
        while time.monotonic() < deadline:
            if not service.running:
                raise ServiceFailed(f"{service.name} exited during start-up "
                                    f"(see {self.logs_dir / (service.name + '.log')})")
            if await service.ready():
                return
            await asyncio.sleep(0.2)
        raise ServiceFailed(f"{service.name} not ready within {service.ready_timeout_s:.0f} s "
                            f"(see {self.logs_dir / (service.name + '.log')})")

    async def start_all(self) -> None:
        for name in self.order:
            service = self.services[name]
            began = time.monotonic()
            self.say(f"  starting {name} ...")
            await self.spawn(service)
            await self.wait_ready(service)
            self.say(f"  {name} up ({time.monotonic() - began:.1f} s)")

    async def _watch(self, service: Service, process: asyncio.subprocess.Process) -> None:
        code = await process.wait()
        if self.stopping or service.held or service.process is not process:
            return
        if not self.started:
            return  # start_all reports it and stops everything
        self.say(f"! {service.name} exited with code {code}")
        if not self.restart:
            return
        pause = min(MAX_BACKOFF_S, 2.0 ** min(service.restarts, 5))
        if time.monotonic() - service.started_at > 60:
            service.restarts, pause = 0, 1.0
        service.restarts += 1
        self.say(f"  restarting {service.name} in {pause:.0f} s")
        await asyncio.sleep(pause)
        if not (self.stopping or service.held):
            await self.spawn(service)

    async def stop_service(self, service: Service) -> None:
        process = service.process
        if process is None:
            return
        if process.returncode is not None:
            # It is gone, but what it started in its group may not be.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await within(process.wait(), STOP_GRACE_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        # Anything the service left in its group goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    async def stop_all(self) -> None:
        self.stopping = True
        for name in reversed(self.order):
            service = self.services[name]
            if service.running:
                self.say(f"  stopping {name}")
            await self.stop_service(service)
        for watcher in self._watchers:
            watcher.cancel()

    async def handle_control(self, reader: asyncio.StreamReader,
                             writer: asyncio.StreamWriter) -> None:
        """``stop NAME`` / ``start NAME`` / ``status``, one line in, one reply out."""
        words = (await reader.readline()).decode().split()
        reply = await self.control(words)
        writer.write(reply.encode() + b"\n")
        await writer.drain()
        writer.close()

    async def control(self, words: list[str]) -> str:
        if words == ["status"]:
            return "\n".join(f"{name} {describe(service)}"
                              for name, service in self.services.items())
        if len(words) != 2 or words[0] not in ("stop", "start") or words[1] not in self.services:
            return f"error: use status, stop NAME or start NAME; names: {', '.join(self.order)}"
        verb, service = words[0], self.services[words[1]]
        if verb == "stop":
            service.held = True
            await self.stop_service(service)
            self.say(f"  {service.name} stopped by ivr ctl")
            return f"ok: {service.name} stopped"
        service.held = False
        if not service.running:
            await self.spawn(service)
            try:
                await self.wait_ready(service)
            except ServiceFailed as exc:
                return f"error: {exc}"
            self.say(f"  {service.name} started by ivr ctl")
        return f"ok: {service.name} running"

    async def run(self, banner: Callable[[], str]) -> int:
        """Start everything, print the banner, supervise until SIGINT/SIGTERM."""
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        self.control_socket.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.control_socket.unlink()
        control = await asyncio.start_unix_server(self.handle_control, str(self.control_socket))
        code = 0
        try:
            starting = asyncio.create_task(self.start_all())
            stopped = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if starting in done:
                starting.result()
                self.started = True
                self.say(banner())
                await stopped
            else:
                starting.cancel()
            self.say("\nstopping the hotline ...")
        except ServiceFailed as exc:
            self.say(f"error: {exc}")
            code = 1
        finally:
            control.close()
            await self.stop_all()
            with contextlib.suppress(FileNotFoundError):
                self.control_socket.unlink()
        self.say("stopped: no process of ours is left running." if code == 0 else "stopped.")
        return code


def describe(service: Service) -> str:
    if service.running and service.process is not None:
        return f"running pid {service.process.pid}"
    return "held (ivr ctl stop)" if service.held else "stopped"


async def send_control(socket_path: Path, command: str) -> str:
    try:
        reader, writer = await asyncio.open_unix_connection(str(socket_path))
    except OSError as exc:
        return f"error: no running `ivr run` at {socket_path} ({exc.strerror})"
    writer.write(command.encode() + b"\n")
    await writer.drain()
    reply = await reader.read()
    writer.close()
    return reply.decode().strip()


def say_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
