"""The simulated day's pure parts (tests/day_model.py) and the day clock (ivr/clock.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time

import pytest
from day_model import (
    EMERGENCY,
    HOTLINE,
    CallerLog,
    Figures,
    Mark,
    answers,
    arrivals,
    board_figures,
    burst,
    by_board_day,
    by_queue_and_shift,
    compare,
    differences,
    hourly_shares,
    markdown,
    most_waiting,
    parse_marks,
    per_hour,
    report_figures,
    shift_peaks,
    staffing,
    truth,
)
from sipp_scenarios import Caller, day_operator_scenario, patient_caller_scenario

from ivr.clock import ClockError, DayClock, clock_from
from ivr.roster.model import DEFAULT_SHIFTS, Shift

ZONE = "Asia/Jakarta"


# -- the clock ----------------------------------------------------------------------------------

def test_the_default_clock_is_the_wall_clock():
    clock = clock_from({})
    assert not clock.scaled
    assert clock.day(1_800_000_000.25) == 1_800_000_000.25


def test_a_scaled_clock_runs_from_its_start_at_the_epoch():
    start = datetime(2026, 12, 1, tzinfo=UTC)
    clock = clock_from({"IVR_TIME_SCALE": "720", "IVR_TIME_EPOCH": "1000",
                        "IVR_DAY_START": "2026-12-01T00:00:00+00:00"})
    assert clock.day(1000) == start.timestamp()
    assert clock.day_datetime(1000 + 120) == datetime(2026, 12, 2, tzinfo=UTC)  # 24 h in 2 min
    assert clock.real(clock.day(1234.5)) == pytest.approx(1234.5)


def test_bad_clock_settings_are_refused():
    with pytest.raises(ClockError):
        clock_from({"IVR_TIME_SCALE": "0"})
    with pytest.raises(ClockError):
        clock_from({"IVR_TIME_SCALE": "fast"})
    with pytest.raises(ClockError):
        clock_from({"IVR_DAY_START": "tomorrow"})


def test_the_board_counts_a_scaled_days_calls_in_its_day(monkeypatch: pytest.MonkeyPatch):
    from ivr.ami import board as board_module

    clock = DayClock(720, 1000, datetime(2026, 12, 1, tzinfo=UTC).timestamp())
    monkeypatch.setattr(board_module, "day_of", clock.day)
    assert board_module.local_day(1000 + 119, "UTC") == "2026-12-01"
    assert board_module.local_day(1000 + 121, "UTC") == "2026-12-02"


# -- arrivals and staffing ----------------------------------------------------------------------

def test_the_morning_takes_11_of_17_calls():
    shares = hourly_shares()
    assert sum(shares) == pytest.approx(1)
    assert sum(shares[:12]) == pytest.approx(11 / 17)
    assert max(range(24), key=shares.__getitem__) in (9, 10)
    assert min(shares) > 0


def test_calls_spread_over_the_hours_sum_to_the_total():
    counts = per_hour(17_000, hourly_shares())
    assert sum(counts) == 17_000
    assert sum(counts[:12]) == pytest.approx(11_000, abs=12)


def test_arrivals_follow_the_curve_and_repeat_with_the_seed():
    first = arrivals(500, random.Random(7))
    assert first == arrivals(500, random.Random(7))
    assert len(first) == 500 and first == sorted(first)
    assert all(0 <= t < 86_400 for t in first)
    assert sum(t < 43_200 for t in first) == pytest.approx(500 * 11 / 17, abs=2)
    extra = burst(10, 36_000, 600, random.Random(1))
    assert len(extra) == 10 and all(36_000 <= t < 36_600 for t in extra)


def test_each_shift_is_staffed_by_erlang_c_for_its_peak_hour():
    moments = [9 * 3600 + i for i in range(0, 3600, 180)]  # 20 calls in 09:00-10:00
    moments += [20 * 3600 + 5, 2 * 3600 + 7]
    peaks = shift_peaks(moments, DEFAULT_SHIFTS)
    assert peaks == {"morning": 20, "afternoon": 1, "night": 1}
    # 20 calls in a day hour of 5 real seconds (scale 720): 4 calls/s; 2 s each: 8 erlangs.
    staff = staffing(peaks, 720, 2.0, at_least=1)
    assert staff["morning"] > 8 and staff["night"] == 1


# -- SIPp's logs and the ground truth -----------------------------------------------------------

def _log(*lines: tuple[str, float]) -> str:
    return "".join(f"{what} 2026-12-05\t06:00:00.000000\t{at:.6f}\n" for what, at in lines)


def test_marks_are_read_from_sipps_log_lines():
    text = _log(("invite", 100.0), ("answered 0812", 101.5)) + "2026-12-05\t06:00\t1: oops\n"
    assert parse_marks(text) == [Mark("invite", "", 100.0), Mark("answered", "0812", 101.5)]


def _caller(number: str, queue: str, **at: float) -> CallerLog:
    return CallerLog(number, queue, tuple(Mark(w.replace("_", "-"), "", t)
                                          for w, t in at.items()))


def test_the_ground_truth_of_answered_and_abandoned_calls():
    callers = [
        _caller("1", EMERGENCY, invite=100.0, queued=100.2, ended=140.0),
        _caller("2", EMERGENCY, invite=110.0, queued=110.2, gave_up=150.0),
        _caller("3", HOTLINE, invite=120.0, queued=124.0, gave_up=160.0),  # answered, cut
        _caller("4", HOTLINE, invite=130.0),  # never reached the queue
        _caller("5", HOTLINE, invite=131.0, queued=135.0),  # still waiting
    ]
    phones = [Mark("offered", "1", 102.0), Mark("answered", "1", 103.0),
              Mark("answered", "3", 140.5), Mark("answered", "3", 141.0)]
    calls = {c.number: c for c in truth(callers, answers(phones))}
    assert set(calls) == {"1", "2", "3"}
    assert calls["1"].answered and calls["1"].waited_s == pytest.approx(3.0)
    assert not calls["2"].answered and calls["2"].waited_s == pytest.approx(40.0)
    # 12345: the wait starts in the queue (after the keys), as our figures count it.
    assert calls["3"].answered and calls["3"].waited_s == pytest.approx(16.5)
    assert most_waiting(calls.values(), EMERGENCY) == 1  # 1 answered before 2 came
    assert most_waiting(calls.values(), HOTLINE) == 1


def test_truth_is_grouped_by_the_shift_its_wait_began_in_by_the_day_clock():
    start = datetime(2026, 12, 5, tzinfo=UTC).timestamp()  # 07:00 in Jakarta
    clock = DayClock(720, 1000.0, start)
    shifts = [Shift("early", time(0), time(7, 30)), Shift("late", time(7, 30), time(0))]
    callers = [_caller("1", EMERGENCY, invite=1000.0, queued=1000.1, ended=1100.0),
               _caller("2", EMERGENCY, invite=1004.0, queued=1004.1, gave_up=1020.0)]
    calls = truth(callers, {"1": 1005.0})
    # 1000 s real is 07:00 in Jakarta; 1004 s is 07:48 (720x): the next shift.
    grouped = by_queue_and_shift(calls, clock, shifts, ZONE)
    assert grouped[(EMERGENCY, "2026-12-05 early")] == Figures(1, 1, 0, 1.0, 1.0, 5.0)
    assert grouped[(EMERGENCY, "2026-12-05 late")] == Figures(1, 0, 1, 0.0, 0.0, None)
    board = by_board_day(calls, clock, ZONE, "2026-12-05", until=1010.0)
    assert board == {EMERGENCY: Figures(1, 1, 0, 1.0, 1.0, 5.0)}


def test_our_figures_are_read_from_the_reports_and_the_wallboard():
    line = {"key": "2026-12-05 morning", "offered": 4, "answered": 3, "abandoned": 1,
            "service_level_15s": 0.75, "service_level_20s": 0.75,
            "average_speed_of_answer_s": 2.5}
    assert report_figures(line) == Figures(4, 3, 1, 0.75, 0.75, 2.5)
    queue = {"offered": 4, "answered": 3, "abandoned": 1, "average_speed_of_answer_s": 2.5,
             "service_level": {"15": 0.75, "20": 0.75, "30": 1.0}}
    assert board_figures(queue) == Figures(4, 3, 1, 0.75, 0.75, 2.5)


def test_figures_more_than_a_point_apart_are_named():
    sipp = Figures(40, 38, 2, 0.90, 0.95, 3.0)
    assert differences(Figures(40, 38, 2, 0.905, 0.95, 3.9), sipp) == []
    off = differences(Figures(41, 36, 5, 0.925, 0.95, 4.2), sipp)
    assert [o.split()[0] for o in off] == ["answered", "abandoned", "sl15", "asa_s"]
    assert differences(Figures(0, 0, 0, None, None, None), sipp)[0].startswith("offered")
    rows = compare("reports", {(EMERGENCY, "d morning"): sipp},
                   {(EMERGENCY, "d morning"): sipp, (HOTLINE, "d morning"): sipp})
    assert [r.off == [] for r in rows] == [True, False]
    table = markdown(rows)
    assert "| reports | emergency | d morning | 40 / 40 | 38 / 38 | 2 / 2 | 90.0 / 90.0 |" in table


# -- the scenarios ------------------------------------------------------------------------------

def test_the_day_scenarios_log_what_the_ground_truth_reads():
    caller = patient_caller_scenario(Caller("0812"), [], 30_000)
    for what in ("invite", "queued", "ended", "gave-up"):
        assert f'<log message="{what} [timestamp]"/>' in caller
    assert 'timeout="30000" ontimeout="gone"' in caller
    phone = day_operator_scenario(1000, 8.5, 0.4)
    assert '<log message="answered [$caller] [timestamp]"/>' in phone
    assert 'distribution="lognormal" mean="8.5000" stdev="0.4000"' in phone
    assert 'ontimeout="answer"' in phone
