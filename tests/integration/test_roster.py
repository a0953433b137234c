"""Operators, shifts and queues against the real Asterisk: SIPp plays callers and phones.

Shifts are written relative to the real clock (a boundary a few seconds ahead), so the
roster engine crosses a real boundary; the engine reloads the roster file on its own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hotline import (
    Hotline,
    free_tcp_and_udp_port,
    media_port,
    queue_members,
    run_ivr,
    wait_for_members,
    wait_until,
)
from sipp import Step
from sipp_operator import OperatorPhone

from ivr.roster.model import Assignment, Operator, Roster, Shift, Skills
from ivr.roster.store import RosterStore, roster_path

pytestmark = pytest.mark.integration

EMERGENCY = Skills.parse("police fire ambulance lang:id")
OPERATORS = ("ani", "budi")
EMERGENCY_QUEUES = ("police", "fire", "ambulance", "emergency")


@pytest.fixture(scope="module")
def phone_ports() -> dict[str, tuple[int, int]]:
    return {name: (free_tcp_and_udp_port(), media_port()) for name in OPERATORS}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          phone_ports: dict[str, tuple[int, int]]) -> Iterator[Hotline]:
    """A hotline whose operators' phones (fixed contacts) are SIPp processes of the tests."""
    data_dir = tmp_path_factory.mktemp("roster-hotline")
    operators = {name: Operator(name, f"secret-{name}", name.title(), EMERGENCY,
                                f"sip:{name}@127.0.0.1:{phone_ports[name][0]}")
                 for name in OPERATORS}
    RosterStore(roster_path(data_dir)).save(Roster(operators=operators))
    hotline = Hotline(data_dir)
    hotline.start()
    yield hotline
    hotline.stop()


@pytest.fixture
def phones(stack: Hotline, phone_ports: dict[str, tuple[int, int]],
           tmp_path: Path) -> Iterator[dict[str, OperatorPhone]]:
    started = {name: OperatorPhone(name, port, media, tmp_path)
               for name, (port, media) in phone_ports.items()}
    for phone in started.values():
        phone.start()
    yield started
    for phone in started.values():
        phone.stop()
    run_ivr(stack, "operator", "unpause", "ani")
    _no_one_waiting(stack, 60)


