"""Registered callers as CSV (``number,name,address,district,notes``), in and out (pure).

Import refuses the whole file when any line is wrong, naming each line and the reason, as
the roster's CSV does (``ivr/roster/csvfile.py``); a number given on two lines is wrong too::

    number,name,address,district,notes
    081234567890,Siti Aminah,"Jl. Merdeka 12, RT 03/RW 05",Coblong,lives alone
    +6222123456,Budi Santoso,Jl. Dago 7,Coblong,hard of hearing

Line numbers are the file's lines (a quoted address over two lines counts two), so an
editor's line numbers find them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from .entry import FIELDS, CallerEntry, CallerError, InvalidCaller, caller_entry

COLUMNS = FIELDS


class BadCallersCsv(CallerError):
    """A CSV that was refused whole; ``problems`` holds (line number, reason)."""

    error_id = "bad-callers-csv"

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("no caller was imported; " + "; ".join(
            f"line {line}: {reason}" for line, reason in problems[:5]) + (
            f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""),
            problems=[{"line": line, "reason": reason} for line, reason in problems])
        self.problems = problems


def export_csv(entries: Iterable[CallerEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in sorted(entries, key=lambda e: e.number):
        writer.writerow([e.number, e.name, e.address, e.district, e.notes])
    return out.getvalue()


Row = tuple[int, list[str]]  # the line a row starts on, its cells


def _read(text: str) -> tuple[list[Row], tuple[int, str] | None]:
    """The rows, and where and why reading stopped early (a broken quote, a NUL byte)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Row] = []
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows, None
        except csv.Error as exc:
            return rows, (start, f"not readable as CSV ({exc})")
        rows.append((start, row))
        start = reader.line_num + 1


def parse_csv(text: str) -> list[CallerEntry]:
    """Every entry of ``text``, or ``BadCallersCsv`` with each bad line and why."""
    rows, unreadable = _read(text.removeprefix("\ufeff"))
    header = f"the first line must be the header {','.join(COLUMNS)}"
    if not rows:
        raise BadCallersCsv([unreadable or (1, header)])
    if tuple(c.strip().lower() for c in rows[0][1]) != COLUMNS:
        raise BadCallersCsv([(1, header)])
    entries: list[CallerEntry] = []
    problems: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        try:
            entry = _entry(row)
        except InvalidCaller as exc:
            problems.append((line, exc.message))
            continue
        if entry.number in first_line:
            problems.append((line, f"number {entry.number} is on line "
                                   f"{first_line[entry.number]} already"))
            continue
        first_line[entry.number] = line
        entries.append(entry)
    if unreadable is not None:
        problems.append(unreadable)
    if problems:
        raise BadCallersCsv(problems)
    return entries


def _entry(row: list[str]) -> CallerEntry:
    if len(row) != len(COLUMNS):
        raise InvalidCaller(f"expected {len(COLUMNS)} columns, found {len(row)}")
    return caller_entry(*row)
