"""12345 end to end: language, main menu, emergency hand-over, wrong keys, silence,
hang-ups, and admin flow edits, with real SIP calls into the real Asterisk."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hotline import Hotline, admin_ivr, call_id_of, service_log
from sipp import Step

pytestmark = pytest.mark.integration

FLOWS = Path(__file__).resolve().parents[2] / "dialplan" / "flows"
LANGUAGE_KEY_MS = 1500     # the language prompt is about 4.7 s long
MENU_KEY_MS = 2000         # the main menu is about 14 s long
CONNECTING_S = 4           # "please hold, connecting you to an operator"


def expect_waiting(hotline: Hotline, caller: str, queue: str, language: str,
                   timeout_s: float) -> None:
    where, entry = hotline.wait_for_caller(caller, timeout_s, queue)
    assert (where, entry["language"]) == (queue, language)


@pytest.mark.parametrize(("language_key", "language"), [("1", "id"), ("2", "en")])
def test_operator_in_the_chosen_language(hotline: Hotline, calls_dir: Path, language_key: str,
                                         language: str):
    caller = f"08220000010{language_key}"
    call = hotline.call("12345", caller, [Step(LANGUAGE_KEY_MS, language_key),
                                          Step(MENU_KEY_MS, "0")], 9000, calls_dir)
    expect_waiting(hotline, caller, "hotline", language, 3.5 + CONNECTING_S + 4)
    assert call.wait(timeout=60) == 0
    # The queue's variables went in one command that Asterisk ran (not the dialplan's
    # fallback after a failed one).
    assert "Executing Application: (MSet)" in service_log(hotline, "asterisk")
    assert f"call {call_id_of(hotline, caller)} (hotline): AGI failed" \
        not in service_log(hotline, "fastagi")


def test_9_continues_in_the_112_flow_in_the_callers_language(hotline: Hotline,
                                                              calls_dir: Path):
    caller = "082200000201"
    call = hotline.call("12345", caller, [Step(LANGUAGE_KEY_MS, "2"), Step(MENU_KEY_MS, "9"),
                                          Step(2000, "1")], 5000, calls_dir)
    expect_waiting(hotline, caller, "police", "en", 5.5 + 4)
    assert call.wait(timeout=60) == 0


def test_three_wrong_keys_put_the_caller_through_to_an_operator(hotline: Hotline,
                                                                 calls_dir: Path):
    caller = "082200000301"
    # Each wrong key: "not a valid choice" (2.4 s), then the menu again.
    steps = [Step(LANGUAGE_KEY_MS, "1"), Step(MENU_KEY_MS, "7"), Step(4000, "8"),
             Step(4000, "6")]
    call = hotline.call("12345", caller, steps, 9000, calls_dir)
    expect_waiting(hotline, caller, "hotline", "id", 11.5 + CONNECTING_S + 4)
    assert call.wait(timeout=60) == 0


def test_silence_is_guided_then_put_through_never_dropped(hotline: Hotline, calls_dir: Path):
    caller = "082200000401"
    # No language key (4.7 s + 4 s) → Indonesian; the main menu heard 3 times (14 s + 5 s
    # each, "no input" between), then an operator.
    to_queue_s = 4.7 + 4 + 3 * (14 + 5) + 2 * 2.2 + CONNECTING_S
    call = hotline.call("12345", caller, [], int((to_queue_s + 6) * 1000), calls_dir)
    expect_waiting(hotline, caller, "hotline", "id", to_queue_s + 5)
    assert call.wait(timeout=120) == 0


def test_a_caller_hanging_up_mid_menu_ends_the_route_cleanly(hotline: Hotline,
                                                             calls_dir: Path):
    caller = "082200000501"
    call = hotline.call("12345", caller, [Step(LANGUAGE_KEY_MS, "1")], 3000, calls_dir)
    assert call.wait(timeout=60) == 0
    call_id = call_id_of(hotline, caller)
    deadline = time.monotonic() + 5
    while f"call {call_id} (hotline): caller hung up" not in service_log(hotline, "fastagi"):
        assert time.monotonic() < deadline, service_log(hotline, "fastagi")[-2000:]
        time.sleep(0.2)
    assert "Traceback" not in service_log(hotline, "fastagi")
    assert caller not in str(hotline.waiting())


def test_fastagi_down_a_12345_caller_reaches_an_operator(hotline: Hotline, calls_dir: Path):
    hotline.ctl("stop", "fastagi")
    try:
        call = hotline.call("12345", "082200000601", [], 3000, calls_dir)
        assert hotline.wait_for_caller("082200000601", 4)[0] == "hotline"
        assert call.wait(timeout=60) == 0
    finally:
        hotline.ctl("start", "fastagi")
    hotline.wait_for_health(200, 10)


def test_a_flow_edit_applies_to_the_next_call_not_to_a_call_in_the_menu(
        hotline: Hotline, calls_dir: Path, tmp_path: Path):
    original = (FLOWS / "12345.yaml").read_text()
    edited = original.replace('"0": {queue: hotline, prompt: connecting-operator}',
                              '"0": {queue: police}')
    assert edited != original
    edited_file = tmp_path / "12345.yaml"
    edited_file.write_text(edited)

    # A caller already in the main menu when the admin installs the edit...
    in_menu = hotline.call("12345", "082200000701", [Step(LANGUAGE_KEY_MS, "1"),
                                                     Step(7000, "0")], 9000, calls_dir)
    time.sleep(LANGUAGE_KEY_MS / 1000 + 1.5)
    installed = admin_ivr(hotline, "flow", "install", str(edited_file))
    assert installed.returncode == 0, installed.stderr
    # ...finishes on the old flow; the next caller gets the new one.
    after = hotline.call("12345", "082200000702", [Step(LANGUAGE_KEY_MS, "1"),
                                                   Step(MENU_KEY_MS, "0")], 6000, calls_dir)
    assert hotline.wait_for_caller("082200000702", 3.5 + 4)[0] == "police"
    assert hotline.wait_for_caller("082200000701", 10 + CONNECTING_S + 4)[0] == "hotline"

    # A broken edit (a key used twice) is refused with its place; the flow in use stays.
    broken = tmp_path / "broken.yaml"
    broken.write_text(edited.replace('"2": {status:', '"1": {status:'))
    refused = admin_ivr(hotline, "flow", "install", str(broken))
    assert refused.returncode == 1
    assert "'1' is used twice" in refused.stderr and "broken.yaml:" in refused.stderr
    still = hotline.call("12345", "082200000703", [Step(LANGUAGE_KEY_MS, "1"),
                                                   Step(MENU_KEY_MS, "0")], 4000, calls_dir)
    assert hotline.wait_for_caller("082200000703", 3.5 + 4)[0] == "police"

    # Rollback: back to the built-in flow for the next call.
    rolled = admin_ivr(hotline, "flow", "rollback", "12345")
    assert rolled.returncode == 0 and "built-in" in rolled.stdout
    back = hotline.call("12345", "082200000704", [Step(LANGUAGE_KEY_MS, "1"),
                                                  Step(MENU_KEY_MS, "0")], 9000, calls_dir)
    assert hotline.wait_for_caller("082200000704", 3.5 + CONNECTING_S + 4)[0] == "hotline"
    for call in (in_menu, after, still, back):
        assert call.wait(timeout=60) == 0
