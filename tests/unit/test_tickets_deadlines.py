from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ivr.tickets.deadlines import (
    TIER_SPANS,
    Tier,
    TierSpan,
    WorkingCalendar,
    add_working_time,
    due_at,
    is_due_soon,
    is_overdue,
    parse_office_hours,
)

JKT = ZoneInfo("Asia/Jakarta")
# 2024-05-06 is a Monday. Office hours 08:00-16:00 (8 h), Monday to Friday.
CAL = WorkingCalendar(timezone="Asia/Jakarta", opens=time(8), closes=time(16),
                      holidays=frozenset({date(2024, 5, 9), date(2024, 5, 10)}),
                      extra_workdays=frozenset({date(2024, 5, 18)}))
PLAIN = WorkingCalendar(timezone="Asia/Jakarta")


def local(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=JKT)


@pytest.mark.parametrize(("start", "hours", "expected"), [
    (local(6, 10), 2, local(6, 12)),            # inside the day
    (local(6, 15), 2, local(7, 9)),             # runs over the night
    (local(6, 20), 1, local(7, 9)),             # received after closing
    (local(6, 3), 1, local(6, 9)),              # received before opening
    (local(6, 10), 8, local(7, 10)),            # exactly one working day
    (local(8, 14), 4, local(13, 10)),           # Wed -> Thu/Fri holidays, weekend -> Mon
    (local(17, 15), 2, local(18, 9)),           # Friday -> Saturday make-up workday
    (local(11, 12), 1, local(13, 9)),           # Saturday (not a workday) -> Monday
    (local(6, 16), 0, local(6, 16)),            # due at closing time stays
    (local(6, 17), 0, local(7, 8)),             # nothing to add, but outside hours -> opening
])
def test_add_working_time(start, hours, expected):
    assert add_working_time(start, timedelta(hours=hours), CAL) == expected.astimezone(UTC)


@pytest.mark.parametrize(("tier", "office_hours", "start", "expected"), [
    # Round-the-clock agencies count clock time, whatever the day.
    (Tier.URGENT, False, local(10, 23), local(11, 1)),
    (Tier.UTILITY, False, local(11, 9), local(12, 9)),
    (Tier.GENERAL, False, local(6, 10), local(13, 10)),
    (Tier.COMPLEX, False, local(6, 10), local(21, 10)),
    # The urgent tier is clock time even for an office-hours agency (Saturday night).
    (Tier.URGENT, True, local(11, 23), local(12, 1)),
    # 24 working hours = three 8-hour days: Mon 10:00 -> Thu 10:00 (no holidays in PLAIN).
    (Tier.UTILITY, True, local(6, 10), local(9, 10)),
    # 7 working days from Monday 10:00 -> the next Wednesday 10:00.
    (Tier.GENERAL, True, local(6, 10), local(15, 10)),
    # Friday evening: counting starts Monday 08:00; 7 days -> Tuesday of week after, 16:00.
    (Tier.GENERAL, True, local(10, 19), local(21, 16)),
    # 15 working days from Monday 10:00 -> Monday three weeks later 10:00.
    (Tier.COMPLEX, True, local(6, 10), local(27, 10)),
])
def test_due_at_plain_calendar(tier, office_hours, start, expected):
    assert due_at(start, tier, office_hours, PLAIN) == expected.astimezone(UTC)


def test_due_at_skips_holidays():
    # Wed 8 May 10:00 + 7 working days, Thu 9 and Fri 10 off, Sat 18 worked:
    # Wed(6h) Mon13 Tue14 Wed15 Thu16 Fri17 Sat18 -> Mon 20 10:00.
    assert due_at(local(8, 10), Tier.GENERAL, True, CAL) == local(20, 10).astimezone(UTC)


def test_due_at_accepts_utc_input_and_answers_utc():
    start = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta
    assert due_at(start, Tier.UTILITY, True, PLAIN) == datetime(2024, 5, 9, 3, 0, tzinfo=UTC)


def test_calendar_without_workdays_fails_loudly():
    with pytest.raises(ValueError):
        add_working_time(local(6, 10), timedelta(hours=1),
                         WorkingCalendar(workdays=frozenset()))


@pytest.mark.parametrize(("text", "expected"), [
    ("08:00-16:00", (time(8), time(16))),
    (" 09:30 - 17:00 ", (time(9, 30), time(17))),
])
def test_parse_office_hours(text, expected):
    assert parse_office_hours(text) == expected


@pytest.mark.parametrize("text", ["16:00-08:00", "8-16", "08:00", ""])
def test_parse_office_hours_rejects(text):
    with pytest.raises(ValueError):
        parse_office_hours(text)


@pytest.mark.parametrize(("due_minutes", "overdue", "soon"), [
    (-1, True, False), (0, False, True), (30, False, True), (120, False, True),
    (121, False, False),
])
def test_flags(due_minutes, overdue, soon):
    now = local(6, 10)
    due = now + timedelta(minutes=due_minutes)
    assert is_overdue(due, now) is overdue
    assert is_due_soon(due, now, timedelta(hours=2)) is soon


def test_a_deadline_reads_as_the_operator_says_it() -> None:
    from ivr.tickets.deadlines import deadline_text

    assert deadline_text(TIER_SPANS[Tier.URGENT], office_hours=True) == "2 hours"
    assert deadline_text(TIER_SPANS[Tier.GENERAL], office_hours=True) == "7 working days"
    assert deadline_text(TIER_SPANS[Tier.GENERAL], office_hours=False) == "7 days"
    assert deadline_text(TierSpan(1, "days"), office_hours=False) == "1 day"
