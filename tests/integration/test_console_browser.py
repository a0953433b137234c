"""The operator console pops up on a real queue call: headless Chromium logged in as the
operator whose SIPp phone the 112 call rings, from ringing to the end of the call; beside
it a supervisor's wallboard shows the call waiting (marked silent: no key) and then answered,
without a reload. The console shows the silent-call steps and, after the call, asks for the
outcome, given from the keyboard. The
caller's number is registered (through the API, as admin) before the call, so the console
shows the registered caller's name and address, looked up once for the call."""

from __future__ import annotations

import base64
import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from hotline import Hotline, free_tcp_and_udp_port, media_port, on_shift_now, wait_for_members
from sipp_operator import OperatorPhone

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
OPERATOR, OPERATOR_PASSWORD = "ani", "operator-console-pass-1"
SKILLS = "police fire ambulance lang:id"
REGISTERED = {"name": "Siti Aminah", "address": "Jl. Merdeka 12, RT 03/RW 05",
              "district": "Coblong", "notes": "lives alone, hard of hearing"}


@pytest.fixture(scope="module")
def phone_port() -> tuple[int, int]:
    return free_tcp_and_udp_port(), media_port()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          phone_port: tuple[int, int]) -> Iterator[Hotline]:
    """A hotline where operator `ani` (phone: a SIPp process) is on shift now."""
    data_dir = tmp_path_factory.mktemp("console")
    on_shift_now(data_dir, OPERATOR, SKILLS, f"sip:{OPERATOR}@127.0.0.1:{phone_port[0]}", 2)
    hotline = Hotline(data_dir)
    hotline.start()
    add_web_user(hotline, OPERATOR, "operator", OPERATOR_PASSWORD)
    wait_for_members(hotline, "fire", {OPERATOR}, 15)
    yield hotline
    hotline.stop()


def add_web_user(stack: Hotline, username: str, role: str, password: str) -> None:
    login = f"{stack.env['IVR_ADMIN_USER']}:{stack.env['IVR_ADMIN_PASSWORD']}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.ports['web']}/api/v1/users", method="POST",
        data=json.dumps({"username": username, "role": role, "password": password}).encode(),
        headers={"Authorization": "Basic " + base64.b64encode(login.encode()).decode(),
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status in (200, 201)


def register_caller(stack: Hotline, number: str, entry: dict[str, str]) -> None:
    """Register ``number`` as the admin does, over the API (HTTP Basic)."""
    login = f"{stack.env['IVR_ADMIN_USER']}:{stack.env['IVR_ADMIN_PASSWORD']}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.ports['web']}/api/v1/callers/{number}", method="PUT",
        data=json.dumps(entry).encode(),
        headers={"Authorization": "Basic " + base64.b64encode(login.encode()).decode(),
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 200


def test_the_console_pops_up_with_the_caller_when_the_call_rings(
        stack: Hotline, tmp_path: Path, phone_port: tuple[int, int]) -> None:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run scripts/setup-host.sh (make test does)")
    phone = OperatorPhone(OPERATOR, phone_port[0], phone_port[1], tmp_path,
                          answer_after_ms=11_000)  # the caller presses nothing: silent at 8 s
    phone.start(calls=1)
    try:
        with playwright.sync_playwright() as driver:
            context = driver.chromium.launch_persistent_context(
                str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
                args=CHROMIUM_FLAGS)
            context.set_default_timeout(30_000)
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{stack.ports['web']}/console")
            page.fill("#username", OPERATOR)
            page.fill("#password", OPERATOR_PASSWORD)
            page.click("#submit")
            page.wait_for_url(re.compile(r"/console$"))
            page.wait_for_selector("#link.up")
            assert page.locator("#idle").is_visible()
            # A supervisor's wallboard in another browser, open before the call.
            other = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                           args=CHROMIUM_FLAGS)
            board = other.new_context().new_page()
            board.set_default_timeout(30_000)
            board.goto(f"http://127.0.0.1:{stack.ports['web']}/wallboard")
            board.fill("#username", stack.env["IVR_ADMIN_USER"])
            board.fill("#password", stack.env["IVR_ADMIN_PASSWORD"])
            board.click("#submit")
            board.wait_for_url(re.compile(r"/wallboard$"))
            board.wait_for_selector("#link.up")

            caller = "081288800001"
            register_caller(stack, caller, REGISTERED)
            lookups: list[str] = []
            page.on("request", lambda r: lookups.append(r.url)
                    if "/api/v1/callers/" in r.url else None)
            call = stack.call("112", caller, [], 16_000, tmp_path)
            # The wallboard shows the caller waiting, marked silent after 8 s without a key,
            # then answered, without a reload.
            board.locator(f'#waiting tr[data-caller="{caller}"]').wait_for()
            page.wait_for_selector("#call:not([hidden])")  # pushed: no reload
            assert page.locator("#caller").inner_text() == caller
            assert page.locator("#queue").inner_text() == "emergency"
            assert page.locator("#language").inner_text() == "id"
            board.locator(f'#waiting tr[data-caller="{caller}"][data-silent="yes"]').wait_for()
            board.locator('#queues tr[data-queue="emergency"] .answered',
                          has_text="1").wait_for()
            # Answered after 11 s of silence: the console shows the silent-call steps.
            page.wait_for_selector("#silent-steps:not([hidden])")
            # The registered caller box: who and where the caller is.
            page.wait_for_selector("#registered:not([hidden])")
            for field in ("name", "address", "district", "notes"):
                assert page.locator(f"#registered-{field}").inner_text() == REGISTERED[field]
            assert call.wait(timeout=60) == 0
            page.wait_for_selector("#idle:not([hidden])")
            # The call is over: the console asks for its outcome, from the keyboard alone.
            page.wait_for_selector("#outcome:not([hidden])")
            assert page.locator("#outcome-caller").inner_text() == caller
            assert page.locator("#outcome-value").input_value() == "silent"  # proposed
            page.focus("#outcome-value")
            page.keyboard.press("Tab")  # to "Save outcome"
            page.keyboard.press("Enter")
            page.locator("#outcome-result", has_text="saved: Silent call").wait_for()
            assert lookups == [  # once, however often the call was redrawn
                f"http://127.0.0.1:{stack.ports['web']}/api/v1/callers/{caller}"]
            assert board.locator(f'#waiting tr[data-caller="{caller}"]').count() == 0
            status, found = stack.get(f"/api/v1/incidents?caller={caller}")
            assert status == 200, found
            [incident] = found["incidents"]
            assert (incident["outcome"], incident["outcome_by"]) == ("silent", f"web:{OPERATOR}")
            assert incident["silent"] is True
            other.close()
            context.close()
        assert phone.offered() == [caller]
    finally:
        phone.stop()
