"""Agencies work their tickets on the live stack, with a real local SMTP server (aiosmtpd).

In headless Chromium an agency user of the Public Works Agency logs in, accepts a ticket,
adds a public note and resolves it; the citizen's tracking link shows each step, the status
by phone (a SIPp call) says resolved, and Open311 shows it closed with the notes. A ticket
made overdue is red in the inbox, on the hotline supervisor's wallboard, and its e-mail
reaches the SMTP server (agency and hotline addresses). Another agency's user is refused
that agency's tickets (403) and does not see them listed. A ticket handed back is at the
default agency with the reason; a ticket the citizen reopens is back in its agency's inbox
with the citizen's reason.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from hotline import Hotline, call_id_of, free_port, service_log
from sipp import Step
from test_console_browser import CHROMIUM, CHROMIUM_FLAGS

playwright = pytest.importorskip("playwright.sync_api")
smtp_controller = pytest.importorskip("aiosmtpd.controller")

pytestmark = pytest.mark.integration

AGENCY_MAIL, HOTLINE_MAIL = "public-works@city.invalid", "hotline-supervisors@city.invalid"
RINA, EKO, PASSWORD = "rina", "eko", "agency-staff-pass-1"
TICKET = {"kind": "complaint", "category": "roads", "language": "en",
          "description": "Deep pothole in front of the market", "address": "Jl. Pasar 3"}


class Mailbox:
    """The SMTP server's handler: every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    server = smtp_controller.Controller(box, hostname="127.0.0.1", port=port)
    server.start()
    yield box, port
    server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          mailbox: tuple[Mailbox, int]) -> Iterator[Hotline]:
    hotline = Hotline(tmp_path_factory.mktemp("agency"), IVR_SMTP_HOST="127.0.0.1",
                      IVR_SMTP_PORT=str(mailbox[1]), IVR_ESCALATION_EMAIL=HOTLINE_MAIL,
                      IVR_TICKET_ESCALATE_EVERY="1")
    hotline.start()
    for name, agency in ((RINA, "public_works"), (EKO, "environment")):
        status, body = hotline.post("/api/v1/users", {
            "username": name, "role": "agency", "password": PASSWORD, "agencies": [agency]})
        assert status == 201, body
    yield hotline
    hotline.stop()


def as_staff(stack: Hotline, user: str, method: str, path: str,
             body: Any = None) -> tuple[int, Any]:
    """An API call as an agency user (HTTP Basic)."""
    headers = {"Authorization": "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode())
               .decode()}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    request = urllib.request.Request(f"http://127.0.0.1:{stack.ports['web']}{path}",
                                     data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def new_ticket(stack: Hotline, call_id: str, **fields: Any) -> dict[str, Any]:
    status, body = stack.post(f"/api/v1/calls/{call_id}/ticket", {**TICKET, **fields})
    assert status == 201, body
    return body


def page_text(stack: Hotline, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.ports['web']}{path}",
                                timeout=10) as reply:
        return reply.read().decode()


def database(stack: Hotline) -> sqlite3.Connection:
    return sqlite3.connect(stack.data_dir / "hotline.sqlite3", timeout=10)


def log_in(page: Any, stack: Hotline, user: str, password: str, path: str) -> None:
    page.goto(f"http://127.0.0.1:{stack.ports['web']}{path}")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def browser(driver: Any, tmp_path: Path, name: str) -> Any:
    context = driver.chromium.launch_persistent_context(
        str(tmp_path / name), executable_path=str(CHROMIUM), headless=True,
        args=CHROMIUM_FLAGS)
    context.set_default_timeout(30_000)
    return context


