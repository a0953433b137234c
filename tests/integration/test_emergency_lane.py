"""The 112 lane around the queue, end to end: real SIP calls (SIPp callers, a SIPp operator's
phone, SIPp citizens who answer a callback or not) into the real Asterisk, with the AMI
service writing incidents to the real database.

One hotline for the module: operator `ani` is on shift in every 112 queue (the surge is off,
so a paused `ani` is offered nothing), and the outbound trunk points at a SIPp citizen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hotline import (
    Hotline,
    free_tcp_and_udp_port,
    media_port,
    on_shift_now,
    run_ivr,
    wait_for_members,
    wait_until,
)
from sipp import Step
from sipp_operator import OperatorPhone

from ivr.emergency.lane import PRANK_LIST_FRESH_S

pytestmark = pytest.mark.integration

OPERATOR = "ani"
SKILLS = "police fire ambulance lang:id"
EMERGENCY_QUEUES = ("police", "fire", "ambulance", "emergency")
# Callbacks, made short: first try 3 s after the hang-up, then every 2 s, 3 tries of 3 s.
# A citizen's phone takes several calls at once: INVITEs of earlier tests' tries that nobody
# answered are still being resent by Asterisk (SIP timer B, 32 s) when it starts.
CITIZEN = {"calls": 20, "at_once": 5}
CALLBACKS = {"IVR_CALLBACK_FIRST_AFTER": "3", "IVR_CALLBACK_EVERY": "2",
             "IVR_CALLBACK_TRIES": "3", "IVR_CALLBACK_RING": "3"}


@pytest.fixture(scope="module")
def ports() -> dict[str, tuple[int, int]]:
    return {name: (free_tcp_and_udp_port(), media_port()) for name in ("phone", "citizen")}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          ports: dict[str, tuple[int, int]]) -> Iterator[Hotline]:
    data_dir = tmp_path_factory.mktemp("emergency-lane")
    on_shift_now(data_dir, OPERATOR, SKILLS, f"sip:{OPERATOR}@127.0.0.1:{ports['phone'][0]}")
    hotline = Hotline(data_dir, IVR_EMERGENCY_SURGE_AFTER="600",
                      IVR_OUTBOUND_TRUNK=f"127.0.0.1:{ports['citizen'][0]}", **CALLBACKS)
    hotline.start()
    for queue in EMERGENCY_QUEUES:
        wait_for_members(hotline, queue, {OPERATOR}, 15)
    yield hotline
    hotline.stop()


@pytest.fixture
def paused(stack: Hotline) -> Iterator[None]:
    """`ani` paused in every queue (offered nothing) for the test."""
    run_ivr(stack, "operator", "pause", OPERATOR, "--reason", "test")
    wait_until(lambda: all(members(stack, q)[OPERATOR]["paused"] for q in EMERGENCY_QUEUES),
               10, "ani paused")
    yield
    run_ivr(stack, "operator", "unpause", OPERATOR)
    wait_until(lambda: not any(stack.waiting().values()), 60,
               f"nobody waiting: {stack.waiting()}")
    callbacks_over(stack)


FINAL = ("exhausted", "answered", "cancelled")


def callbacks_over(stack: Hotline, timeout_s: float = 60) -> None:
    """Wait until no callback of an abandoned call is still going (they would ring the next
    test's citizen)."""
    def over() -> bool:
        status, body = stack.get("/api/v1/incidents")
        assert status == 200, body
        return all(any(e.get("state") in FINAL for e in i["callbacks"])
                   for i in body["incidents"] if i["state"] == "abandoned" and not i["callback_of"])
    wait_until(over, timeout_s, "every callback over")


def phone(name: str, ports: dict[str, tuple[int, int]], workdir: Path, *,
          answers: bool = True, answer_after_ms: int = 1000,
          hangs_up_after_ms: int = 0) -> OperatorPhone:
    port, media = ports[name]
    return OperatorPhone(name, port, media, workdir, answer_after_ms=answer_after_ms,
                         answers=answers, hangs_up_after_ms=hangs_up_after_ms)


def members(stack: Hotline, queue: str) -> dict[str, dict[str, Any]]:
    status, body = stack.get("/api/v1/queues")
    assert status == 200, body
    return {m["name"]: m for q in body["queues"] if q["name"] == queue for m in q["members"]}


def incidents(stack: Hotline, caller: str) -> list[dict[str, Any]]:
    status, body = stack.get(f"/api/v1/incidents?caller={caller}")
    assert status == 200, body
    return list(body["incidents"])


def incident_where(stack: Hotline, caller: str, check: Callable[[dict[str, Any]], bool],
                   timeout_s: float, what: str) -> dict[str, Any]:
    return wait_until(lambda: next((i for i in incidents(stack, caller) if check(i)), None),
                      timeout_s, f"{caller}: {what}")


def positions(stack: Hotline, queue: str) -> list[str]:
    return [c["caller_number"] for c in stack.waiting().get(queue, [])]


def test_a_silent_caller_waits_within_2_s_and_the_free_operator_s_phone_rings_within_3_s(
        stack: Hotline, ports: dict[str, tuple[int, int]], tmp_path: Path) -> None:
    caller = "081277700001"
    ani = phone("phone", ports, tmp_path, answer_after_ms=9000)  # answers after 9 s
    ani.start(calls=1)
    try:
        started = time.monotonic()
        call = stack.call("112", caller, [], 14_000, tmp_path)
        assert stack.wait_for_caller(caller, 2.0)[0] == "emergency"
        assert time.monotonic() - started < 2.0
        wait_until(lambda: ani.offered() == [caller], 3.0 - (time.monotonic() - started),
                   "the operator's phone rings")
        assert time.monotonic() - started < 3.0
        assert call.wait(timeout=60) == 0
    finally:
        ani.stop()
    # No key in the 9 s before the answer: the incident is marked silent, waits from arrival.
    found = incident_where(stack, caller, lambda i: i["state"] == "ended", 10, "call ended")
    assert found["silent"] is True
    assert found["answered_by"] == OPERATOR
    assert 8 <= found["waited_s"] <= 12
    assert found["joins"][0][0] == "emergency"
    assert found["keys"] == ""
    # The operator gives the outcome; the reports count it.
    status, body = stack.post(f"/api/v1/incidents/{found['unique_id']}/outcome",
                              {"outcome": "silent"})
    assert status == 200, body
    assert body["outcome"] == "silent"
    status, listing = stack.get("/api/v1/incidents")
    assert status == 200 and listing["outcomes"].get("silent", 0) >= 1


def test_pressing_2_keeps_the_place_by_arrival_in_fire(
        stack: Hotline, paused: None, tmp_path: Path) -> None:
    first, second = "081277700011", "081277700012"
    # The first caller arrives first and presses 2 late; the second presses 2 at once.
    early = stack.call("112", first, [Step(4500, "2")], 8000, tmp_path)
    time.sleep(1.5)
    late = stack.call("112", second, [Step(500, "2")], 8000, tmp_path)
    wait_until(lambda: positions(stack, "fire") == [second], 4, "the second caller in fire")
    wait_until(lambda: len(positions(stack, "fire")) == 2, 5, "both callers in fire")
    assert positions(stack, "fire") == [first, second], "the key cost the first caller its place"
    assert early.wait(timeout=60) == 0
    assert late.wait(timeout=60) == 0
    moved = incident_where(stack, first, lambda i: i["state"] == "abandoned", 10, "abandoned")
    assert [q for q, _ in moved["joins"]] == ["emergency", "fire"]
    assert moved["service"] == "fire" and moved["keys"] == "2"


def test_an_abandoned_caller_is_called_back_three_times_when_nobody_answers(
        stack: Hotline, paused: None, ports: dict[str, tuple[int, int]],
        tmp_path: Path) -> None:
    caller = "081277700021"
    citizen = phone("citizen", ports, tmp_path, answers=False)
    citizen.start(**CITIZEN)
    try:
        assert stack.call("112", caller, [], 2000, tmp_path).wait(timeout=30) == 0
        found = incident_where(
            stack, caller, lambda i: any(e.get("state") == "exhausted" for e in i["callbacks"]),
            45, "three callbacks, none answered")
    finally:
        citizen.stop()
    tries = [e for e in found["callbacks"] if "try" in e]
    assert [(e["try"], e["result"]) for e in tries] == [
        (1, "no answer"), (2, "no answer"), (3, "no answer")]
    assert citizen.dialled().count(caller) == 3
    status, board = stack.get("/api/v1/wallboard")
    assert status == 200, board
    line = next(a for a in board["abandoned"] if a["caller_number"] == caller)
    assert line["callback"].startswith("callback 3/3, no answer")


def test_an_answered_callback_waits_in_emergency_ahead_of_the_others(
        stack: Hotline, paused: None, ports: dict[str, tuple[int, int]],
        tmp_path: Path) -> None:
    caller, other = "081277700031", "081277700032"
    citizen = phone("citizen", ports, tmp_path, answer_after_ms=500, hangs_up_after_ms=12_000)
    citizen.start(**CITIZEN)
    try:
        waiting = stack.call("112", other, [], 25_000, tmp_path)
        assert stack.wait_for_caller(other, 2)[0] == "emergency"
        assert stack.call("112", caller, [], 1500, tmp_path).wait(timeout=30) == 0
        # Called back 3 s later; after the 5 s prompt the citizen waits first in line.
        wait_until(lambda: positions(stack, "emergency") == [caller, other], 15,
                   "the called-back citizen ahead of the other caller")
        found = incident_where(
            stack, caller, lambda i: any(e.get("state") == "answered" for e in i["callbacks"]),
            5, "the callback answered")
        assert [e["result"] for e in found["callbacks"] if "try" in e] == ["answered"]
        back = incident_where(stack, caller, lambda i: i["callback_of"] == found["unique_id"],
                              5, "the callback's own incident")
        assert back["lane"] == "callback"
        # The citizen hangs up after 12 s on the line.
        incident_where(stack, caller, lambda i: i["callback_of"] and i["state"] == "abandoned",
                       20, "the callback's caller hung up")
    finally:
        citizen.stop()
    assert waiting.wait(timeout=60) == 0


def test_a_new_call_from_the_number_stops_the_callbacks(
        stack: Hotline, paused: None, ports: dict[str, tuple[int, int]],
        tmp_path: Path) -> None:
    caller = "081277700041"
    citizen = phone("citizen", ports, tmp_path, answers=False)
    citizen.start(**CITIZEN)
    try:
        assert stack.call("112", caller, [], 1000, tmp_path).wait(timeout=30) == 0
        again = stack.call("112", caller, [], 5000, tmp_path)  # before the first try (3 s)
        found = incident_where(
            stack, caller, lambda i: any(e.get("state") == "cancelled" for e in i["callbacks"]),
            10, "callbacks cancelled")
        assert again.wait(timeout=30) == 0
        # 5 s later: the first call's try (due 3 s after it) never rang. (The second call,
        # abandoned too, gets callbacks of its own from now on.)
        assert caller not in citizen.dialled()
    finally:
        citizen.stop()
    assert [e for e in found["callbacks"] if "try" in e] == []
    assert "called again" in found["callbacks"][-1]["reason"]


def test_after_three_prank_outcomes_the_number_waits_behind_a_normal_caller_and_is_answered(
        stack: Hotline, ports: dict[str, tuple[int, int]], tmp_path: Path) -> None:
    prankster, citizen = "081277700051", "081277700052"
    run_ivr(stack, "operator", "pause", OPERATOR, "--reason", "test")
    wait_until(lambda: members(stack, "emergency")[OPERATOR]["paused"], 10, "ani paused")
    for _ in range(3):
        assert stack.call("112", prankster, [], 800, tmp_path).wait(timeout=30) == 0
    earlier = wait_until(lambda: len(incidents(stack, prankster)) == 3
                         and incidents(stack, prankster), 10, "three incidents")
    for incident in earlier:
        status, body = stack.post(f"/api/v1/incidents/{incident['unique_id']}/outcome",
                                  {"outcome": "prank"})
        assert status == 200, body
    status, history = stack.get(f"/api/v1/pranks/{prankster}")
    assert (status, history["prank_calls"], history["lane"]) == (200, 3, "prank")
    time.sleep(PRANK_LIST_FRESH_S)  # the AMI service reads the prank list this often
    ani = phone("phone", ports, tmp_path, answer_after_ms=500)
    ani.start(calls=2)
    try:
        prank = stack.call("112", prankster, [], 45_000, tmp_path)
        incident_where(stack, prankster, lambda i: i["lane"] == "prank", 5, "prank lane")
        normal = stack.call("112", citizen, [], 6000, tmp_path)
        wait_until(lambda: positions(stack, "emergency") == [citizen, prankster], 5,
                   "the normal caller ahead of the prank lane")
        run_ivr(stack, "operator", "unpause", OPERATOR)
        assert normal.wait(timeout=60) == 0
        # Still answered, after the operator's wrap-up time.
        wait_until(lambda: ani.offered() == [citizen, prankster], 40, "the prank lane answered")
        assert prank.wait(timeout=60) == 0
    finally:
        ani.stop()
    callbacks_over(stack)
    status, cleared = stack.delete(f"/api/v1/pranks/{prankster}")
    assert (status, cleared["prank_calls"], cleared["lane"]) == (200, 0, "normal")
