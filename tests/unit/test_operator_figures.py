"""Per-operator figures, the pause book that turns per-queue pause events into intervals,
the records of completed and missed offers, the supervisor's listen-in request and the
shift an operator's own figures cover (pure code)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from ivr.ami.events import AgentDone, MemberRemoved, MemberUpdated
from ivr.reports.operator_activity import PauseBook, call_record
from ivr.reports.operator_figures import csv_line, duration, operator_figures, operator_table
from ivr.reports.records import HANDLED, MISSED, PAUSE, OperatorActivity
from ivr.roster.model import Operator, Shift
from ivr.roster.spy import SpyRefused, spy_action
from ivr.tickets.spool import decode, encode
from ivr.web.operator_reports import current_window

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
EPOCH0 = T0.timestamp()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def member(queue: str, paused: bool, reason: str = "", name: str = "ani") -> MemberUpdated:
    return MemberUpdated(queue, f"PJSIP/{name}", name, "not_in_use", paused, reason, False)


def test_figures_count_calls_in_the_period_and_pauses_by_their_overlap() -> None:
    activities = [
        OperatorActivity("ani", HANDLED, at(10), 120.0, queue="hotline", unique_id="c1"),
        OperatorActivity("ani", HANDLED, at(400), 60.0, queue="hotline", unique_id="c2"),
        OperatorActivity("ani", MISSED, at(300), 0.0, unique_id="c3"),
        OperatorActivity("ani", PAUSE, at(130), 30.0, "wrap-up"),
        OperatorActivity("ani", PAUSE, at(-100), 160.0, "break"),  # 60 s inside
        OperatorActivity("budi", HANDLED, at(-50), 20.0, unique_id="c4"),  # before: out
        OperatorActivity("budi", MISSED, at(3600), 0.0, unique_id="c5"),  # after: out
    ]
    [ani] = operator_figures(activities, T0, at(3600))
    assert (ani.handled, ani.missed, ani.talk_s) == (2, 1, 180.0)
    assert ani.pause_s == {"wrap-up": 30.0, "break": 60.0}
    assert (ani.wrapup_s, ani.paused_s) == (30.0, 90.0)
    assert ani.average_handle_s == (180.0 + 30.0) / 2
    assert csv_line(ani)["pause_s_by_reason"] == "break=60 wrap-up=30"


def test_no_handled_call_has_no_average_and_the_table_escapes_names() -> None:
    [line] = operator_figures([OperatorActivity("<b>", MISSED, at(1), 0.0)], T0, at(60))
    assert line.average_handle_s is None
    table = operator_table("Operators", [line], "/reports/operators?operator=", "/x.csv")
    assert "<b>" not in table and "&lt;b&gt;" in table
    assert duration(None) == "–" and duration(65.4) == "1m 05s" and duration(42) == "42s"


def test_a_pause_in_several_queues_is_one_interval_ending_at_the_last_unpause() -> None:
    book = PauseBook()
    assert book.apply(member("hotline", True, "break"), EPOCH0) == []
    assert book.apply(member("fire", True, "break"), EPOCH0 + 1) == []
    assert book.apply(member("fire", False), EPOCH0 + 50) == []  # a surge unpauses one queue
    [ended] = book.apply(member("hotline", False), EPOCH0 + 90)
    assert ended == OperatorActivity("ani", PAUSE, T0, 90.0, "break")
    assert book.apply(member("hotline", False), EPOCH0 + 95) == []  # status events repeat


def test_a_new_reason_ends_the_old_pause_and_a_removal_ends_the_last() -> None:
    book = PauseBook()
    book.apply(member("hotline", True, ""), EPOCH0)
    [first] = book.apply(member("hotline", True, "wrap-up"), EPOCH0 + 20)
    assert (first.reason, first.seconds) == ("paused", 20.0)
    [second] = book.apply(MemberRemoved("hotline", "PJSIP/ani"), EPOCH0 + 35)
    assert (second.reason, second.seconds, second.started_at) == ("wrap-up", 15.0, at(20))


def test_completed_calls_are_handled_with_their_talk_time_and_ring_outs_missed() -> None:
    done = call_record(AgentDone("hotline", "c1", "ani", "completed", 75), EPOCH0 + 100)
    assert done == OperatorActivity("ani", HANDLED, at(25), 75.0, "", "hotline", "c1")
    missed = call_record(AgentDone("hotline", "c2", "ani", "missed"), EPOCH0)
    assert missed is not None and (missed.kind, missed.started_at) == (MISSED, T0)
    assert call_record(AgentDone("hotline", "c3", "ani", "dumped"), EPOCH0) is None


def test_operator_activity_survives_the_spool() -> None:
    record = OperatorActivity("ani", PAUSE, T0, 12.5, "break")
    assert decode(encode(record)) == record


OPERATORS = {n: Operator(n, "pw") for n in ("ani", "spv")}


def test_a_listen_in_rings_the_supervisors_phone_into_chanspy_on_the_operator() -> None:
    action = spy_action("listen", "ani", "spv", OPERATORS)
    assert action["Channel"] == "PJSIP/spv"
    assert (action["Context"], action["Exten"]) == ("supervisor-spy", "listen")
    assert action["Variable"] == "SPY_OPERATOR=ani"


@pytest.mark.parametrize(("mode", "operator", "phone"), [
    ("spy", "ani", "spv"), ("listen", "nobody", "spv"), ("listen", "ani", "nobody"),
    ("barge", "ani", "ani")])
def test_a_listen_in_is_refused_with_a_reason(mode: str, operator: str, phone: str) -> None:
    with pytest.raises(SpyRefused):
        spy_action(mode, operator, phone, OPERATORS)


def test_my_figures_cover_the_shift_running_now_else_the_day() -> None:
    shifts = [Shift("morning", time(7), time(15)), Shift("night", time(23), time(7))]
    name, start, end = current_window(shifts, datetime(2026, 12, 4, 3, 0, tzinfo=UTC),
                                      "Asia/Jakarta")  # 10:00 in Jakarta
    assert (name, start, end) == ("morning", datetime(2026, 12, 4, 0, 0, tzinfo=UTC),
                                  datetime(2026, 12, 4, 8, 0, tzinfo=UTC))
    now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # 16:00: no shift
    assert current_window(shifts, now, "Asia/Jakarta") == (
        "", datetime(2026, 12, 3, 17, 0, tzinfo=UTC), now)