def test_an_agency_accepts_notes_and_resolves_and_the_citizen_sees_each_step(
        stack: Hotline, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run scripts/setup-host.sh (make test does)")
    ticket = new_ticket(stack, "agency-it.1")
    number = ticket["number"]
    with playwright.sync_playwright() as driver:
        context = browser(driver, tmp_path, "rina")
        page = context.new_page()
        log_in(page, stack, RINA, PASSWORD, "/agency")  # an agency user's home
        page.click(f'#inbox tr[data-number="{number}"]')
        page.locator("#t-number", has_text=number).wait_for()
        page.click("#accept")
        page.locator("#t-status", has_text="in_progress").wait_for()
        page.fill("#note", "A crew is booked for Monday morning")
        page.check("#note-public")
        page.press("#note", "Enter")
        page.locator("#history td", has_text="A crew is booked for Monday morning").wait_for()
        page.fill("#resolve-note", "Filled and rolled on Monday")
        page.press("#resolve-note", "Enter")
        page.locator("#t-status", has_text="resolved").wait_for()
        context.close()

    tracking = page_text(stack, ticket["tracking_path"])
    for step in ("A crew is booked for Monday morning", "Filled and rolled on Monday"):
        assert step in tracking
    assert "Resolved" in tracking or "resolved" in tracking
    assert "Public Works Agency" in tracking

    status, body = stack.get(f"/open311/v2/requests/{number}.json")
    assert status == 200, body
    assert body[0]["status"] == "closed"
    assert "Filled and rolled on Monday" in body[0]["status_notes"]

    # The citizen asks by phone, in English: status (2), the number, #.
    asker = "082300000901"
    call = stack.call("12345", asker, [Step(1500, "2"), Step(2000, "2"),
                                       Step(2000, number + "#")], 12_000, tmp_path)
    assert call.wait(timeout=60) == 0
    call_id = call_id_of(stack, asker)
    assert f"call {call_id}: ticket {number} is resolved" in service_log(stack, "fastagi")


def test_another_agency_is_refused_and_does_not_see_the_ticket(stack: Hotline) -> None:
    number = new_ticket(stack, "agency-it.2")["number"]
    for method, path, body in (
            ("GET", f"/api/v1/agency/tickets/{number}", None),
            ("POST", f"/api/v1/agency/tickets/{number}/accept", {}),
            ("POST", f"/api/v1/agency/tickets/{number}/resolve", {"note": "not mine"}),
            ("GET", "/api/v1/agency/tickets?agency=public_works", None),
            ("GET", f"/api/v1/tickets/{number}", None),
            ("GET", "/api/v1/queues", None)):
        status, reply = as_staff(stack, EKO, method, path, body)
        assert (status, reply["error_id"]) == (403, "forbidden"), (method, path, reply)
    status, inbox = as_staff(stack, EKO, "GET", "/api/v1/agency/tickets")
    assert status == 200 and inbox["agencies"] == ["environment"]
    assert number not in [t["number"] for t in inbox["tickets"]]
    status, inbox = as_staff(stack, RINA, "GET", "/api/v1/agency/tickets")
    assert number in [t["number"] for t in inbox["tickets"]]


def test_an_overdue_ticket_is_red_on_both_pages_and_mailed(
        stack: Hotline, tmp_path: Path, mailbox: tuple[Mailbox, int]) -> None:
    box, _ = mailbox
    number = new_ticket(stack, "agency-it.3")["number"]
    with database(stack) as db:  # its deadline passed a day ago; the agency has an address
        db.execute("UPDATE tickets SET due_at = datetime('now', '-1 day') WHERE number = ?",
                   (number,))
        db.execute("UPDATE agencies SET email = ? WHERE code = 'public_works'",
                   (AGENCY_MAIL,))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        mailed = [rcpts for rcpts, content in box.messages if number.encode() in content]
        if len(mailed) >= 2:
            break
        time.sleep(0.5)
    assert sorted(r for rcpts in mailed for r in rcpts) == sorted([AGENCY_MAIL, HOTLINE_MAIL])
    subject = message_from_bytes(next(c for _, c in box.messages if number.encode() in c))
    assert number in str(subject["Subject"])
    with playwright.sync_playwright() as driver:
        context = browser(driver, tmp_path, "overdue")
        page = context.new_page()
        log_in(page, stack, RINA, PASSWORD, "/agency")
        page.locator(f'#inbox tr.overdue[data-number="{number}"]').wait_for()
        first = page.locator("#inbox tbody tr").first.get_attribute("data-number")
        assert first == number  # overdue first
        context.close()
        context = browser(driver, tmp_path, "supervisor")
        board = context.new_page()
        log_in(board, stack, stack.env["IVR_ADMIN_USER"], stack.env["IVR_ADMIN_PASSWORD"],
               "/wallboard")
        board.locator(f'#overdue tr.overdue[data-number="{number}"]').wait_for()
        context.close()
    time.sleep(2.5)  # more escalation passes: nothing is mailed twice
    assert len([1 for _, c in box.messages if number.encode() in c]) == 2


def test_handed_back_and_reopened_tickets_go_where_they_should(stack: Hotline) -> None:
    back = new_ticket(stack, "agency-it.4")["number"]
    status, body = as_staff(stack, RINA, "POST", f"/api/v1/agency/tickets/{back}/handback",
                            {"reason": "this is a provincial road"})
    assert (status, body["agency"], body["status"]) == (200, "citizen_service", "received")
    status, inbox = stack.get("/api/v1/agency/tickets?agency=citizen_service")
    assert back in [t["number"] for t in inbox["tickets"]]
    status, one = stack.get(f"/api/v1/agency/tickets/{back}")
    assert one["history"][-1]["note"] == "handed back by public_works: this is a provincial road"
    # On the hotline's re-route list, with the agency's reason, until it is routed on.
    status, waiting = stack.get("/api/v1/agency/handed-back")
    assert status == 200, waiting
    assert {t["number"]: t["handed_back"] for t in waiting["tickets"]}[back] == (
        "handed back by public_works: this is a provincial road")
    status, _ = as_staff(stack, RINA, "GET", "/api/v1/agency/handed-back")
    assert status == 403  # routing on is the hotline's
    status, routed = stack.post(f"/api/v1/agency/tickets/{back}/assign",
                                {"agency": "environment", "note": "drainage"})
    assert (status, routed["agency"], routed["status"]) == (200, "environment", "assigned")
    status, waiting = stack.get("/api/v1/agency/handed-back")
    assert back not in [t["number"] for t in waiting["tickets"]]

    # The citizen reopens a resolved ticket from the tracking page, with a reason.
    ticket = new_ticket(stack, "agency-it.5")
    number = ticket["number"]
    as_staff(stack, RINA, "POST", f"/api/v1/agency/tickets/{number}/accept", {})
    status, _ = as_staff(stack, RINA, "POST", f"/api/v1/agency/tickets/{number}/resolve",
                         {"note": "done"})
    assert status == 200
    page = page_text(stack, ticket["tracking_path"])
    csrf = re.search(r'id="reopen".*?name="csrf_token" value="([^"]+)"', page, re.DOTALL)
    assert csrf, page
    data = urllib.parse.urlencode({"csrf_token": csrf.group(1),
                                   "reason": "the hole is back after the rain"}).encode()
    with urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{stack.ports['web']}{ticket['tracking_path']}/reopen",
            data=data, method="POST"), timeout=10) as reply:
        assert reply.status == 200
    status, inbox = as_staff(stack, RINA, "GET", "/api/v1/agency/tickets")
    [row] = [t for t in inbox["tickets"] if t["number"] == number]
    assert row["status"] == "in_progress"
    status, one = as_staff(stack, RINA, "GET", f"/api/v1/agency/tickets/{number}")
    assert "the hole is back after the rain" in one["history"][-1]["note"]


