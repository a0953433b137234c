"""Report maths: periods, shifts, calls and tickets per day/shift/queue/category/agency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ivr.reports.calls import call_lines, call_total
from ivr.reports.csv_export import to_csv
from ivr.reports.periods import OFF_SHIFT, BadPeriod, Period, parse_period, shift_of
from ivr.reports.store import ABANDONED, ANSWERED, CallRecord
from ivr.reports.tickets import TicketFact, ticket_lines
from ivr.roster.model import DEFAULT_SHIFTS, Shift, parse_time

TZ = "Asia/Jakarta"  # UTC+7, no daylight saving
NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 12:00 in Jakarta


def jkt(text: str) -> datetime:
    """A Jakarta wall-clock time as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC) - timedelta(hours=7)


def call(at: str, outcome: str, waited: float, queue: str = "fire") -> CallRecord:
    return CallRecord(queue, f"u-{at}-{queue}", "0812", jkt(at), outcome, waited)


@pytest.mark.parametrize(("first", "last", "expected"), [
    (None, None, ("2026-11-23", "2026-11-23")),
    ("2026-11-20", None, ("2026-11-20", "2026-11-23")),
    (None, "2026-11-01", ("2026-11-01", "2026-11-01")),
    ("2026-11-01", "2026-11-03", ("2026-11-01", "2026-11-03")),
])
def test_parse_period(first: str | None, last: str | None, expected: tuple[str, str]) -> None:
    period = parse_period(first, last, TZ, NOW)
    assert (period.first.isoformat(), period.last.isoformat()) == expected


@pytest.mark.parametrize(("first", "last"), [
    ("2026-11-03", "2026-11-01"), ("yesterday", None), ("2024-01-01", "2026-01-01")])
def test_parse_period_refuses(first: str, last: str | None) -> None:
    with pytest.raises(BadPeriod):
        parse_period(first, last, TZ, NOW)


def test_a_period_is_the_city_days_in_utc() -> None:
    period = Period(date(2026, 11, 23), date(2026, 11, 23), TZ)
    assert period.start == datetime(2026, 11, 22, 17, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 23, 17, tzinfo=UTC)


@pytest.mark.parametrize(("at", "expected"), [
    ("2026-11-23 07:29", ("2026-11-22", "night")),   # overnight: the date it started on
    ("2026-11-23 07:30", ("2026-11-23", "morning")),
    ("2026-11-23 15:59", ("2026-11-23", "morning")),
    ("2026-11-23 16:00", ("2026-11-23", "afternoon")),
    ("2026-11-23 23:30", ("2026-11-23", "night")),
    ("2026-11-24 02:00", ("2026-11-23", "night")),
])
def test_shift_of(at: str, expected: tuple[str, str]) -> None:
    day, name = shift_of(jkt(at), DEFAULT_SHIFTS, TZ)
    assert (day.isoformat(), name) == expected


def test_a_moment_no_shift_covers_is_off_shift() -> None:
    day_only = [Shift("day", parse_time("08:00"), parse_time("16:00"))]
    assert shift_of(jkt("2026-11-23 20:00"), day_only, TZ) == (date(2026, 11, 23), OFF_SHIFT)


CALLS = [
    call("2026-11-22 09:00", ANSWERED, 10),
    call("2026-11-22 09:05", ANSWERED, 18),
    call("2026-11-22 09:10", ANSWERED, 40),
    call("2026-11-22 23:45", ABANDONED, 5, "hotline"),   # the 22nd's night shift
    call("2026-11-23 01:00", ANSWERED, 2, "hotline"),    # the 22nd's night shift, the 23rd
    call("2026-11-21 10:00", ANSWERED, 1),               # before the period
]
PERIOD = Period(date(2026, 11, 22), date(2026, 11, 23), TZ)


