"""The fault suite's tools: a steady SIPp load placed from a thread, an AMI link that can be
cut (a TCP proxy between our services and Asterisk's AMI), and the counts the suite asserts
on, taken from Asterisk's own queue_log and from the database (SQLite or PostgreSQL).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from hotline import Hotline
from sipp import Step
from sqlalchemy import create_engine, text

# -- the load --------------------------------------------------------------------------------


class Load:
    """``callers`` (number -> 112 or 12345) called one a second from a thread, in order.

    ``steps(number)`` are the keys each caller presses; ``placed`` and ``calls`` grow as the
    calls go out; ``hold()`` stops placing until ``resume()`` (none is skipped).
    """

    def __init__(self, stack: Hotline, callers: dict[str, str],
                 steps: Callable[[str], list[Step]], hold_ms: int, workdir: Path) -> None:
        self.stack, self.callers, self.steps = stack, callers, steps
        self.hold_ms, self.workdir = hold_ms, workdir
        self.calls: dict[str, subprocess.Popen[bytes]] = {}
        self.placed_at: dict[str, float] = {}
        self._thread = threading.Thread(target=self._place, daemon=True)

    def start(self) -> Load:
        self._thread.start()
        return self

    def _place(self) -> None:
        for caller, number in self.callers.items():
            started = time.monotonic()
            self.placed_at[caller] = started
            self.calls[caller] = self.stack.call(number, caller, self.steps(number),
                                                 self.hold_ms, self.workdir)
            time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))

    def wait_placed(self, count: int) -> None:
        while len(self.calls) < count and self._thread.is_alive():
            time.sleep(0.05)

    def in_progress(self) -> set[str]:
        """Callers whose SIPp call is still under way."""
        return {c for c, call in list(self.calls.items()) if call.poll() is None}

    def placed_between(self, since: float, until: float) -> set[str]:
        return {c for c, at in list(self.placed_at.items()) if since <= at <= until}

    def finish(self, timeout_s: float = 150) -> dict[str, int]:
        """Each caller's SIPp exit code (0: the call went as scripted; -9: killed, hung)."""
        self._thread.join()
        deadline = time.monotonic() + timeout_s
        codes = {}
        for caller, call in self.calls.items():
            try:
                codes[caller] = call.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                call.kill()
                codes[caller] = call.wait()
        return codes


# -- the AMI link ----------------------------------------------------------------------------


class AmiLinkCutter:
    """A TCP proxy on a free loopback port in front of Asterisk's AMI port.

    ``cut()`` closes every link through it and refuses new ones (as a pulled cable whose far
    end resets) until ``restore()``; our services connect through it (``IVR_AMI_CONNECT_PORT``).
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self._listener: socket.socket | None = None
        self._links: set[socket.socket] = set()
        self._lock = threading.Lock()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            links, self._links = self._links, set()
        for sock in [listener, *links]:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            except OSError:  # Asterisk away: the client sees its link closed
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    server.close()
                    return
                self._links |= {client, server}
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                target.sendall(chunk)
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


# -- what the system recorded ------------------------------------------------------------------


def entered(stack: Hotline) -> dict[str, str]:
    """Caller number -> the queue they first entered, from Asterisk's queue_log."""
    log = stack.data_dir / "logs" / "asterisk" / "queue_log"
    found: dict[str, str] = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        parts = line.split("|")
        if len(parts) >= 7 and parts[4] == "ENTERQUEUE":
            found.setdefault(parts[6], parts[2])
    return found


def database_url(stack: Hotline) -> str:
    return stack.env.get("IVR_DATABASE_URL") or f"sqlite:///{stack.data_dir}/hotline.sqlite3"


def rows_by_caller(stack: Hotline, table: str, callers: list[str]) -> dict[str, int]:
    """Caller number -> rows of ``table`` (tickets, incidents, queue_calls) for ``callers``."""
    if not callers:
        return {}
    engine = create_engine(database_url(stack))
    names = {f"c{n}": c for n, c in enumerate(callers)}
    try:
        with engine.connect() as db:
            rows = db.execute(text(
                f"SELECT caller_number, COUNT(*) FROM {table} WHERE caller_number IN "
                f"({','.join(':' + n for n in names)}) GROUP BY caller_number"), names)
            return {str(number): int(count) for number, count in rows}
    finally:
        engine.dispose()


def spooled(stack: Hotline) -> int:
    """Records the services spooled so far, the database being away (their logs' warnings:
    "ticket 1234: database unavailable (OperationalError), spooled")."""
    logs = (stack.data_dir / "logs").glob("*.log")
    return sum("database unavailable" in line and "spooled" in line for log in logs
               for line in log.read_text(errors="replace").splitlines())


def flushed(stack: Hotline) -> int:
    """Spooled records the web service's flushes wrote to the database, so far."""
    log = stack.data_dir / "logs" / "web.log"
    total = 0
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        if "spooled records written to the database" in line:
            total += int(line.split("tickets: ", 1)[1].split()[0])
    return total


# -- the board -------------------------------------------------------------------------------


def board_callers(stack: Hotline) -> set[str] | None:
    status, body = stack.get("/api/v1/wallboard")
    if status != 200:
        return None
    return {c["caller_number"] for q in body["queues"] for c in q["callers"]}


def board_in_step(stack: Hotline) -> bool:
    """Whether the wallboard shows the callers waiting in Asterisk (asked before and after
    the board, so a caller who came or went in between is allowed either way)."""
    try:
        before = set(stack.asterisk_waiting())
        board = board_callers(stack)
        after = set(stack.asterisk_waiting())
    except OSError:
        return False
    return board is not None and before & after <= board <= before | after


def seconds_until(check: Callable[[], bool], since: float, timeout_s: float) -> float | None:
    """Seconds from ``since`` (monotonic) until ``check()`` holds; None if not within."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return round(time.monotonic() - since, 1)
        time.sleep(0.2)
    return None
