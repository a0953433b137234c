"""The roster on disk: one JSON document, ``<data_dir>/roster/roster.json``.

Written whole to a temporary file, flushed and renamed over the old one, so a reader (the
roster engine polls it) sees the old roster or the new one, never half of one. It holds the
operators' SIP passwords, so it is kept 0600.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from .model import (
    DEFAULT_SHIFTS,
    DEFAULT_TIMEZONE,
    Assignment,
    Operator,
    Roster,
    RosterError,
    Shift,
    Skills,
    check_username,
    parse_time,
)

FORMAT_VERSION = 1


def roster_path(data_dir: Path) -> Path:
    return data_dir / "roster" / "roster.json"


def to_json(roster: Roster) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "timezone": roster.timezone,
        "shifts": [{"name": s.name, "start": s.start.isoformat("minutes" if not s.start.second
                                                                else "seconds"),
                    "end": s.end.isoformat("minutes" if not s.end.second else "seconds")}
                   for s in roster.shifts.values()],
        "operators": [{"username": o.username, "password": o.password, "name": o.name,
                       "skills": str(o.skills), "contact": o.contact}
                      for o in roster.operators.values()],
        "assignments": [{"date": a.day.isoformat(), "operator": a.operator, "shift": a.shift,
                         "skills": str(a.skills)} for a in roster.assignments],
    }


def from_json(body: dict[str, Any]) -> Roster:
    try:
        shifts = [Shift(s["name"], parse_time(s["start"]), parse_time(s["end"]))
                  for s in body.get("shifts", [])] or list(DEFAULT_SHIFTS)
        operators = [Operator(check_username(o["username"]), o["password"], o.get("name", ""),
                              Skills.parse(o.get("skills", "")), o.get("contact", ""))
                     for o in body.get("operators", [])]
        assignments = tuple(Assignment(date.fromisoformat(a["date"]), a["operator"], a["shift"],
                                       Skills.parse(a.get("skills", "")))
                            for a in body.get("assignments", []))
        return Roster({s.name: s for s in shifts}, {o.username: o for o in operators},
                      assignments, body.get("timezone", DEFAULT_TIMEZONE))
    except (KeyError, TypeError, ValueError) as exc:
        raise RosterError(f"roster file is not valid: {exc!r}") from exc


class RosterStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Roster:
        """The stored roster; an empty one (default shifts) when there is none yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Roster()
        try:
            return from_json(json.loads(text))
        except json.JSONDecodeError as exc:
            raise RosterError(f"{self.path}: {exc}") from exc

    def save(self, roster: Roster) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(to_json(roster), out, indent=2, ensure_ascii=False)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)

    def stamp(self) -> tuple[int, int]:
        """Changes whenever the file is replaced ((0, 0) when there is none)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return (0, 0)
        return (stat.st_ino, stat.st_mtime_ns)
