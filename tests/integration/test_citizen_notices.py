"""The citizen is told, on the live stack (`ivr run`), through a real local SMTP server
(aiosmtpd) and a local HTTP SMS gateway answering as Kannel's sendsms does: an Open311
report with a phone number and an e-mail address gets an SMS and an e-mail, each with the
tracking link, which opens the report in Chromium; the report's changes of status and public
notes are each told once, in an admin's wording once one is saved; after the citizen presses
"Stop messages" on the tracking page, nothing more is sent."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hotline import Hotline, free_port
from test_agency_inbox_browser import Mailbox
from test_console_browser import CHROMIUM, CHROMIUM_FLAGS

playwright = pytest.importorskip("playwright.sync_api")
smtp_controller = pytest.importorskip("aiosmtpd.controller")

pytestmark = pytest.mark.integration

OPEN311_KEY = "notices-test-open311-key"
PHONE, EMAIL = "081277700123", "dewi@citizen.invalid"
WAIT_S = 30


class Gateway(BaseHTTPRequestHandler):
    """Kannel's sendsms as a client sees it: GET with to and text, 202 when accepted."""

    received: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        self.received.append(query)
        self.send_response(202)
        self.end_headers()
        self.wfile.write(b"0: Accepted for delivery")

    def log_message(self, *args: Any) -> None:
        pass


GATEWAY: list[ThreadingHTTPServer] = []  # the one running now (stopped and started again)


def serve_gateway(port: int) -> ThreadingHTTPServer:
    """The SMS gateway listening on ``port`` (0: any free one)."""
    gateway = ThreadingHTTPServer(("127.0.0.1", port), Gateway)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    GATEWAY[:] = [gateway]
    return gateway


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hotline, Mailbox]]:
    box, smtp_port = Mailbox(), free_port()
    smtp = smtp_controller.Controller(box, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    gateway = serve_gateway(0)
    hotline = Hotline(
        tmp_path_factory.mktemp("notices"), IVR_SMTP_HOST="127.0.0.1",
        IVR_SMTP_PORT=str(smtp_port), IVR_SMTP_FROM="hotline@city.invalid",
        IVR_OPEN311_API_KEYS=OPEN311_KEY, IVR_DEFAULT_LANGUAGE="en", IVR_NOTIFY_EVERY="1",
        IVR_NOTIFY_SMS_URL=f"http://127.0.0.1:{gateway.server_port}/cgi-bin/sendsms?"
                           "username=hotline&password=$password&to=$to&text=$text",
        IVR_NOTIFY_SMS_PASSWORD="gateway-secret")
    hotline.env["IVR_NOTIFY_PUBLIC_URL"] = f"http://127.0.0.1:{hotline.ports['web']}"
    hotline.start()
    yield hotline, box
    hotline.stop()
    GATEWAY[0].shutdown()
    smtp.stop()


def texts_to(number: str) -> list[str]:
    return [sms["text"] for sms in Gateway.received if sms.get("to") == number]


def mails_to(box: Mailbox, address: str) -> list[Message]:
    return [message_from_bytes(content) for rcpts, content in box.messages if address in rcpts]


def wait_for(what: str, found: Any, count: int) -> list[Any]:
    deadline = time.monotonic() + WAIT_S
    while len(found()) < count and time.monotonic() < deadline:
        time.sleep(0.3)
    assert len(found()) >= count, f"{what}: {found()}"
    return found()


def report(stack: Hotline) -> dict[str, str]:
    body = urllib.parse.urlencode({
        "api_key": OPEN311_KEY, "service_code": "roads", "phone": PHONE, "email": EMAIL,
        "description": "Pothole on Jl. Dago 45", "address_string": "Jl. Dago 45"}).encode()
    with urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{stack.ports['web']}/open311/v2/requests.json", data=body,
            method="POST"), timeout=10) as reply:
        [made] = json.loads(reply.read())
    return dict(made)