def _no_one_waiting(stack: Hotline, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while any(stack.waiting().values()) and time.monotonic() < deadline:
        time.sleep(0.5)


def put_on_shift(stack: Hotline, now_on: list[str], later: list[str],
                 boundary_in_s: float = 3600) -> datetime:
    """Write a roster: ``now_on`` work until the boundary, ``later`` from it. Returns it."""
    store = RosterStore(roster_path(stack.data_dir))
    roster = store.load()
    now = datetime.now(UTC).astimezone(roster.tz).replace(microsecond=0)
    boundary = now + timedelta(seconds=boundary_in_s)
    shifts = {"current": (now - timedelta(hours=1), boundary),
              "next": (boundary, boundary + timedelta(hours=2))}
    roster = Roster(
        shifts={name: Shift(name, begins.time(), ends.time())
                for name, (begins, ends) in shifts.items()},
        operators=roster.operators,
        assignments=tuple(
            [Assignment(shifts["current"][0].date(), name, "current", EMERGENCY)
             for name in now_on]
            + [Assignment(shifts["next"][0].date(), name, "next", EMERGENCY) for name in later]),
        timezone=roster.timezone)
    store.save(roster)
    return boundary


def _on_a_call(member: dict[str, Any]) -> bool:
    return bool(member["in_call"] or member["state"] in ("in_use", "busy"))


def test_the_operator_on_shift_answers_and_the_one_off_shift_is_offered_nothing(
        stack: Hotline, phones: dict[str, OperatorPhone], tmp_path: Path):
    put_on_shift(stack, now_on=["ani"], later=["budi"])
    for queue in (*EMERGENCY_QUEUES, "hotline"):
        wait_for_members(stack, queue, {"ani"}, 10)
    call = stack.call("112", "081200000101", [Step(1500, "2")], 4000, tmp_path)
    assert call.wait(timeout=60) == 0
    assert phones["ani"].offered() == ["081200000101"]
    assert phones["budi"].offered() == []


def test_a_boundary_during_a_call_keeps_the_call_and_switches_when_it_ends(
        stack: Hotline, phones: dict[str, OperatorPhone], tmp_path: Path):
    boundary = put_on_shift(stack, now_on=["budi"], later=["ani"], boundary_in_s=25)
    wait_for_members(stack, "fire", {"budi"}, 10)
    call = stack.call("112", "081200000102", [Step(1500, "2")], 40_000, tmp_path)
    wait_until(lambda: phones["budi"].offered() == ["081200000102"]
               and _on_a_call(queue_members(stack)["fire"]["budi"]), 20, "budi on the call")
    assert datetime.now(UTC) < boundary, "the machine was too slow to answer before the boundary"
    wait_until(lambda: datetime.now(UTC) > boundary + timedelta(seconds=2), 40, "boundary")
    members = wait_for_members(stack, "fire", {"ani", "budi"}, 10)
    assert _on_a_call(members["budi"]), "the outgoing operator's call was cut"
    assert call.poll() is None, "the caller's call ended at the boundary"
    assert call.wait(timeout=60) == 0
    for queue in (*EMERGENCY_QUEUES, "hotline"):
        wait_for_members(stack, queue, {"ani"}, 10)
    assert phones["budi"].offered() == ["081200000102"]


def test_an_emergency_caller_is_answered_before_a_hotline_caller_who_waited_longer(
        stack: Hotline, phones: dict[str, OperatorPhone], tmp_path: Path):
    put_on_shift(stack, now_on=["ani"], later=[])
    wait_for_members(stack, "hotline", {"ani"}, 10)
    run_ivr(stack, "operator", "pause", "ani", "--reason", "briefing")
    wait_until(lambda: queue_members(stack)["hotline"]["ani"]["paused"], 10, "ani paused")
    citizen = stack.call("12345", "081200000201", [Step(1500, "1"), Step(2500, "0")],
                         30_000, tmp_path)
    assert stack.wait_for_caller("081200000201", 30)[0] == "hotline"
    emergency = stack.call("112", "081200000202", [Step(1500, "2")], 5000, tmp_path)
    assert stack.wait_for_caller("081200000202", 10, "fire")[0] == "fire"
    run_ivr(stack, "operator", "unpause", "ani")
    assert emergency.wait(timeout=60) == 0
    assert phones["ani"].offered()[:1] == ["081200000202"]
    citizen.wait(timeout=60)


def test_a_paused_operator_is_offered_an_emergency_call_that_waited_too_long(
        stack: Hotline, phones: dict[str, OperatorPhone], tmp_path: Path):
    put_on_shift(stack, now_on=["budi"], later=[])
    wait_for_members(stack, "police", {"budi"}, 10)
    run_ivr(stack, "operator", "pause", "budi", "--reason", "lunch")
    wait_until(lambda: queue_members(stack)["police"]["budi"]["paused"], 10, "budi paused")
    call = stack.call("112", "081200000301", [Step(1500, "1")], 25_000, tmp_path)
    assert stack.wait_for_caller("081200000301", 10, "police")[0] == "police"
    time.sleep(5)
    assert phones["budi"].offered() == [], "offered before the caller waited 10 s"
    wait_until(lambda: phones["budi"].offered() == ["081200000301"], 20,
               "the paused operator offered the waiting emergency call")
    # The surge is over once the call is answered: the pause holds again, ani leaves.
    wait_until(lambda: set(queue_members(stack)["police"]) == {"budi"}
               and queue_members(stack)["police"]["budi"]["paused"], 40, "budi paused again")
    assert call.wait(timeout=60) == 0
    run_ivr(stack, "operator", "unpause", "budi")


def test_after_an_asterisk_restart_the_queues_hold_the_operators_on_shift_again(
        stack: Hotline, phones: dict[str, OperatorPhone]):
    put_on_shift(stack, now_on=["ani", "budi"], later=[])
    wait_for_members(stack, "hotline", {"ani", "budi"}, 10)
    stack.ctl("stop", "asterisk")
    stack.ctl("start", "asterisk")
    for queue in (*EMERGENCY_QUEUES, "hotline"):
        wait_for_members(stack, queue, {"ani", "budi"}, 10)
