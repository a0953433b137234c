"""The console's ticket desk on a real 12345 call: a SIPp citizen dials 12345, chooses a
language and presses 0; the SIPp phone of operator `budi` answers; in headless Chromium the
console opens the desk with the caller's number and registered name and address filled in,
the category shows its agency and deadline, and the operator saves the ticket from the
keyboard. The ticket exists with its agency, deadline, kind, operator and call; the number
is shown to read out. A second call ends with a reason instead, and no answered call is left
without one or the other."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hotline import Hotline, free_tcp_and_udp_port, media_port, on_shift_now, wait_for_members
from sipp import Step
from sipp_operator import OperatorPhone
from test_console_browser import CHROMIUM, CHROMIUM_FLAGS, add_web_user, register_caller

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.integration

OPERATOR, PASSWORD = "budi", "operator-desk-pass-1"
REGISTERED = {"name": "Dewi Lestari", "address": "Jl. Dago 45, Coblong", "district": "Coblong",
              "notes": ""}


@pytest.fixture(scope="module")
def phone_port() -> tuple[int, int]:
    return free_tcp_and_udp_port(), media_port()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          phone_port: tuple[int, int]) -> Iterator[Hotline]:
    data_dir = tmp_path_factory.mktemp("desk")
    on_shift_now(data_dir, OPERATOR, "lang:id", f"sip:{OPERATOR}@127.0.0.1:{phone_port[0]}", 2)
    hotline = Hotline(data_dir)
    hotline.start()
    add_web_user(hotline, OPERATOR, "operator", PASSWORD)
    wait_for_members(hotline, "hotline", {OPERATOR}, 15)
    yield hotline
    hotline.stop()


def test_an_answered_12345_call_ends_with_a_ticket_or_a_reason(
        stack: Hotline, tmp_path: Path, phone_port: tuple[int, int]) -> None:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run scripts/setup-host.sh (make test does)")
    caller, second = "081277700001", "081277700002"
    register_caller(stack, caller, REGISTERED)
    phone = OperatorPhone(OPERATOR, phone_port[0], phone_port[1], tmp_path, answer_after_ms=500)
    phone.start(calls=2)
    try:
        with playwright.sync_playwright() as driver:
            context = driver.chromium.launch_persistent_context(
                str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
                args=CHROMIUM_FLAGS)
            context.set_default_timeout(30_000)
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{stack.ports['web']}/console")
            page.fill("#username", OPERATOR)
            page.fill("#password", PASSWORD)
            page.click("#submit")
            page.wait_for_url(re.compile(r"/console$"))
            page.wait_for_selector("#link.up")

            call = stack.call("12345", caller, [Step(1500, "1"), Step(2000, "0")], 40_000,
                              tmp_path)
            page.wait_for_selector("#desk:not([hidden])")  # connected: the desk opens
            assert page.locator("#desk-caller").inner_text() == caller
            assert page.locator("#desk-number").input_value() == caller
            page.wait_for_function(
                "document.getElementById('desk-name').value === 'Dewi Lestari'")
            assert page.locator("#desk-address").input_value() == REGISTERED["address"]
            # From the keyboard alone: the desk has the focus on its first field.
            assert page.evaluate("document.activeElement.id") == "desk-kind"
            page.keyboard.press("ArrowDown")  # handling request -> complaint
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.id") == "desk-category"
            page.keyboard.type("Roads")  # type-ahead in the list
            page.locator("#desk-route", has_text="Public Works Agency").wait_for()
            assert "deadline 7 working days" in page.locator("#desk-route").inner_text()
            # The districts come from the catalog; the sub-districts follow the district.
            page.select_option("#desk-district", "coblong")
            page.locator("#desk-subdistrict option[value='dago']").wait_for(state="attached")
            page.select_option("#desk-subdistrict", "dago")
            page.focus("#desk-description")
            page.keyboard.type("Deep pothole in front of number 45, a motorbike fell")
            page.keyboard.press("Tab")  # the "answered on the call" box: left unticked
            page.keyboard.press("Tab")  # "Save ticket"
            page.keyboard.press("Enter")
            page.wait_for_selector("#made:not([hidden])")
            grouped = page.locator("#made-number").inner_text()
            number = grouped.replace(" ", "")
            assert re.fullmatch(r"[0-9]{8,}", number), grouped
            assert "Public Works Agency" in page.locator("#made-route").inner_text()
            assert page.locator("#desk").is_hidden()

            status, ticket = stack.get(f"/api/v1/tickets/{number}")
            assert status == 200, ticket
            assert (ticket["agency"], ticket["category"], ticket["kind"], ticket["operator"],
                    ticket["status"]) == ("public_works", "roads", "complaint", OPERATOR,
                                          "received")
            assert ticket["caller_number"] == caller and ticket["due_at"] > ticket["created_at"]
            assert ticket["description"].startswith("Deep pothole")
            assert (ticket["district"], ticket["subdistrict"]) == ("coblong", "dago")
            assert call.wait(timeout=90) == 0

            # The second call makes no ticket: the desk takes a reason instead.
            other = stack.call("12345", second, [Step(1500, "1"), Step(2000, "0")], 20_000,
                               tmp_path)
            page.locator("#desk-caller", has_text=second).wait_for()
            assert other.wait(timeout=60) == 0
            page.wait_for_selector("#idle:not([hidden])")
            assert page.locator("#desk").is_visible()  # it stays after the call
            status, open_calls = stack.get("/api/v1/calls/unwrapped?all=1")
            assert status == 200, open_calls
            assert [c["caller_number"] for c in open_calls["calls"]] == [second]
            page.select_option("#nodesk-reason", "status_inquiry")
            page.focus("#nodesk-reason")
            page.keyboard.press("Tab")
            page.keyboard.press("Tab")  # "Save reason"
            page.keyboard.press("Enter")
            page.wait_for_selector("#desk", state="hidden")
            status, open_calls = stack.get("/api/v1/calls/unwrapped?all=1")
            assert (status, open_calls["calls"]) == (200, [])
            context.close()
        assert phone.offered() == [caller, second]
    finally:
        phone.stop()
