"""The 112 lane's decisions (pure): priority by arrival, the incident book, the lane's edge
with fakes for the desk, AMI and the outbound engine."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from ivr.ami.events import (
    AgentAnswered,
    AgentDone,
    CallerAbandoned,
    CallerJoined,
    KeyPressed,
    parse_event,
)
from ivr.config import Settings
from ivr.emergency.incidents import CallBack, CheckLane, IncidentBook, Save, StopCallbacks
from ivr.emergency.lane import PRANK_LIST_FRESH_S, EmergencyLane, callback_policy, tries_log
from ivr.emergency.outcomes import BadOutcome, checked_outcome
from ivr.emergency.priority import EPOCH0, SPAN, arrival_priority, lane_of
from ivr.outbound.model import Job, RetryPolicy, TryRecord, TryResult
from ivr.tickets.records import IncidentReport

T0 = float(EPOCH0 + 3 * 86400)


def test_an_earlier_arrival_is_served_first_within_a_lane_and_lanes_come_first() -> None:
    assert arrival_priority("normal", T0) > arrival_priority("normal", T0 + 1)
    assert arrival_priority("callback", T0 + 500) > arrival_priority("normal", T0)
    assert arrival_priority("normal", T0 + 500) > arrival_priority("prank", T0)
    assert arrival_priority("callback", T0) < 2**31  # app_queue keeps an int
    for lane in ("prank", "normal", "callback"):
        assert lane_of(arrival_priority(lane, T0)) == lane  # type: ignore[arg-type]
    assert lane_of(10) == "normal"
    # The arrival part wraps after SPAN seconds (2029): documented, not hidden.
    assert arrival_priority("normal", EPOCH0 + SPAN) == arrival_priority("normal", EPOCH0)


def joined(queue: str = "emergency", unique_id: str = "c1", number: str = "0811",
           **extra: str | float) -> CallerJoined:
    return CallerJoined(queue, unique_id, number, 1, channel="PJSIP/pstn-trunk-1",
                        arrived_at=T0, **extra)  # type: ignore[arg-type]


def saved(effects: list[object]) -> IncidentReport:
    [report] = [e.report for e in effects if isinstance(e, Save)]
    return report


def test_a_call_that_waits_silently_and_is_answered_is_a_silent_incident() -> None:
    book = IncidentBook(silent_after_s=8)
    first = book.apply(joined(), T0 + 0.4)
    assert saved(first).call_state == "waiting"
    assert StopCallbacks("0811", "the caller called again") in first
    assert CheckLane("c1", "0811", "emergency", "PJSIP/pstn-trunk-1", T0, None) in first
    answered = saved(book.apply(AgentAnswered("emergency", "c1", "ani", "0811", 9), T0 + 9))
    assert (answered.call_state, answered.answered_by, answered.silent) == ("answered", "ani",
                                                                          True)
    assert answered.waited_seconds == 9.0  # from arrival
    ended = saved(book.apply(AgentDone("emergency", "c1", "ani"), T0 + 60))
    assert ended.call_state == "ended" and ended.ended_at is not None


def test_a_key_moves_the_call_keeps_its_lane_and_is_not_silent() -> None:
    book = IncidentBook(silent_after_s=8)
    book.apply(joined(), T0)
    assert saved(book.set_lane("c1", "prank", T0 + 0.1)).lane == "prank"  # the lane found
    assert book.apply(KeyPressed("c1", "2"), T0 + 3) == []
    moved = book.apply(joined("fire", service="fire"), T0 + 3.1)
    report = saved(moved)
    assert json.loads(report.joins) == [["emergency", T0], ["fire", T0 + 3.1]]
    assert (report.service, report.keys, report.lane) == ("fire", "2", "prank")
    # The later join re-applies the known lane without asking the database again.
    assert CheckLane("c1", "0811", "fire", "PJSIP/pstn-trunk-1", T0, "prank") in moved
    assert not any(isinstance(e, StopCallbacks) for e in moved)
    answered = saved(book.apply(AgentAnswered("fire", "c1", "ani", "0811", 20), T0 + 20))
    assert answered.silent is False


def test_an_abandoned_call_is_called_back_but_a_callback_s_own_call_is_not() -> None:
    book = IncidentBook(silent_after_s=8)
    book.apply(joined(language="en"), T0)
    effects = book.apply(CallerAbandoned("emergency", "c1", 5), T0 + 5)
    assert saved(effects).call_state == "abandoned"
    assert CallBack("c1", "0811", "en") in effects
    back = book.apply(joined(unique_id="c2", callback="c1"), T0 + 70)
    assert saved(back).lane == "callback" and saved(back).callback_of == "c1"
    assert not any(isinstance(e, StopCallbacks | CheckLane) for e in back)
    assert not any(isinstance(e, CallBack)
                   for e in book.apply(CallerAbandoned("emergency", "c2", 3), T0 + 73))


def test_hotline_calls_and_unknown_calls_are_not_incidents() -> None:
    book = IncidentBook(silent_after_s=8)
    assert book.apply(joined("hotline"), T0) == []
    assert book.apply(KeyPressed("nobody", "1"), T0) == []
    assert book.apply(CallerAbandoned("fire", "nobody", 1), T0) == []


def test_dtmf_and_the_112_channel_variables_are_parsed() -> None:
    event = parse_event({"Event": "QueueCallerJoin", "Queue": "emergency", "Position": "1",
                         "Uniqueid": "9.1", "CallerIDNum": "0811", "Channel": "PJSIP/x-1",
                         "ChanVariable": ["HOTLINE_ARRIVED=1796300000", "HOTLINE_SERVICE=unknown",
                                          "HOTLINE_LOCATION=https://lis/x", "HOTLINE_CALLBACK="]})
    assert isinstance(event, CallerJoined)
    assert (event.arrived_at, event.location, event.channel) == (1796300000.0, "https://lis/x",
                                                                 "PJSIP/x-1")
    assert parse_event({"Event": "DTMFEnd", "Uniqueid": "9.1", "Digit": "5",
                        "Direction": "Received"}) == KeyPressed("9.1", "5")
    assert parse_event({"Event": "DTMFEnd", "Uniqueid": "9.1", "Digit": "5",
                        "Direction": "Sent"}) is None


def test_outcomes_are_checked() -> None:
    assert checked_outcome("prank") == "prank"
    with pytest.raises(BadOutcome, match="outcome is one of"):
        checked_outcome("dragons")


def test_callbacks_are_off_without_a_trunk_or_tries() -> None:
    assert callback_policy(Settings()) is None
    assert callback_policy(Settings(outbound_trunk="10.0.0.5:5060", callback_tries=0)) is None
    assert callback_policy(Settings(outbound_trunk="10.0.0.5:5060")) == RetryPolicy(
        60.0, 120.0, 3, 30.0)


def test_the_tries_log_names_each_try_and_the_job_s_end() -> None:
    policy = RetryPolicy(1, 2, 3, 3)
    job = Job("j", "0811", "callback", "c1", policy, T0, T0 + 1,
              tries=(TryRecord(1, T0 + 1, T0 + 4, TryResult(False, "no answer")),),
              state="cancelled", cancel_reason="the caller called again")
    log = tries_log(job)
    assert log[0] == {"try": 1, "of": 3, "at": T0 + 1, "result": "no answer"}
    assert log[-1]["state"] == "cancelled" and log[-1]["reason"] == "the caller called again"


class FakeDesk:
    """The desk's prank list: ``pranks`` calls for the number 0811 (or the error raised)."""

    def __init__(self, pranks: int | Exception) -> None:
        self.pranks = pranks
        self.saved: list[IncidentReport] = []
        self.reads = 0

    async def save_incident(self, report: IncidentReport) -> None:
        self.saved.append(report)

    async def prank_numbers(self, days: float, at_least: int) -> set[str]:
        self.reads += 1
        if isinstance(self.pranks, Exception):
            raise self.pranks
        return {"0811"} if self.pranks >= at_least else set()


