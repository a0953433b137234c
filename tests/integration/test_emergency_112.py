"""112 end to end: real SIP calls (SIPp) into the real Asterisk running our dialplan,
FastAGI server, AMI follower, redis and web API."""

from __future__ import annotations

from pathlib import Path

import pytest
from hotline import Hotline
from sipp import Step

pytestmark = pytest.mark.integration

KEY_AFTER_MS = 1500
# No key: the prompt (about 7.3 s) and 5 s of waiting, "no input", all of it once more.
NO_KEY_TO_QUEUE_S = 2 * (7.3 + 5) + 2.2


def test_pressing_2_waits_in_fire_with_the_callers_number(hotline: Hotline, calls_dir: Path):
    call = hotline.call("112", "081234500001", [Step(KEY_AFTER_MS, "2")], 6000, calls_dir)
    # Seen by the supervisor within 3 s of the key press.
    queue, entry = hotline.wait_for_caller("081234500001", KEY_AFTER_MS / 1000 + 3)
    assert queue == "fire"
    assert entry["position"] == 1
    assert call.wait(timeout=60) == 0, "the caller's call did not complete cleanly"


@pytest.mark.parametrize(("key", "queue"), [("1", "police"), ("3", "ambulance")])
def test_each_key_leads_to_its_queue(hotline: Hotline, calls_dir: Path, key: str, queue: str):
    caller = f"08123450010{key}"
    call = hotline.call("112", caller, [Step(KEY_AFTER_MS, key)], 4000, calls_dir)
    assert hotline.wait_for_caller(caller, KEY_AFTER_MS / 1000 + 3)[0] == queue
    assert call.wait(timeout=60) == 0


@pytest.mark.parametrize(("second_key", "queue"), [("2", "fire"), ("8", "emergency")])
def test_a_wrong_key_gets_a_second_chance(hotline: Hotline, calls_dir: Path, second_key: str,
                                         queue: str):
    caller = f"08123450020{second_key}"
    # 7 is wrong: "not a valid choice" (2.4 s), then the menu again, where the second key lands.
    call = hotline.call("112", caller, [Step(KEY_AFTER_MS, "7"), Step(4000, second_key)], 4000,
                        calls_dir)
    assert hotline.wait_for_caller(caller, KEY_AFTER_MS / 1000 + 4 + 3)[0] == queue
    assert call.wait(timeout=60) == 0


def test_no_key_waits_in_emergency(hotline: Hotline, calls_dir: Path):
    hold_ms = int((NO_KEY_TO_QUEUE_S + 5) * 1000)
    call = hotline.call("112", "081234500002", [], hold_ms, calls_dir)
    queue, _ = hotline.wait_for_caller("081234500002", NO_KEY_TO_QUEUE_S + 4)
    assert queue == "emergency"
    assert call.wait(timeout=90) == 0


def test_fastagi_down_the_call_still_waits_in_emergency(hotline: Hotline, calls_dir: Path):
    hotline.ctl("stop", "fastagi")
    try:
        body = hotline.wait_for_health(503, 5)
        assert body["components"]["fastagi"].startswith("down")
        call = hotline.call("112", "081234500003", [Step(KEY_AFTER_MS, "2")], 3000, calls_dir)
        queue, _ = hotline.wait_for_caller("081234500003", 4)
        assert queue == "emergency"
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


def test_the_board_is_rebuilt_from_asterisk_after_the_ami_client_reconnects(
        hotline: Hotline, calls_dir: Path):
    import redis

    call = hotline.call("112", "081234500004", [Step(KEY_AFTER_MS, "1")], 12000, calls_dir)
    assert hotline.wait_for_caller("081234500004", 5)[0] == "police"
    hotline.ctl("stop", "ami")
    # Forget everything we knew: only Asterisk's QueueStatus can bring the caller back.
    redis.Redis(port=hotline.ports["redis"]).delete("ivr:queues")
    assert "081234500004" not in str(hotline.waiting())
    hotline.ctl("start", "ami")
    queue, entry = hotline.wait_for_caller("081234500004", 5)
    assert queue == "police"
    assert entry["waited_s"] >= 1
    assert call.wait(timeout=60) == 0
