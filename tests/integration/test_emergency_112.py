"""112 end to end: real SIP calls (SIPp) into the real Asterisk running our dialplan,
FastAGI server, AMI follower, redis and web API. 112 is queue first: the caller waits in
`emergency` at once and the service keys move them while they wait."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hotline import Hotline
from sipp import Step

pytestmark = pytest.mark.integration

KEY_AFTER_MS = 1500
QUEUE_WITHIN_S = 2.0  # a 112 caller waits in a queue this soon after the answer, whatever


def test_a_caller_who_presses_nothing_waits_in_emergency_within_2_s(hotline: Hotline,
                                                                   calls_dir: Path):
    started = time.monotonic()
    call = hotline.call("112", "081234500002", [], 12_000, calls_dir)
    queue, entry = hotline.wait_for_caller("081234500002", QUEUE_WITHIN_S)
    assert queue == "emergency"
    assert time.monotonic() - started < QUEUE_WITHIN_S
    assert entry["keyed"] is False
    assert call.wait(timeout=60) == 0


def test_the_location_a_call_carries_is_kept_with_the_incident(hotline: Hotline,
                                                             calls_dir: Path):
    caller = "081234500006"
    location = "<https://lis.example.org/loc/81.3>"
    call = hotline.call("112", caller, [], 2000, calls_dir,
                        headers=(f"Geolocation: {location}",))
    assert call.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status, body = hotline.get(f"/api/v1/incidents?caller={caller}")
        if status == 200 and body["incidents"] and body["incidents"][0]["state"] != "waiting":
            break
        time.sleep(0.3)
    [incident] = body["incidents"]
    assert incident["location"] == "https://lis.example.org/loc/81.3"  # filtered: no <>
    assert incident["silent"] is False  # 2 s: not yet a silent call


def test_pressing_2_while_waiting_moves_the_caller_to_fire(hotline: Hotline, calls_dir: Path):
    call = hotline.call("112", "081234500001", [Step(KEY_AFTER_MS, "2")], 6000, calls_dir)
    assert hotline.wait_for_caller("081234500001", QUEUE_WITHIN_S)[0] == "emergency"
    # Seen by the supervisor within 3 s of the key press, still counted from arrival.
    deadline = time.monotonic() + KEY_AFTER_MS / 1000 + 3
    queue, entry = hotline.wait_for_caller("081234500001", 3)
    while queue != "fire" and time.monotonic() < deadline:
        queue, entry = hotline.wait_for_caller("081234500001", 1)
    assert queue == "fire"
    assert entry["keyed"] is True
    assert entry["waited_s"] >= entry["in_queue_s"]
    assert call.wait(timeout=60) == 0, "the caller's call did not complete cleanly"


@pytest.mark.parametrize(("key", "queue"), [("1", "police"), ("3", "ambulance")])
def test_each_key_leads_to_its_queue(hotline: Hotline, calls_dir: Path, key: str, queue: str):
    caller = f"08123450010{key}"
    call = hotline.call("112", caller, [Step(KEY_AFTER_MS, key)], 4000, calls_dir)
    wait_until_in(hotline, caller, queue, KEY_AFTER_MS / 1000 + 3)
    assert call.wait(timeout=60) == 0


def test_a_wrong_key_leaves_the_caller_waiting_and_a_right_one_still_counts(
        hotline: Hotline, calls_dir: Path):
    caller = "081234500207"
    call = hotline.call("112", caller, [Step(KEY_AFTER_MS, "7"), Step(2000, "2")], 3000,
                        calls_dir)
    time.sleep(KEY_AFTER_MS / 1000 + 1)
    queue, entry = hotline.wait_for_caller(caller, 1)
    assert queue == "emergency", "a key with no service must not take the caller out of line"
    assert entry["keyed"] is True  # a key was pressed: not a silent call
    wait_until_in(hotline, caller, "fire", 4)
    assert call.wait(timeout=60) == 0


def wait_until_in(stack: Hotline, caller: str, queue: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        found, _ = stack.wait_for_caller(caller, max(0.5, deadline - time.monotonic()))
        if found == queue:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{caller} waits in {found}, not {queue}")
        time.sleep(0.1)


def test_fastagi_down_the_call_still_waits_in_emergency(hotline: Hotline, calls_dir: Path):
    hotline.ctl("stop", "fastagi")
    try:
        body = hotline.wait_for_health(503, 5)
        assert body["components"]["fastagi"].startswith("down")
        started = time.monotonic()
        call = hotline.call("112", "081234500003", [], 3000, calls_dir)
        queue, _ = hotline.wait_for_caller("081234500003", QUEUE_WITHIN_S)
        assert queue == "emergency"
        assert time.monotonic() - started < QUEUE_WITHIN_S
        assert call.wait(timeout=60) == 0
    finally:
        hotline.ctl("start", "fastagi")
    hotline.wait_for_health(200, 10)


def test_healthz_turns_503_when_the_ami_link_is_down_and_200_when_back(hotline: Hotline):
    body = hotline.wait_for_health(200, 5)
    assert set(body["components"]) == {"asterisk", "ami", "fastagi", "redis", "database"}
    hotline.ctl("stop", "ami")
    try:
        body = hotline.wait_for_health(503, 8)
        assert body["components"]["ami"].startswith("down")
        assert body["components"]["fastagi"] == "up"
    finally:
        hotline.ctl("start", "ami")
    body = hotline.wait_for_health(200, 10)
    assert body["components"]["ami"] == "up"


def test_with_the_ami_client_down_the_caller_still_waits_in_emergency_within_2_s(
        hotline: Hotline, calls_dir: Path):
    hotline.ctl("stop", "ami")
    try:
        call = hotline.call("112", "081234500005", [], 6000, calls_dir)
        started = time.monotonic()
        time.sleep(QUEUE_WITHIN_S)
        # Nobody follows the queues now: ask Asterisk itself who waits in `emergency`.
        assert "081234500005" in hotline.asterisk_waiting("emergency")
        assert time.monotonic() - started < QUEUE_WITHIN_S + 2
    finally:
        hotline.ctl("start", "ami")
    assert call.wait(timeout=60) == 0
    hotline.wait_for_health(200, 10)


def test_the_board_is_rebuilt_from_asterisk_after_the_ami_client_reconnects(
        hotline: Hotline, calls_dir: Path):
    import redis

    call = hotline.call("112", "081234500004", [Step(KEY_AFTER_MS, "1")], 12000, calls_dir)
    wait_until_in(hotline, "081234500004", "police", 5)
    hotline.ctl("stop", "ami")
    # Forget everything we knew: only Asterisk's QueueStatus can bring the caller back.
    redis.Redis(port=hotline.ports["redis"]).delete("ivr:queues")
    assert "081234500004" not in str(hotline.waiting())
    hotline.ctl("start", "ami")
    queue, entry = hotline.wait_for_caller("081234500004", 5)
    assert queue == "police"
    assert entry["waited_s"] >= 1
    assert call.wait(timeout=60) == 0