def test_the_citizen_is_told_each_step_in_the_admin_s_words_until_they_stop(
        stack: tuple[Hotline, Mailbox], tmp_path: Path) -> None:
    hotline, box = stack
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run scripts/setup-host.sh (make test does)")
    made = report(hotline)
    number, token = made["service_request_id"], made["token"]
    link = f"http://127.0.0.1:{hotline.ports['web']}/t/{token}"

    [sms] = wait_for("the SMS of the new report", lambda: texts_to(PHONE), 1)
    assert number in sms and sms.endswith(link) and "was received" in sms
    assert Gateway.received[0]["password"] == "gateway-secret"
    [mail] = wait_for("the e-mail of the new report", lambda: mails_to(box, EMAIL), 1)
    assert number in str(mail["Subject"]) and link in mail.get_payload(decode=True).decode()

    status, _ = hotline.post(f"/api/v1/tickets/{number}/status", {
        "status": "in_progress", "note": "crew 3", "public_note": "A crew is on its way"})
    assert status == 200
    texts = wait_for("the SMS of the change", lambda: texts_to(PHONE), 2)
    assert "now being worked on. A crew is on its way" in texts[1]
    assert "crew 3" not in texts[1]  # the internal note stays inside

    # An admin words the status notice; the next one says it so.
    status, saved = hotline.request("PUT", "/api/v1/notices/templates/status/en", {
        "subject": "Report $number", "body": "Report $number: $status. $note See $link"})
    assert status == 200, saved
    status, refused = hotline.request("PUT", "/api/v1/notices/templates/status/en", {
        "subject": "", "body": "Report $number: $mood"})
    assert (status, refused["error_id"]) == (400, "bad-template")
    hotline.post(f"/api/v1/tickets/{number}/status",
                 {"status": "resolved", "note": "", "public_note": "Filled on Tuesday"})
    texts = wait_for("the SMS in the admin's words", lambda: texts_to(PHONE), 3)
    assert texts[2] == f"Report {number}: resolved. Filled on Tuesday See {link}"
    assert len(wait_for("the e-mails", lambda: mails_to(box, EMAIL), 3)) == 3

    with playwright.sync_playwright() as driver:  # the link from the SMS, on a phone
        context = driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS)
        context.set_default_timeout(WAIT_S * 1000)
        page = context.new_page()
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto(texts[0].rsplit(" ", 1)[1])
        page.locator("body", has_text=number).wait_for()
        page.click("#stop-send")
        page.locator("#message", has_text="no more messages").wait_for()
        context.close()

    hotline.post(f"/api/v1/tickets/{number}/status",
                 {"status": "closed", "note": "", "public_note": "Closed"})
    time.sleep(4)  # several notice and send passes
    assert len(texts_to(PHONE)) == 3 and len(mails_to(box, EMAIL)) == 3


def test_with_the_gateway_stopped_the_sms_goes_out_once_when_it_is_back(
        stack: tuple[Hotline, Mailbox]) -> None:
    hotline, box = stack
    phone = "081277700456"
    body = urllib.parse.urlencode({
        "api_key": OPEN311_KEY, "service_code": "roads", "phone": phone,
        "description": "Broken kerb", "address_string": "Jl. Riau 3"}).encode()
    with urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{hotline.ports['web']}/open311/v2/requests.json", data=body,
            method="POST"), timeout=10) as reply:
        [made] = json.loads(reply.read())
    wait_for("the SMS of the new report", lambda: texts_to(phone), 1)

    port = GATEWAY[0].server_port
    GATEWAY[0].shutdown()  # the gateway is stopped: connections refused
    GATEWAY[0].server_close()
    status, _ = hotline.post(f"/api/v1/tickets/{made['service_request_id']}/status", {
        "status": "in_progress", "note": "", "public_note": "On its way"})
    assert status == 200
    time.sleep(6)  # notice and send passes: the try fails, the message waits
    assert len(texts_to(phone)) == 1
    serve_gateway(port)  # back; the outbox tries again 30 s after the failed try
    deadline = time.monotonic() + 60
    while len(texts_to(phone)) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    texts = texts_to(phone)
    assert len(texts) == 2 and "On its way" in texts[1], texts
    time.sleep(5)  # more passes: sent once
    assert len(texts_to(phone)) == 2