def scorecard_line(stack: Hotline) -> dict[str, Any]:
    status, card = as_staff(stack, RINA, "GET", "/api/v1/reports/scorecard")
    assert status == 200, card
    [line] = card["lines"]  # rina's own agency only
    return line


def test_the_scorecard_counts_a_ticket_resolved_in_time(stack: Hotline,
                                                         tmp_path: Path) -> None:
    before = scorecard_line(stack)
    assert before["agency"] == "public_works" and before["satisfaction"] is None
    number = new_ticket(stack, "agency-it.6")["number"]
    as_staff(stack, RINA, "POST", f"/api/v1/agency/tickets/{number}/accept", {})
    status, _ = as_staff(stack, RINA, "POST", f"/api/v1/agency/tickets/{number}/resolve",
                         {"note": "patched"})
    assert status == 200
    after = scorecard_line(stack)
    counts = ("responses", "responded_on_time", "resolutions", "resolved_on_time")
    assert [after[k] - before[k] for k in counts] == [1, 1, 1, 1]
    assert after["response_rate"] == round(after["responded_on_time"] / after["responses"], 4)
    status, _ = as_staff(stack, RINA, "GET", "/api/v1/reports/scorecard?month=2026-13")
    assert status == 400
    with playwright.sync_playwright() as driver:  # the page, as the agency's staff sees it
        context = browser(driver, tmp_path, "scorecard")
        page = context.new_page()
        log_in(page, stack, RINA, PASSWORD, "/scorecard")
        row = page.locator('tr[data-key="public_works"]')
        row.wait_for()
        assert f"({after['resolved_on_time']}/{after['resolutions']})" in row.locator(
            "td.resolution").inner_text()
        assert page.locator('tr[data-key="environment"]').count() == 0
        context.close()
