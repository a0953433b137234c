"""A whole hotline (`ivr run`) started for tests on free ports in a private data folder.

It is the same command a newcomer runs; the tests talk to it as callers (SIPp), as a
supervisor (HTTP API) and as an admin (`ivr ctl`).
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from ports import free_port, free_tcp_and_udp_port, media_port, rtp_block
from sipp import Step, start_call

from ivr.tickets.numbers import COUNTER_DIGITS


class Hotline:
    # Started and not yet stopped: tests/conftest.py stops these at the end of the session,
    # so a fixture that fails after start() (before its own stop()) leaves nothing running.
    running: ClassVar[set[Hotline]] = set()

    def __init__(self, data_dir: Path, **overrides: str) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        block = rtp_block()
        self.ports = {
            "sip": free_tcp_and_udp_port(), "ami": free_port(), "agi": free_port(),
            "web": free_port(), "redis": free_port(),
        }
        self.env = {
            **os.environ,
            "IVR_DATA_DIR": str(data_dir),
            "IVR_SIP_PORT": str(self.ports["sip"]),
            "IVR_AMI_PORT": str(self.ports["ami"]),
            "IVR_AGI_PORT": str(self.ports["agi"]),
            "IVR_WEB_PORT": str(self.ports["web"]),
            "IVR_REDIS_PORT": str(self.ports["redis"]),
            "IVR_RTP_PORT_START": str(block),
            "IVR_RTP_PORT_END": str(block + 99),
            # The web API needs a login: tests read it as the first admin (HTTP Basic).
            "IVR_ADMIN_USER": "admin",
            "IVR_ADMIN_PASSWORD": "hotline-tests-admin",
            # No wrap-up pause after each call unless a test asks (test_operator_day.py):
            # the other tests' operators take call after call.
            "IVR_WRAPUP_SECONDS": "0",
            **overrides,
        }
        self.process: subprocess.Popen[bytes] | None = None
        # Words before `python -m ivr run` (a cluster node runs under `ip netns exec NAME`).
        self.launcher: list[str] = []
        self.output = data_dir / "ivr-run.out"

    # -- life cycle -------------------------------------------------------------------------

    def start(self, timeout_s: float = 180.0) -> None:
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen([*self.launcher, sys.executable, "-m", "ivr", "run"],
                                            env=self.env,
                                            stdout=out, stderr=subprocess.STDOUT)
        Hotline.running.add(self)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                Hotline.running.discard(self)
                raise RuntimeError(f"`ivr run` exited:\n{self.output.read_text()}")
            status, _ = self.healthz()
            if status == 200:
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"hotline not healthy in {timeout_s} s:\n{self.output.read_text()}")

    def stop(self) -> int:
        """Ctrl-C, as a person would; returns the exit code."""
        assert self.process is not None
        Hotline.running.discard(self)
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=30)

    def our_processes(self) -> list[str]:
        """Processes still running that were started for this hotline (by its environment)."""
        marker = f"IVR_DATA_DIR={self.data_dir}".encode()
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                if marker in (proc / "environ").read_bytes().split(b"\0"):
                    found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except OSError:
                continue
        return found

    def mounts(self) -> list[str]:
        text = Path("/proc/mounts").read_text()
        return [line for line in text.splitlines() if str(self.data_dir) in line]

    # -- what a supervisor or admin sees ------------------------------------------------------

    def get(self, path: str) -> tuple[int, Any]:
        return self.request("GET", path)

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        return self.request("POST", path, body)

    def delete(self, path: str) -> tuple[int, Any]:
        return self.request("DELETE", path)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """An API call as the first admin (HTTP Basic); (0, None) when nothing answers."""
        url = f"http://{self.env.get('IVR_WEB_HOST', '127.0.0.1')}:{self.ports['web']}{path}"
        login = f"{self.env['IVR_ADMIN_USER']}:{self.env['IVR_ADMIN_PASSWORD']}"
        headers = {"Authorization": "Basic " + base64.b64encode(login.encode()).decode()}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return 0, None

    def healthz(self) -> tuple[int, Any]:
        return self.get("/healthz")

    def waiting(self) -> dict[str, list[dict[str, Any]]]:
        status, body = self.get("/api/v1/queues")
        assert status == 200, body
        return {q["name"]: q["waiting"] for q in body["queues"]}

    def wait_for_caller(self, caller: str, timeout_s: float, queue: str | None = None
                        ) -> tuple[str, dict[str, Any]]:
        """The queue (and entry) where ``caller`` shows up waiting, within ``timeout_s``;
        with ``queue``, once they wait in that one (a 112 caller waits in `emergency` first
        and moves with a key)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for name, callers in self.waiting().items():
                for entry in callers:
                    if entry["caller_number"] == caller and queue in (None, name):
                        return name, entry
            time.sleep(0.1)
        raise AssertionError(f"caller {caller} not waiting in {queue or 'any queue'} after "
                             f"{timeout_s} s: {self.waiting()}")

    def wait_for_health(self, status: int, timeout_s: float) -> Any:
        deadline = time.monotonic() + timeout_s
        code, body = self.healthz()
        while code != status and time.monotonic() < deadline:
            time.sleep(0.2)
            code, body = self.healthz()
        assert code == status, f"/healthz is {code}, expected {status}: {body}"
        return body

    def asterisk_waiting(self, queue: str | None = None) -> list[str]:
        """The callers' numbers waiting in ``queue`` (None: in any) as Asterisk itself says."""
        return [entry["CallerIDNum"] for entry in self.asterisk_queue_status(queue)
                if entry.get("Event") == "QueueEntry"]

    def asterisk_queue_status(self, queue: str | None = None) -> list[dict[str, str]]:
        """The events of an AMI QueueStatus of our own (``queue``, None: every queue), read
        with a plain socket: none of our services involved."""
        secret = (self.data_dir / "secrets" / "ami_secret").read_text().strip()
        ami = (self.env.get("IVR_AMI_HOST", "127.0.0.1"), self.ports["ami"])
        with socket.create_connection(ami, timeout=5) as link:
            link.sendall((f"Action: Login\r\nUsername: hotline\r\nSecret: {secret}\r\n\r\n"
                          "Action: QueueStatus\r\n"
                          + (f"Queue: {queue}\r\n" if queue else "") + "\r\n").encode())
            text = ""
            while "Event: QueueStatusComplete" not in text:
                chunk = link.recv(65536).decode(errors="replace")
                if not chunk:
                    break
                text += chunk
        blocks = [block.splitlines() for block in text.split("\r\n\r\n")]
        return [dict(line.split(": ", 1) for line in block if ": " in line)
                for block in blocks if any(line.startswith("Event: ") for line in block)]

    def ctl(self, *words: str) -> str:
        done = subprocess.run([sys.executable, "-m", "ivr", "ctl", *words], env=self.env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    # -- what a caller does -------------------------------------------------------------------

    def call(self, number: str, caller: str, steps: list[Step], hold_ms: int,
             workdir: Path, headers: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
        return start_call(workdir, self.ports["sip"], number, caller, steps, hold_ms,
                          local_port=free_tcp_and_udp_port(), media_port=media_port(),
                          headers=headers)


def service_log(stack: Hotline, name: str) -> str:
    """What one supervised service wrote (``<data_dir>/logs/<name>.log``)."""
    path = stack.data_dir / "logs" / f"{name}.log"
    return path.read_text(errors="replace") if path.exists() else ""


# -- operators and queue members (the roster tests) ---------------------------------------------

def queue_members(stack: Hotline) -> dict[str, dict[str, dict[str, Any]]]:
    """Queue → member name → member (state, paused, in_call, ...) as /api/v1/queues shows."""
    status, body = stack.get("/api/v1/queues")
    assert status == 200, body
    return {q["name"]: {m["name"]: m for m in q["members"]} for q in body["queues"]}


def wait_for_members(stack: Hotline, queue: str, names: set[str], timeout_s: float
                     ) -> dict[str, dict[str, Any]]:
    """Wait until ``queue`` holds exactly the members ``names``; returns them."""
    deadline = time.monotonic() + timeout_s
    while True:
        members = queue_members(stack).get(queue, {})
        if set(members) == names:
            return members
        if time.monotonic() > deadline:
            raise AssertionError(f"queue {queue} holds {sorted(members)}, expected "
                                 f"{sorted(names)} after {timeout_s} s")
        time.sleep(0.2)


def run_ivr(stack: Hotline, *words: str) -> str:
    """Run an ``ivr`` command against this hotline's data folder and redis (asserts success)."""
    done = subprocess.run([sys.executable, "-m", "ivr", *words], env=stack.env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def admin_ivr(stack: Hotline, *args: str) -> subprocess.CompletedProcess[str]:
    """Run an `ivr` command (as an admin would) against this hotline's data folder."""
    return subprocess.run([sys.executable, "-m", "ivr", *args], env=stack.env,
                          capture_output=True, text=True, timeout=60)


def number_read_back_ms(language: str = "id") -> int:
    """How long a 12345 caller hears the new ticket number, at most: "ticket created", the
    number, "once more", the number again, each digit as long as the longest digit prompt.
    A key pressed during the read-back is not heard: steps press the next one after this."""
    folder = Path(__file__).resolve().parents[1] / "recordings" / language
    digit = max(seconds_of(wav) for wav in (folder / "digits").glob("*.wav"))
    spoken = seconds_of(folder / "ticket-created.wav") + seconds_of(folder / "ticket-repeat.wav")
    return int((spoken + 2 * (COUNTER_DIGITS + 1) * digit + 1) * 1000)


def seconds_of(wav: Path) -> float:
    with wave.open(str(wav)) as audio:
        return audio.getnframes() / audio.getframerate()


def call_id_of(stack: Hotline, caller: str) -> str:
    """The Asterisk unique id of ``caller``'s most recent call, from the FastAGI log."""
    for line in reversed(service_log(stack, "fastagi").splitlines()):
        if f" from {caller}: flow " in line:
            return line.split("call ", 1)[1].split(" ", 1)[0]
    raise AssertionError(f"no call from {caller} in the FastAGI log")


def on_shift_now(data_dir: Path, username: str, skills: str, contact: str,
                 hours: float = 3) -> None:
    """A roster in ``data_dir`` with one operator on a shift that runs from an hour ago."""
    from datetime import UTC, datetime, timedelta

    from ivr.roster.model import Assignment, Operator, Roster, Shift, Skills
    from ivr.roster.store import RosterStore, roster_path

    parsed = Skills.parse(skills)
    operator = Operator(username, f"sip-secret-{username}", username.title(), parsed, contact)
    zone = Roster().tz
    now = datetime.now(UTC).astimezone(zone).replace(microsecond=0)
    begins, ends = now - timedelta(hours=1), now + timedelta(hours=hours)
    RosterStore(roster_path(data_dir)).save(Roster(
        shifts={"now": Shift("now", begins.time(), ends.time())},
        operators={username: operator},
        assignments=(Assignment(begins.date(), username, "now", parsed),),
        timezone=Roster().timezone))


def wait_until(check: Callable[[], Any], timeout_s: float, what: str,
               every_s: float = 0.1, why: Callable[[], str] | None = None) -> Any:
    """``check()``'s first true result within ``timeout_s``; else an error naming ``what``
    (and, with ``why``, what it returns then: the logs that explain the failure)."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}"
                                 + (f"\n{why()}" if why is not None else ""))
        time.sleep(every_s)
