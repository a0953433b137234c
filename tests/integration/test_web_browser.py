"""Headless Chromium against a real hotline: log in, watch a real SIPp call on the wallboard,
edit a flow (a bad edit refused, a rollback restoring the previous one).

Chromium is the Debian package (``scripts/setup-host.sh`` installs ``chromium`` and
``chromium-driver``), driven by Playwright's Python package with ``executable_path``:
``playwright install`` cannot download browsers here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hotline import Hotline
from sipp import Step

if TYPE_CHECKING:
    from playwright.sync_api import Page

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
ADMIN_USER, ADMIN_PASSWORD = "chief", "browser-test-pass-1"
OPEN311_KEY = "browser-test-open311-key"
WAIT_MS = 20_000  # generous: two cores shared with other test runs


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    hotline = Hotline(tmp_path_factory.mktemp("web"), IVR_ADMIN_USER=ADMIN_USER,
                      IVR_ADMIN_PASSWORD=ADMIN_PASSWORD, IVR_OPEN311_API_KEYS=OPEN311_KEY)
    hotline.start()
    yield hotline
    hotline.stop()


@pytest.fixture
def page(stack: Hotline, tmp_path: Path) -> Iterator[Page]:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run scripts/setup-host.sh (make test does)")
    with playwright.sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS)
        context.set_default_timeout(WAIT_MS)
        tab = context.new_page()
        yield tab
        context.close()


def base(stack: Hotline) -> str:
    return f"http://127.0.0.1:{stack.ports['web']}"


def log_in(page: Page, stack: Hotline, target: str) -> None:
    page.goto(base(stack) + target)
    assert "/login" in page.url  # sent to the login page first
    page.fill("#username", ADMIN_USER)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("#submit")
    page.wait_for_url(re.compile(re.escape(target) + "$"))


def test_the_wallboard_shows_a_real_call_waiting_then_gone(stack: Hotline, page: Page,
                                                          tmp_path: Path) -> None:
    log_in(page, stack, "/wallboard")
    page.wait_for_selector("#link.up")
    caller = "081277700001"
    call = stack.call("112", caller, [Step(1500, "2")], 8000, tmp_path)
    row = page.locator(f'#waiting tr[data-caller="{caller}"]')
    row.wait_for()  # pushed: no reload; first in `emergency`, then the key moves it
    assert "emergency" in row.inner_text() or "fire" in row.inner_text()
    page.locator(f'#waiting tr[data-caller="{caller}"]', has_text="fire").wait_for()
    assert page.locator('#queues tr[data-queue="fire"] .waiting').inner_text() == "1"
    call.wait(timeout=60)
    row.wait_for(state="detached")
    page.locator("#abandoned tr", has_text=caller).wait_for()
    assert page.locator('#queues tr[data-queue="fire"] .abandoned').inner_text() == "1"


def test_an_admin_edits_a_flow_a_bad_edit_is_refused_and_rollback_restores(
        stack: Hotline, page: Page) -> None:
    log_in(page, stack, "/admin/flows")
    page.select_option("#flow", "112")
    page.wait_for_function("document.getElementById('text').value.includes('number')")
    original = page.input_value("#text")

    page.fill("#text", original.replace("queue: police", "queue: pizza"))
    page.click("#save")
    page.locator("#issues li", has_text="pizza").wait_for()
    assert "not saved" in page.inner_text("#result")

    edited = original.replace("name: Emergency 112", "name: Emergency 112 (night)")
    page.fill("#text", edited)
    page.click("#check")
    page.locator("#tree", has_text="Emergency 112 (night)").wait_for()
    page.click("#save")
    page.locator("#result", has_text="Saved: the next call uses it").wait_for()
    assert (stack.data_dir / "flows" / "112.yaml").read_text() == edited

    page.click("#rollback")
    page.locator("#result", has_text="back to").wait_for()
    page.wait_for_function("!document.getElementById('text').value.includes('(night)')")
    assert page.input_value("#text") == original
    assert not (stack.data_dir / "flows" / "112.yaml").exists()


def open311_post(stack: Hotline, **fields: str) -> dict[str, str]:
    """A GeoReport v2 POST as an Open311 client sends it (form-encoded, JSON reply)."""
    import json
    import urllib.parse
    import urllib.request

    body = urllib.parse.urlencode({"api_key": OPEN311_KEY, **fields}).encode()
    with urllib.request.urlopen(urllib.request.Request(
            base(stack) + "/open311/v2/requests.json", data=body, method="POST"),
            timeout=10) as reply:
        [made] = json.loads(reply.read())
    return dict(made)


def test_the_citizen_follows_a_report_on_a_phone_and_reopens_it(stack: Hotline,
                                                               page: Page) -> None:
    made = open311_post(stack, service_code="environment",
                        description="Rubbish by the school, call me on 0812-777",
                        address_string="Jl. Mawar 3", phone="081277700099")
    number, token = made["service_request_id"], made["token"]
    page.set_viewport_size({"width": 390, "height": 800})  # a phone
    page.goto(f"{base(stack)}/t/{token}")  # no login: the link is the key
    assert page.locator("#number").inner_text() == number
    body = page.locator("body").inner_text()
    for private in ("0812-777", "081277700099", "Jl. Mawar", "Rubbish by the school"):
        assert private not in body
    assert page.locator("#reopen").count() == 0
    for status, note in (("in_progress", ""), ("resolved", "Taken away on Tuesday")):
        code, reply = stack.post(f"/api/v1/tickets/{number}/status",
                                 {"status": status, "public_note": note, "note": ""})
        assert code == 200, reply
    page.reload()
    assert page.locator("#history li").count() == 3  # received, in progress, resolved
    assert "Taken away on Tuesday" in page.locator("#history").inner_text()
    page.fill("#reason", "The pile is back")
    page.click("#send")
    page.locator("#message").wait_for()
    assert page.locator("#history li").count() == 4
    code, ticket = stack.get(f"/api/v1/tickets/{number}")
    assert code == 200 and ticket["status"] == "in_progress"
