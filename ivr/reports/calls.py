"""Calls offered, answered and abandoned per day, shift or queue, from call records (pure).

Figures follow ``ivr.stats.queue_day`` (the wallboard's): offered = answered + abandoned;
service level at T s = answered within T s / offered (abandoned calls count against it);
ASA = mean wait of answered calls. A call belongs to the day and shift it joined the queue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from ..roster.model import Shift
from ..stats.queue_day import NENA_THRESHOLDS_S, queue_figures
from .periods import Period, city_day, shift_of
from .store import ANSWERED, CallRecord

CALL_GROUPINGS = ("day", "shift", "queue")


@dataclass(frozen=True)
class CallLine:
    key: str
    offered: int
    answered: int
    abandoned: int
    service_level: dict[int, float | None]  # threshold in seconds -> share 0..1
    average_speed_of_answer_s: float | None
    abandon_rate: float | None


@dataclass
class _Waits:
    answered: list[float] = field(default_factory=list)
    abandoned: list[float] = field(default_factory=list)


def call_lines(records: Iterable[CallRecord], period: Period, by: str,
               shifts: Sequence[Shift], levels_s: Sequence[int] = NENA_THRESHOLDS_S,
               ) -> list[CallLine]:
    """One line per day, per (day, shift) or per queue of ``period``; days and shifts with no
    calls are kept (zeros) so a chart shows the gap, queues only when they had calls.

    ``records`` may reach a day beyond the period on each side: a night shift that starts on
    the period's last day counts its calls after midnight, one that started the day before
    the period does not count at all.
    """
    grouping = _grouping(period, by, shifts)
    groups: dict[str, _Waits] = {key: _Waits() for key in grouping.keys}
    for record in records:
        key = grouping.key_of(record)
        if key is None:
            continue
        waits = groups.setdefault(key, _Waits())
        (waits.answered if record.outcome == ANSWERED else waits.abandoned).append(
            record.waited_s)
    return [_line(key, groups[key], levels_s) for key in sorted(groups, key=grouping.rank)]


def _line(key: str, waits: _Waits, levels_s: Sequence[int]) -> CallLine:
    figures = queue_figures(waits.answered, waits.abandoned, levels_s)
    return CallLine(key, figures.offered, figures.answered, figures.abandoned,
                    figures.service_level, figures.average_speed_of_answer_s,
                    figures.abandon_rate)


@dataclass(frozen=True)
class _Grouping:
    key_of: Callable[[CallRecord], str | None]  # None: outside the period
    keys: list[str]  # lines shown even with no calls
    rank: Callable[[str], tuple[str, int]]


def _grouping(period: Period, by: str, shifts: Sequence[Shift]) -> _Grouping:
    if by == "day":
        return _Grouping(
            lambda r: (city_day(r.joined_at, period.timezone).isoformat()
                       if period.contains(r.joined_at) else None),
            [d.isoformat() for d in period.days()], lambda key: (key, 0))
    if by == "shift":
        ordered = [s.name for s in sorted(shifts, key=lambda s: s.start)]

        def key_of(record: CallRecord) -> str | None:
            day, name = shift_of(record.joined_at, shifts, period.timezone)
            return shift_key(day, name) if period.first <= day <= period.last else None

        def rank(key: str) -> tuple[str, int]:
            day, _, name = key.partition(" ")
            return day, ordered.index(name) if name in ordered else len(ordered)

        return _Grouping(key_of, [shift_key(d, n) for d in period.days() for n in ordered], rank)
    if by == "queue":
        return _Grouping(lambda r: r.queue if period.contains(r.joined_at) else None, [],
                         lambda key: (key, 0))
    raise ValueError(f"unknown grouping {by!r} (use {', '.join(CALL_GROUPINGS)})")


def shift_key(day: date, shift: str) -> str:
    return f"{day.isoformat()} {shift}"


def call_total(records: Iterable[CallRecord], period: Period,
               levels_s: Sequence[int] = NENA_THRESHOLDS_S) -> CallLine:
    """All calls that joined in ``period``, as one line keyed ``total``."""
    waits = _Waits()
    for record in records:
        if period.contains(record.joined_at):
            (waits.answered if record.outcome == ANSWERED else waits.abandoned).append(
                record.waited_s)
    return _line("total", waits, levels_s)