def test_calls_by_day_keep_empty_days_and_count_abandoned_against_the_level() -> None:
    lines = call_lines(CALLS, PERIOD, "day", DEFAULT_SHIFTS)
    assert [(x.key, x.offered, x.answered, x.abandoned) for x in lines] == [
        ("2026-11-22", 4, 3, 1), ("2026-11-23", 1, 1, 0)]
    first = lines[0]
    assert first.service_level == {15: 1 / 4, 20: 2 / 4}
    assert first.average_speed_of_answer_s == pytest.approx(68 / 3)
    assert first.abandon_rate == 1 / 4
    empty = call_lines([], PERIOD, "day", DEFAULT_SHIFTS)
    assert [(x.offered, x.service_level[15], x.average_speed_of_answer_s) for x in empty] == [
        (0, None, None), (0, None, None)]


def test_calls_by_shift_put_overnight_calls_on_the_start_date() -> None:
    lines = call_lines(CALLS, PERIOD, "shift", DEFAULT_SHIFTS)
    assert [(x.key, x.offered) for x in lines] == [
        ("2026-11-22 morning", 3), ("2026-11-22 afternoon", 0), ("2026-11-22 night", 2),
        ("2026-11-23 morning", 0), ("2026-11-23 afternoon", 0), ("2026-11-23 night", 0)]


def test_calls_by_queue_and_total() -> None:
    lines = call_lines(CALLS, PERIOD, "queue", DEFAULT_SHIFTS, (15, 20, 30))
    assert [(x.key, x.offered, x.abandoned) for x in lines] == [("fire", 3, 0),
                                                                ("hotline", 2, 1)]
    assert lines[0].service_level[30] == 2 / 3
    total = call_total(CALLS, PERIOD)
    assert (total.key, total.offered, total.answered, total.abandoned) == ("total", 5, 4, 1)


def test_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown grouping"):
        call_lines(CALLS, PERIOD, "week", DEFAULT_SHIFTS)


def fact(number: str, created: str, due: str, resolved: str | None = None,
         finished: str | None = None, category: str = "roads") -> TicketFact:
    agency = {"roads": "dpu", "utilities": "pln"}[category]
    return TicketFact(number, category, category.title(), agency, agency.upper(), jkt(created),
                      jkt(due), jkt(resolved) if resolved else None,
                      jkt(finished or resolved) if (finished or resolved) else None)


TICKETS = [
    # opened and resolved on the 22nd, in time
    fact("1", "2026-11-22 08:00", "2026-11-22 12:00", resolved="2026-11-22 10:00"),
    # opened the 22nd, resolved the 23rd after its deadline (the 22nd): overdue on the 22nd
    fact("2", "2026-11-22 09:00", "2026-11-22 11:00", resolved="2026-11-23 09:00"),
    # opened the 23rd, still open, deadline passed at 11:00 (now is 12:00)
    fact("3", "2026-11-23 08:00", "2026-11-23 11:00", category="utilities"),
    # opened the 23rd, deadline not yet come
    fact("4", "2026-11-23 09:00", "2026-11-23 18:00", category="utilities"),
    # rejected before its deadline: finished, not resolved, not overdue
    fact("5", "2026-11-21 09:00", "2026-11-22 09:00", finished="2026-11-21 10:00"),
]


@pytest.mark.parametrize(("by", "expected"), [
    ("day", [("2026-11-22", 2, 1, 1), ("2026-11-23", 2, 1, 1)]),
    ("category", [("roads", 2, 2, 1), ("utilities", 2, 0, 1)]),
    ("agency", [("dpu", 2, 2, 1), ("pln", 2, 0, 1)]),
])
def test_tickets(by: str, expected: list[tuple[str, int, int, int]]) -> None:
    lines = ticket_lines(TICKETS, PERIOD, by, NOW)
    assert [(x.key, x.opened, x.resolved, x.overdue) for x in lines] == expected


def test_ticket_labels_are_names() -> None:
    lines = ticket_lines(TICKETS, PERIOD, "agency", NOW)
    assert [x.label for x in lines] == ["DPU", "PLN"]


def test_csv_has_a_header_and_blanks_for_none() -> None:
    text = to_csv([{"key": "fire", "offered": 2, "service_level_15s": 0.5,
                    "average_speed_of_answer_s": None, "abandon_rate": 0.0}],
                  ["key", "offered", "service_level_15s", "average_speed_of_answer_s",
                   "abandon_rate"])
    assert text.splitlines() == [
        "key,offered,service_level_15s,average_speed_of_answer_s,abandon_rate",
        "fire,2,0.5,,0"]
