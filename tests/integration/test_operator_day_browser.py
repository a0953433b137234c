"""The operator's day at the console, in headless Chromium on the live stack (issue 15):
operator `ani` (a SIPp phone) pauses with the reason "break" and the wallboard shows it with
the reason and a ticking time in pause, then logs out of her queues and in again; after a
112 call she picks a wrap-up code, which is stored with the call's wrap-up row, and until
then she is kept out of new calls (paused "wrap-up"); she holds her next caller and takes
them back, then transfers them to `fire`, where Asterisk itself then has the caller
waiting. One stack, one browser, three tests in order."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hotline import (
    Hotline,
    free_tcp_and_udp_port,
    media_port,
    on_shift_now,
    wait_for_members,
    wait_until,
)
from sipp_operator import OperatorPhone
from test_console_browser import CHROMIUM, CHROMIUM_FLAGS, add_web_user

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.integration

OPERATOR, PASSWORD = "ani", "operator-day-pass-1"
SKILLS = "police fire ambulance lang:id"
WRAPUP_S = 20


@pytest.fixture(scope="module")
def phone_port() -> tuple[int, int]:
    return free_tcp_and_udp_port(), media_port()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          phone_port: tuple[int, int]) -> Iterator[Hotline]:
    """A hotline where `ani` is on shift, with a wrap-up time and no early surge (a caller
    transferred to `fire` must stay waiting there while she wraps up)."""
    data_dir = tmp_path_factory.mktemp("operator-day")
    on_shift_now(data_dir, OPERATOR, SKILLS, f"sip:{OPERATOR}@127.0.0.1:{phone_port[0]}", 2)
    hotline = Hotline(data_dir, IVR_WRAPUP_SECONDS=str(WRAPUP_S),
                      IVR_EMERGENCY_SURGE_AFTER="120")
    hotline.start()
    add_web_user(hotline, OPERATOR, "operator", PASSWORD)
    wait_for_members(hotline, "fire", {OPERATOR}, 15)
    yield hotline
    hotline.stop()


@pytest.fixture(scope="module")
def phone(stack: Hotline, phone_port: tuple[int, int],
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorPhone]:
    """Ani's phone: answers each queue call after 1 s and stays on until hung up."""
    device = OperatorPhone(OPERATOR, phone_port[0], phone_port[1],
                           tmp_path_factory.mktemp("phone"), answer_after_ms=1000)
    device.start(calls=4)
    yield device
    device.stop()


@pytest.fixture(scope="module")
def console(stack: Hotline, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Ani's console page, logged in and live."""
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run scripts/setup-host.sh (make test does)")
    with playwright.sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")), executable_path=str(CHROMIUM),
            headless=True, args=CHROMIUM_FLAGS)
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.on("pageerror", lambda error: print("console page error:", error))
        page.goto(f"http://127.0.0.1:{stack.ports['web']}/console")
        page.fill("#username", OPERATOR)
        page.fill("#password", PASSWORD)
        page.click("#submit")
        page.wait_for_url(re.compile(r"/console$"))
        page.wait_for_selector("#link.up")
        page.locator("#me-queues", has_text="logged in").wait_for()
        yield page
        context.close()


def operator_on_board(stack: Hotline) -> dict[str, Any]:
    status, board = stack.get("/api/v1/wallboard")
    assert status == 200, board
    return next((o for o in board["operators"] if o["name"] == OPERATOR), {})


def stored_code(stack: Hotline, unique_id: str) -> str | None:
    """The wrap-up code kept with the call (the database the stack itself writes)."""
    with sqlite3.connect(stack.data_dir / "hotline.sqlite3") as db:
        row = db.execute("SELECT code FROM call_wrapups WHERE unique_id = ?",
                         (unique_id,)).fetchone()
    return row[0] if row else None


