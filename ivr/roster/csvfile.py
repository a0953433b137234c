"""Roster assignments as CSV (``operator,date,shift,skills``), in and out (pure code).

Import refuses the whole file when any line is wrong, naming each line and the reason::

    operator,date,shift,skills
    ani,2025-03-01,morning,police fire lang:id
    budi,2025-03-01,night,ambulance lang:en cat:roads
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

from .model import Assignment, Roster, RosterError, Skills

COLUMNS = ("operator", "date", "shift", "skills")


class CsvError(ValueError):
    """A roster CSV that was refused; ``problems`` holds (line number, reason)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"line {line}: {reason}" for line, reason in problems))


def export_csv(roster: Roster) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for a in sorted(roster.assignments, key=lambda a: (a.day, _shift_rank(roster, a), a.operator)):
        writer.writerow([a.operator, a.day.isoformat(), a.shift, str(a.skills)])
    return out.getvalue()


def _shift_rank(roster: Roster, a: Assignment) -> int:
    names = list(roster.shifts)
    return names.index(a.shift) if a.shift in names else len(names)


def parse_csv(roster: Roster, text: str) -> list[Assignment]:
    """The assignments in ``text``, checked against the roster's operators and shifts."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(c.strip().lower() for c in rows[0]) != COLUMNS:
        raise CsvError([(1, f"the first line must be the header {','.join(COLUMNS)}")])
    assignments, problems = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            assignments.append(_assignment(roster, row))
        except RosterError as exc:
            problems.append((number, str(exc)))
    if problems:
        raise CsvError(problems)
    return assignments


def _assignment(roster: Roster, row: list[str]) -> Assignment:
    if len(row) != len(COLUMNS):
        raise RosterError(f"expected {len(COLUMNS)} columns, found {len(row)}")
    username, day_text, shift, skills = (cell.strip() for cell in row)
    if username not in roster.operators:
        raise RosterError(f"unknown operator {username!r}")
    if shift not in roster.shifts:
        raise RosterError(f"unknown shift {shift!r} (shifts: {', '.join(roster.shifts)})")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise RosterError(f"not a date: {day_text!r} (use YYYY-MM-DD)") from None
    return Assignment(day, username, shift, Skills.parse(skills))


def import_csv(roster: Roster, text: str) -> Roster:
    """The roster with the CSV's dates replaced by the CSV's assignments (other dates kept)."""
    new = parse_csv(roster, text)
    dates = {a.day for a in new}
    kept = tuple(a for a in roster.assignments if a.day not in dates)
    return replace(roster, assignments=kept + tuple(new))
