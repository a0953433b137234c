"""Report periods in the city's time zone: days, and shifts that belong to their start date."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..roster.model import Shift

MAX_DAYS = 366
OFF_SHIFT = "off-shift"  # a moment no shift covers (a roster with gaps)


class BadPeriod(ValueError):
    """A report range that cannot be used; the message says why."""


@dataclass(frozen=True)
class Period:
    """The city days ``first`` .. ``last`` (inclusive) as a UTC range ``[start, end)``."""

    first: date
    last: date
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone).astimezone(UTC)

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def parse_period(first: str | None, last: str | None, timezone: str, now: datetime) -> Period:
    """``from``/``to`` query values (YYYY-MM-DD, inclusive); either missing means today."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    try:
        begins = date.fromisoformat(first) if first else None
        ends = date.fromisoformat(last) if last else None
    except ValueError:
        raise BadPeriod("from and to are dates: YYYY-MM-DD") from None
    if begins is None:
        begins = ends or today
    if ends is None:
        ends = max(begins, today)
    if ends < begins:
        raise BadPeriod("to is before from")
    if (ends - begins).days >= MAX_DAYS:
        raise BadPeriod(f"at most {MAX_DAYS} days at once")
    return Period(begins, ends, timezone)


def city_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def shift_of(moment: datetime, shifts: Iterable[Shift], timezone: str) -> tuple[date, str]:
    """The (start date, shift name) a moment falls in; an overnight shift keeps the date it
    starts on, so 02:00 on the 24th is the 23rd's night shift."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    for day in (local.date(), local.date() - timedelta(days=1)):
        for shift in shifts:
            begins, ends = shift.interval(day, zone)
            if begins <= local < ends:
                return day, shift.name
    return local.date(), OFF_SHIFT


def month_period(month: str | None, timezone: str, now: datetime) -> Period:
    """The city month ``YYYY-MM`` as a period; none given: the current month."""
    if month:
        if len(month) != 7 or month[4] != "-" or not month[:4].isdigit():
            raise BadPeriod("month is YYYY-MM")
        try:
            first = date(int(month[:4]), int(month[5:]), 1)
        except ValueError:
            raise BadPeriod("month is YYYY-MM") from None
    else:
        first = now.astimezone(ZoneInfo(timezone)).date().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1), timezone)