def test_a_pause_with_a_reason_shows_on_the_wallboard_with_a_timer(
        stack: Hotline, console: Any) -> None:
    console.select_option("#pause-reason", "break")
    clicked = time.monotonic()
    console.click("#pause")
    shown = wait_until(lambda: operator_on_board(stack).get("paused_reason") == "break",
                       5, "ani paused with 'break' on the wallboard", every_s=0.05)
    took = time.monotonic() - clicked
    print(f"pause on the wallboard after {took:.2f} s")
    assert shown and took <= 1.0
    assert operator_on_board(stack)["paused"] is True
    wait_until(lambda: operator_on_board(stack)["in_state_s"] >= 2, 5, "the pause timer ticks")
    console.locator("#pause-state", has_text="paused (break)").wait_for()
    console.click("#unpause")
    wait_until(lambda: not operator_on_board(stack).get("paused"), 3, "ani unpaused")
    console.locator("#my-shift-figures td.paused",
                    has_text=re.compile(r"^[2-9]s|^\d+m")).wait_for(timeout=10_000)
    # Out of the queues and back: the roster keeps her out until she logs in again.
    console.click("#me-logout")
    wait_until(lambda: not operator_on_board(stack), 1.5, "ani out of every queue")
    time.sleep(1.5)  # a roster pass or two: still out
    assert not operator_on_board(stack)
    console.click("#me-login")
    wait_until(lambda: "fire" in operator_on_board(stack).get("queues", []), 3,
               "ani back in her queues")
    console.locator("#me-queues", has_text="logged in").wait_for()


def test_after_a_call_the_wrap_up_code_is_stored_with_the_call(
        stack: Hotline, console: Any, phone: OperatorPhone, tmp_path: Path) -> None:
    caller = "081277700001"
    call = stack.call("112", caller, [], 5_000, tmp_path)
    console.wait_for_selector("#call:not([hidden])")
    console.locator("#call-state", has_text="On a call").wait_for()
    assert call.wait(timeout=30) == 0
    console.wait_for_selector("#wrapup:not([hidden])")
    assert console.locator("#wrapup-caller").inner_text() == caller
    # Until the code is saved ani takes no new call: paused "wrap-up" in her queues.
    wait_until(lambda: operator_on_board(stack).get("paused_reason") == "wrap-up", 3,
               "ani in wrap-up")
    console.select_option("#wrapup-code", "dispatched")
    console.click("#wrapup-save")
    console.locator("#wrapup-result", has_text="saved: Service dispatched").wait_for()
    wait_until(lambda: not operator_on_board(stack).get("paused"), 3,
               "ani ready once the code is saved")
    status, found = stack.get(f"/api/v1/incidents?caller={caller}")
    assert status == 200, found
    [incident] = found["incidents"]
    assert stored_code(stack, incident["unique_id"]) == "dispatched"
    console.locator("#my-shift-figures td.handled", has_text=re.compile("^1$")).wait_for(
        timeout=10_000)


def test_the_operator_transfers_a_caller_to_fire_and_the_caller_waits_there(
        stack: Hotline, console: Any, phone: OperatorPhone, tmp_path: Path) -> None:
    caller = "081277700002"
    call = stack.call("112", caller, [], 40_000, tmp_path)
    try:
        console.locator("#caller", has_text=caller).wait_for()
        console.locator("#call-state", has_text="On a call").wait_for()
        assert stack.asterisk_waiting("fire") == []
        # Hold: the caller hears music and her line is freed; resume rings her phone again.
        console.click("#hold")
        console.locator("#held-caller", has_text=caller).wait_for()
        console.click("#resume")
        console.locator("#transfer-result", has_text="ringing your phone").wait_for()
        wait_until(lambda: phone.offered() == ["081277700001", caller, caller], 10,
                   "ani's phone rung again by the resumed call")
        console.wait_for_selector("#held", state="hidden")
        console.select_option("#transfer-to", "queue")
        console.fill("#transfer-target", "fire")
        console.click("#transfer")
        console.locator("#transfer-result", has_text="transferred to fire").wait_for()
        wait_until(lambda: stack.asterisk_waiting("fire") == [caller], 5,
                   "the caller waiting in fire, as Asterisk says")
        console.wait_for_selector("#idle:not([hidden])")  # ani's own leg is over
        assert phone.offered() == ["081277700001", caller, caller]
    finally:
        call.kill()
        call.wait(timeout=10)
