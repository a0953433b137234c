"""Deadline arithmetic: tiers, working hours, holidays; pure.

Beijing 12345's tiers: 2 hours where life or property is at risk, 24 hours for water, power,
gas and heating, 7 days for general issues, 15 days for complex ones. An agency that works
round the clock counts clock time. An agency that works office hours counts working time
only: hours inside opening hours on working days, a "day" being one full working day (so one
working day from Monday 10:00 is Tuesday 10:00, and a ticket from Friday night starts counting
on Monday morning). The urgent tier always counts clock time: danger does not wait for Monday.
All arithmetic is done on the wall clock of the calendar's time zone; results are in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

MAX_DAYS_SEARCHED = 3660


class Tier(StrEnum):
    URGENT = "urgent"
    UTILITY = "utility"
    GENERAL = "general"
    COMPLEX = "complex"


@dataclass(frozen=True)
class TierSpan:
    amount: int
    unit: str  # "hours" or "days"
    clock_always: bool = False


TIER_SPANS: dict[Tier, TierSpan] = {
    Tier.URGENT: TierSpan(2, "hours", clock_always=True),
    Tier.UTILITY: TierSpan(24, "hours"),
    Tier.GENERAL: TierSpan(7, "days"),
    Tier.COMPLEX: TierSpan(15, "days"),
}


def deadline_text(span: TierSpan, office_hours: bool) -> str:
    """The deadline as an operator reads it out: "2 hours", "7 working days"."""
    unit = span.unit if span.amount != 1 else span.unit.rstrip("s")
    working = office_hours and not span.clock_always
    return f"{span.amount} {'working ' if working else ''}{unit}"


@dataclass(frozen=True)
class WorkingCalendar:
    """When office-hours agencies work: opening hours, weekdays, holidays, make-up days."""

    timezone: str = "Asia/Jakarta"
    opens: time = time(8, 0)
    closes: time = time(16, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday is 0
    holidays: frozenset[date] = field(default_factory=frozenset)
    # Weekend days worked to make up for a bridge holiday (common in China and Indonesia).
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def day_length(self) -> timedelta:
        day = date(2000, 1, 3)
        return datetime.combine(day, self.closes) - datetime.combine(day, self.opens)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() in self.workdays and day not in self.holidays


def _at(day: date, moment: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)


def parse_office_hours(text: str) -> tuple[time, time]:
    """``"08:00-16:00"`` -> (08:00, 16:00); opening must come before closing."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ValueError(f"office hours look like 08:00-16:00, not {text!r}") from None
    if start >= end:
        raise ValueError(f"office hours must open before they close: {text!r}")
    return start, end


def add_working_time(start: datetime, span: timedelta, calendar: WorkingCalendar) -> datetime:
    """``start`` plus ``span`` of working time (inside opening hours on working days), in UTC."""
    zone = calendar.zone
    moment = start.astimezone(zone)
    remaining = span
    for _ in range(MAX_DAYS_SEARCHED):
        day = moment.date()
        if calendar.is_working_day(day):
            begin = max(moment, _at(day, calendar.opens, zone))
            close = _at(day, calendar.closes, zone)
            if begin <= close and remaining <= close - begin:
                return (begin + remaining).astimezone(UTC)
            if begin < close:
                remaining -= close - begin
        moment = _at(day + timedelta(days=1), time(0), zone)
    raise ValueError("the working calendar has no working day in ten years")


def due_at(received: datetime, tier: Tier | TierSpan, office_hours: bool,
           calendar: WorkingCalendar) -> datetime:
    """When a ticket of ``tier`` received at ``received`` is due, in UTC.

    ``tier`` is the span itself (the stored ``deadline_tiers`` row an admin may edit) or a
    default tier's name (the spool's provisional answer, made without the database)."""
    span = tier if isinstance(tier, TierSpan) else TIER_SPANS[Tier(tier)]
    if not office_hours or span.clock_always:
        delta = timedelta(hours=span.amount) if span.unit == "hours" else timedelta(
            days=span.amount)
        return received.astimezone(UTC) + delta
    if span.unit == "hours":
        return add_working_time(received, timedelta(hours=span.amount), calendar)
    return add_working_time(received, calendar.day_length * span.amount, calendar)


def is_overdue(due: datetime, now: datetime) -> bool:
    return now > due


def is_due_soon(due: datetime, now: datetime, window: timedelta) -> bool:
    """Not yet overdue, but due within ``window`` from ``now``."""
    return now <= due <= now + window
