"""The durable local spool: tickets and 112 incidents made while the database was away.

An append-only JSON-lines file, ``<data>/tickets/spool.jsonl``: one line per record, written
under an exclusive ``flock`` (on ``spool.lock``) and fsync'd before the caller hears the
number. ``drain`` hands every line to a writer; lines written are dropped and the rest kept by
replacing the file atomically, still under the lock. The writer must be idempotent (tickets by
number, incidents by call id): a crash between the database commit and the file replacement
only means the line is offered again, and written zero more times.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from .records import IncidentReport, NewTicket

log = logging.getLogger(__name__)

SpoolRecord = NewTicket | IncidentReport


def encode(record: SpoolRecord) -> str:
    """One JSON line for a record (``kind`` says which)."""
    kind = "ticket" if isinstance(record, NewTicket) else "incident"
    body = {k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in asdict(record).items()}
    return json.dumps({"kind": kind, **body}, ensure_ascii=False, sort_keys=True)


def decode(line: str) -> SpoolRecord:
    """The record of a JSON line; ValueError if it is not one of ours."""
    data: dict[str, Any] = json.loads(line)
    kind = data.pop("kind", None)
    if kind == "ticket":
        data["received_at"] = datetime.fromisoformat(data["received_at"])
        return NewTicket(**data)
    if kind == "incident":
        data["started_at"] = datetime.fromisoformat(data["started_at"])
        return IncidentReport(**data)
    raise ValueError(f"unknown spool record kind {kind!r}")


class Spool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "spool.jsonl"
        self.lock_path = folder / "spool.lock"
        self.rejected_path = folder / "spool.rejected.jsonl"

    def append(self, record: SpoolRecord) -> None:
        """Write one record durably (blocking I/O: call it off the event loop)."""
        line = (encode(record) + "\n").encode()
        with self._locked():
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)

    def records(self) -> list[SpoolRecord]:
        """What is waiting, oldest first (unreadable lines are skipped)."""
        with self._locked():
            return [rec for _, rec in self._read()[0]]

    def drain(self, write: Callable[[SpoolRecord], None]) -> int:
        """Offer each waiting record to ``write``; keep those from the first failure on.

        Returns how many were written. ``write`` raising stops the drain (the database went
        away again); the exception propagates after the file is brought up to date.
        """
        written = 0
        with self._locked():
            pending, unreadable = self._read()
            self._set_aside(unreadable)
            try:
                for _line, record in pending:
                    write(record)
                    written += 1
            finally:
                self._keep([line for line, _ in pending[written:]])
        return written

    def _read(self) -> tuple[list[tuple[str, SpoolRecord]], list[str]]:
        """(readable lines with their records, unreadable lines)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return [], []
        good, bad = [], []
        for line in lines:
            if not line.strip():
                continue
            try:
                good.append((line, decode(line)))
            except (ValueError, TypeError, KeyError) as exc:
                log.error("ticket spool: unreadable line set aside (%s)", exc)
                bad.append(line)
        return good, bad

    def _set_aside(self, lines: list[str]) -> None:
        """Unreadable lines go to spool.rejected.jsonl for a person to look at."""
        if not lines:
            return
        with open(self.rejected_path, "a", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines))
            out.flush()
            os.fsync(out.fileno())

    def _keep(self, lines: list[str]) -> None:
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