def lane_for(desk: FakeDesk, changes: list[tuple[str, str, int]],
             clock: Callable[[], float]) -> EmergencyLane:
    async def reprioritize(queue: str, channel: str, priority: int) -> bool:
        changes.append((queue, channel, priority))
        return True

    async def note(unique_id: str, text: str) -> None:
        return None

    return EmergencyLane(Settings(), desk, reprioritize, note, clock=clock)


async def run_lane(pranks: int | Exception) -> tuple[FakeDesk, list[tuple[str, str, int]]]:
    desk, changes = FakeDesk(pranks), []
    lane = lane_for(desk, changes, lambda: T0 + 1)
    writer = asyncio.create_task(lane.keep_writing())
    lane.on_event(joined(), now=T0 + 0.5)
    await asyncio.sleep(0.05)
    await lane.drain()
    writer.cancel()
    return desk, changes


async def test_a_number_with_three_pranks_gets_the_prank_lane_priority() -> None:
    desk, changes = await run_lane(3)
    assert changes == [("emergency", "PJSIP/pstn-trunk-1", arrival_priority("prank", T0))]
    assert [r.lane for r in desk.saved] == ["normal", "prank"]


async def test_the_prank_list_is_read_once_for_the_callers_of_a_moment_and_again_later() -> None:
    desk, now = FakeDesk(3), [T0]
    lane = lane_for(desk, [], lambda: now[0])
    lanes = await asyncio.gather(*(lane.lane_of(n) for n in ("0811", "0812", "0811")))
    assert lanes == ["prank", "normal", "prank"] and desk.reads == 1
    desk.pranks = 0  # a supervisor cleared the number
    now[0] += PRANK_LIST_FRESH_S - 0.1
    assert await lane.lane_of("0811") == "prank" and desk.reads == 1
    now[0] += 0.2
    assert await lane.lane_of("0811") == "normal" and desk.reads == 2


async def test_a_database_away_keeps_the_last_prank_list_and_is_not_asked_per_caller() -> None:
    desk, now = FakeDesk(3), [T0]
    lane = lane_for(desk, [], lambda: now[0])
    assert await lane.lane_of("0811") == "prank"
    desk.pranks = ConnectionError("database down")
    now[0] += PRANK_LIST_FRESH_S
    assert [await lane.lane_of("0811") for _ in range(3)] == ["prank"] * 3
    assert desk.reads == 2


async def test_fewer_pranks_or_a_database_that_cannot_answer_mean_the_normal_lane() -> None:
    for pranks in (2, ConnectionError("database down")):
        desk, changes = await run_lane(pranks)
        assert changes == []
        assert [r.lane for r in desk.saved] == ["normal"]
