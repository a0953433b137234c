"""The roster model: shifts, operators, skills and who works when (pure code, no I/O).

A shift is a time of day range in the roster's time zone; one that ends at or before its start
runs overnight (23:30–07:30 belongs to the date it starts on). An assignment puts one operator
on one shift of one date with the skills they bring that day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..queues import EMERGENCY_SERVICES

LANGUAGES = ("id", "en")
DEFAULT_TIMEZONE = "Asia/Jakarta"


class RosterError(ValueError):
    """A roster, shift or skill that cannot be used; the message says why."""


@dataclass(frozen=True)
class Skills:
    """What an operator can take: emergency services, languages, ticket categories.

    Written as one token list, e.g. ``police fire lang:id lang:en cat:roads``.
    """

    services: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str) -> Skills:
        services, languages, categories = set(), set(), set()
        for token in text.replace(",", " ").replace(";", " ").split():
            kind, sep, value = token.partition(":")
            if not sep and kind in EMERGENCY_SERVICES:
                services.add(kind)
            elif kind == "lang" and value in LANGUAGES:
                languages.add(value)
            elif kind == "cat" and value:
                categories.add(value)
            else:
                raise RosterError(
                    f"unknown skill {token!r} (use {', '.join(EMERGENCY_SERVICES)}, "
                    f"lang:{'/lang:'.join(LANGUAGES)} or cat:NAME)")
        return cls(frozenset(services), frozenset(languages), frozenset(categories))

    def __str__(self) -> str:
        return " ".join([*sorted(self.services), *(f"lang:{x}" for x in sorted(self.languages)),
                         *(f"cat:{x}" for x in sorted(self.categories))])

    @property
    def empty(self) -> bool:
        return not (self.services or self.languages or self.categories)


@dataclass(frozen=True)
class Shift:
    name: str
    start: time
    end: time

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def interval(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """When this shift runs if it is worked on ``day`` (aware datetimes)."""
        begins = datetime.combine(day, self.start, tz)
        ends = datetime.combine(day + timedelta(days=1) if self.overnight else day, self.end, tz)
        return begins, ends

    def __str__(self) -> str:
        return f"{self.name} {_hhmm(self.start)}-{_hhmm(self.end)}"


def _hhmm(moment: time) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def parse_time(text: str) -> time:
    try:
        return time.fromisoformat(text.strip())
    except ValueError as exc:
        raise RosterError(f"not a time of day: {text!r} (use HH:MM)") from exc


DEFAULT_SHIFTS = (
    Shift("morning", time(7, 30), time(16, 0)),
    Shift("afternoon", time(16, 0), time(23, 30)),
    Shift("night", time(23, 30), time(7, 30)),
)


USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


def check_username(username: str) -> str:
    """A username safe as a PJSIP section name and SIP user part."""
    if not USERNAME.fullmatch(username):
        raise RosterError(f"bad operator username {username!r} (letters, digits, _ . -)")
    return username


@dataclass(frozen=True)
class Operator:
    """An operator's phone account (a PJSIP endpoint named ``username``) and usual skills."""

    username: str
    password: str
    name: str = ""
    skills: Skills = Skills()
    # A fixed SIP URI instead of registration (tests, desk phones): sip:user@host:port.
    contact: str = ""

    @property
    def interface(self) -> str:
        return f"PJSIP/{self.username}"


@dataclass(frozen=True)
class Assignment:
    day: date
    operator: str
    shift: str
    skills: Skills


@dataclass(frozen=True)
class Roster:
    shifts: Mapping[str, Shift] = field(
        default_factory=lambda: {s.name: s for s in DEFAULT_SHIFTS})
    operators: Mapping[str, Operator] = field(default_factory=dict)
    assignments: tuple[Assignment, ...] = ()
    timezone: str = DEFAULT_TIMEZONE

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def interval(self, assignment: Assignment) -> tuple[datetime, datetime]:
        return self.shifts[assignment.shift].interval(assignment.day, self.tz)

    def on(self, day: date) -> list[Assignment]:
        return [a for a in self.assignments if a.day == day]


@dataclass(frozen=True)
class RosterWarning:
    """Something an admin should look at; the roster is still usable."""

    kind: str  # overlap | no-emergency-skill | no-skill
    message: str


def validate(roster: Roster) -> list[RosterWarning]:
    """Overlapping shifts of one operator, shifts nobody covers for a service, skill-less work."""
    return [*_overlaps(roster), *_uncovered(roster), *_skill_less(roster)]


def _overlaps(roster: Roster) -> Iterable[RosterWarning]:
    by_operator: dict[str, list[Assignment]] = {}
    for assignment in roster.assignments:
        by_operator.setdefault(assignment.operator, []).append(assignment)
    for username, work in sorted(by_operator.items()):
        work.sort(key=lambda a: roster.interval(a)[0])
        for earlier, later in zip(work, work[1:], strict=False):
            if roster.interval(later)[0] < roster.interval(earlier)[1]:
                yield RosterWarning("overlap", f"{username} works overlapping shifts: "
                                    f"{earlier.shift} {earlier.day} and {later.shift} {later.day}")


def _uncovered(roster: Roster) -> Iterable[RosterWarning]:
    for day in sorted({a.day for a in roster.assignments}):
        for shift in roster.shifts:
            working = [a for a in roster.on(day) if a.shift == shift]
            covered = set().union(*(a.skills.services for a in working))
            missing = [s for s in EMERGENCY_SERVICES if s not in covered]
            if missing:
                yield RosterWarning("no-emergency-skill",
                                    f"{day} {shift}: nobody on {', '.join(missing)}")


def _skill_less(roster: Roster) -> Iterable[RosterWarning]:
    for a in roster.assignments:
        if a.skills.empty:
            yield RosterWarning("no-skill", f"{a.operator} on {a.day} {a.shift} has no skill")


def on_shift(roster: Roster, now: datetime) -> dict[str, Skills]:
    """The operators working at ``now`` (aware) with their skills; overnight shifts included."""
    local = now.astimezone(roster.tz)
    working: dict[str, Skills] = {}
    for day in (local.date() - timedelta(days=1), local.date()):
        for a in roster.on(day):
            if a.shift not in roster.shifts or a.operator not in roster.operators:
                continue
            begins, ends = roster.interval(a)
            if begins <= local < ends:
                previous = working.get(a.operator, Skills())
                working[a.operator] = Skills(previous.services | a.skills.services,
                                             previous.languages | a.skills.languages,
                                             previous.categories | a.skills.categories)
    return working


def next_boundary(roster: Roster, now: datetime) -> datetime:
    """The next moment after ``now`` at which some shift begins or ends."""
    local = now.astimezone(roster.tz)
    moments = [
        edge
        for offset in (-1, 0, 1, 2)
        for shift in roster.shifts.values()
        for edge in shift.interval(local.date() + timedelta(days=offset), roster.tz)
        if edge > local
    ]
    return min(moments) if moments else local + timedelta(days=1)
