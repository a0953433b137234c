"""The durable local spool: tickets, 112 incidents, call records and satisfaction ratings made
while the database was away.

An append-only JSON-lines file, ``<data>/tickets/spool.jsonl``: one line per record, written
under an exclusive ``flock`` (on ``spool.lock``) and fsync'd before the caller hears the
number. A line torn by a crash is closed with a newline before the next record is appended,
so it never takes the next ticket with it.

A flush never holds that lock while it talks to the database: ``take`` copies the waiting
lines out, the desk writes them (each with its own time-out), and ``settle`` removes only the
lines that landed or were refused, keeping whatever was appended meanwhile. Refused and
unreadable lines go to ``spool.rejected.jsonl`` with the reason and the time, for a person
to look at. ``drain.lock`` keeps two flushes (two processes) from running at once. The
writer must be idempotent (tickets by number, incidents by call id, call records by call,
queue and join, ratings by ticket, virtual hold steps by hold, step and try, operators'
activities by operator, kind, call and start, wrap-up codes by call): a crash between the
database commit and ``settle`` only means the line is offered again, and written zero more
times. Every file here is 0600, and the folder is fsync'd after each create or rename.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..console.records import CallCode
from ..reports.records import CallRecord, OperatorActivity, VirtualHoldStep
from .filelock import exclusive, fsync_dir, open_private, release, replace_durably, try_exclusive
from .records import IncidentReport, NewTicket, Rating

log = logging.getLogger(__name__)

SpoolRecord = (NewTicket | IncidentReport | CallRecord | Rating | VirtualHoldStep
               | OperatorActivity | CallCode)
TAGS: dict[type, str] = {NewTicket: "ticket", IncidentReport: "incident", CallRecord: "call",
                         Rating: "rating", VirtualHoldStep: "vhold", OperatorActivity: "operator",
                         CallCode: "code"}
REASON_MAX = 1000


def encode(record: SpoolRecord) -> str:
    """One JSON line for a record (``record`` says which)."""
    tag = TAGS[type(record)]
    body = {k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in asdict(record).items()}
    return json.dumps({"record": tag, **body}, ensure_ascii=False, sort_keys=True)


def decode(line: str) -> SpoolRecord:
    """The record of a JSON line; ValueError if it is not one of ours."""
    data: dict[str, Any] = json.loads(line)
    # Lines spooled before tickets had a kind were tagged under "kind" instead of "record".
    kind = data.pop("record") if "record" in data else data.pop("kind", None)
    if kind == "ticket":
        data["received_at"] = datetime.fromisoformat(data["received_at"])
        return NewTicket(**data)
    if kind == "incident":
        for moment in ("started_at", "answered_at", "ended_at"):
            if data.get(moment) is not None:
                data[moment] = datetime.fromisoformat(data[moment])
        return IncidentReport(**data)
    if kind == "call":
        data["joined_at"] = datetime.fromisoformat(data["joined_at"])
        return CallRecord(**data)
    if kind == "vhold":
        data["at"] = datetime.fromisoformat(data["at"])
        return VirtualHoldStep(**data)
    if kind == "operator":
        data["started_at"] = datetime.fromisoformat(data["started_at"])
        return OperatorActivity(**data)
    if kind == "code":
        data["at"] = datetime.fromisoformat(data["at"])
        return CallCode(**data)
    if kind == "rating":
        data["rated_at"] = datetime.fromisoformat(data["rated_at"])
        return Rating(**data)
    raise ValueError(f"unknown spool record kind {kind!r}")


@dataclass(frozen=True)
class Spooled:
    """A waiting record and the exact line it came from (what ``settle`` removes)."""

    line: bytes
    record: SpoolRecord


@dataclass(frozen=True)
class Rejected:
    line: bytes
    reason: str


def split_lines(data: bytes) -> list[bytes]:
    """The non-blank lines of the file; only ``\\n`` ends a line (JSON may hold U+2028)."""
    return [line for line in data.split(b"\n") if line.strip()]


def parse_lines(lines: Iterable[bytes]) -> tuple[list[Spooled], list[Rejected]]:
    """(readable records, unreadable lines with the reason) of the spool's lines."""
    good, bad = [], []
    for line in lines:
        try:
            good.append(Spooled(line, decode(line.decode("utf-8"))))
        except (ValueError, TypeError, KeyError) as exc:  # UnicodeDecodeError is a ValueError
            bad.append(Rejected(line, f"unreadable line: {exc}"))
    return good, bad


def remaining(lines: list[bytes], done: Iterable[bytes]) -> list[bytes]:
    """``lines`` without one occurrence of each line in ``done``, order kept."""
    left = Counter(done)
    kept = []
    for line in lines:
        if left[line] > 0:
            left[line] -= 1
        else:
            kept.append(line)
    return kept


def rejection_line(rejected: Rejected, at: datetime) -> bytes:
    body = {"at": at.isoformat(timespec="seconds"), "reason": rejected.reason[:REASON_MAX],
            "line": rejected.line.decode("utf-8", errors="backslashreplace")}
    return (json.dumps(body, ensure_ascii=False) + "\n").encode()


class Spool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "spool.jsonl"
        self.lock_path = folder / "spool.lock"
        self.drain_lock_path = folder / "drain.lock"
        self.rejected_path = folder / "spool.rejected.jsonl"

    def append(self, record: SpoolRecord) -> None:
        """Write one record durably (blocking I/O: call it off the event loop)."""
        line = (encode(record) + "\n").encode()
        with exclusive(self.lock_path):
            _append_line(self.path, line)

    def records(self) -> list[SpoolRecord]:
        """What is waiting, oldest first (unreadable lines are skipped)."""
        return [s.record for s in self.take()[0]]

    def take(self) -> tuple[list[Spooled], list[Rejected]]:
        """A copy of what is waiting, and the unreadable lines; the file is left as it is."""
        with exclusive(self.lock_path):
            return parse_lines(split_lines(self._read()))

    def settle(self, landed: Iterable[bytes], rejected: Iterable[Rejected]) -> None:
        """Drop the lines written to the database, move the refused ones aside."""
        landed, rejected = list(landed), list(rejected)
        if not landed and not rejected:
            return
        with exclusive(self.lock_path):
            if rejected:
                now = datetime.now(UTC)
                _append_line(self.rejected_path,
                             b"".join(rejection_line(r, now) for r in rejected))
                log.error("ticket spool: %d records set aside in %s", len(rejected),
                          self.rejected_path)
            kept = remaining(split_lines(self._read()), landed + [r.line for r in rejected])
            replace_durably(self.path, b"".join(line + b"\n" for line in kept))

    def try_drain_lock(self) -> int | None:
        """The drain lock's fd, or None while another flush (another process) runs."""
        return try_exclusive(self.drain_lock_path)

    def release_drain_lock(self, fd: int) -> None:
        release(fd)

    def _read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return b""


def _append_line(path: Path, data: bytes) -> None:
    """Append ``data`` and fsync; first close a line a crash left without its newline."""
    fd, created = open_private(path, os.O_RDWR | os.O_APPEND)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)
