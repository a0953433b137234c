"""Ticket numbers without the database: a counter file shared by every process of the host.

The counter lives in ``<data>/tickets/number_counter``; a process takes the next value under an
exclusive ``flock`` on a lock file beside it, writes it back and fsyncs (file and folder) before
the number is used, so no two processes and no restart ever hand out the same counter. When the
database is reachable the counter is moved past the highest number it holds (``advance_to``),
which also covers a lost data folder. Hosts sharing one database each get their own ``prefix``
digits.
"""

from __future__ import annotations

from pathlib import Path

from .filelock import exclusive, replace_durably
from .numbers import FIRST_COUNTER, ticket_number


class NumberAllocator:
    def __init__(self, folder: Path, prefix: str = "") -> None:
        if prefix and not prefix.isdigit():
            raise ValueError(f"ticket number prefix must be digits, not {prefix!r}")
        self.folder = folder
        self.prefix = prefix
        self.counter_path = folder / "number_counter"
        self.lock_path = folder / "number_counter.lock"

    def next_number(self) -> str:
        """A new, never used ticket number (blocking file I/O: call it off the event loop)."""
        with exclusive(self.lock_path):
            counter = max(self._read() + 1, FIRST_COUNTER)
            self._write(counter)
        return ticket_number(counter, self.prefix)

    def advance_to(self, counter: int) -> None:
        """Make sure the next number comes after ``counter``."""
        with exclusive(self.lock_path):
            if self._read() < counter:
                self._write(counter)

    def _read(self) -> int:
        try:
            text = self.counter_path.read_text().strip()
        except FileNotFoundError:
            return FIRST_COUNTER - 1
        return int(text) if text else FIRST_COUNTER - 1

    def _write(self, counter: int) -> None:
        replace_durably(self.counter_path, f"{counter}\n".encode())
