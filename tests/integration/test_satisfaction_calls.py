"""The satisfaction follow-up on the live stack (`ivr run` with Asterisk, redis and the
database): a SIPp citizen reports a broken street light by phone (12345, a real IVR report
with a recording); an agency resolves the ticket; the AMI service calls the citizen back
from 12345 through the outbound trunk (a SIPp citizen phone that answers and presses 4, then
# to skip the comment); the ticket shows the rating, and the agencies' scorecard counts it in
its satisfaction rate. A second citizen never answers: the follow-up is tried twice, then
an SMS with the tracking page's rating form goes to a local HTTP SMS gateway."""

from __future__ import annotations

import re
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from dtmf_pcap import write_dtmf_pcap
from hotline import (
    Hotline,
    call_id_of,
    free_tcp_and_udp_port,
    media_port,
    service_log,
    wait_until,
)
from sipp import Step
from sipp_operator import OperatorPhone

pytestmark = pytest.mark.integration

REPORTER, ABSENT = "081299900401", "081299900402"
# Follow-ups made quick: at once after the resolution, any hour, 2 tries 2 s apart.
SURVEYS = {"IVR_SURVEY_AFTER": "0", "IVR_SURVEY_HOURS": "00:00-24:00",
           "IVR_SURVEY_CHECK_EVERY": "1", "IVR_SURVEY_EVERY": "2", "IVR_SURVEY_RING": "4",
           "IVR_SURVEY_TRIES": "2", "IVR_SURVEY_MAX_IN_FLIGHT": "1"}


class Gateway(BaseHTTPRequestHandler):
    """An HTTP SMS gateway as Kannel's sendsms answers: 202 when accepted."""

    received: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.received.append(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query)))
        self.send_response(202)
        self.end_headers()
        self.wfile.write(b"0: Accepted for delivery")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def citizen_port() -> tuple[int, int]:
    return free_tcp_and_udp_port(), media_port()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          citizen_port: tuple[int, int]) -> Iterator[Hotline]:
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    sms_url = f"http://127.0.0.1:{gateway.server_port}/cgi-bin/sendsms?to=$to&text=$text"
    hotline = Hotline(tmp_path_factory.mktemp("satisfaction"),
                      IVR_OUTBOUND_TRUNK=f"127.0.0.1:{citizen_port[0]}",
                      IVR_NOTIFY_SMS_URL=sms_url, IVR_NOTIFY_EVERY="1",
                      IVR_NOTIFY_PUBLIC_URL="https://hotline.example", **SURVEYS)
    hotline.start()
    yield hotline
    hotline.stop()
    gateway.shutdown()


def report_by_phone(stack: Hotline, caller: str, workdir: Path) -> str:
    """A real 12345 report: Indonesian, report, public utilities, spoken, #; the number is
    read back and the caller hangs up. Returns the ticket's number."""
    description = workdir / f"description-{caller}.wav"
    subprocess.run(["espeak-ng", "-v", "id", "-w", str(description),
                    "Lampu jalan mati di jalan Dago"], check=True)
    call = stack.call("12345", caller, [
        Step(1500, "1"), Step(2000, "1"), Step(2000, "2"),
        Step(7000, "", audio=description), Step(4500, "#")], 9000, workdir)
    assert call.wait(timeout=90) == 0
    call_id = call_id_of(stack, caller)
    found = re.search(rf"call {re.escape(call_id)}: ticket (\d+) opened",
                      service_log(stack, "fastagi"))
    assert found, f"no ticket opened for {caller}"
    return found.group(1)


def resolve(stack: Hotline, number: str) -> None:
    for status, note in (("in_progress", ""), ("resolved", "The lamp was replaced.")):
        code, body = stack.post(f"/api/v1/tickets/{number}/status",
                                {"status": status, "note": "agency work", "public_note": note})
        assert code == 200, body


def ticket(stack: Hotline, number: str) -> dict[str, Any]:
    code, body = stack.get(f"/api/v1/tickets/{number}")
    assert code == 200, body
    return body


def test_a_resolved_phone_ticket_is_followed_up_and_the_rating_counts(
        stack: Hotline, citizen_port: tuple[int, int], tmp_path: Path) -> None:
    number = report_by_phone(stack, REPORTER, tmp_path)
    status, before = stack.get("/api/v1/reports/scorecard")
    assert status == 200, before
    [line] = [x for x in before["lines"] if x["agency"] == ticket(stack, number)["agency"]]
    assert (line["ratings"], line["satisfaction"]) == (0, None)

    # The citizen's phone: answers after 1 s, presses 4 during the question, then # to skip
    # the comment; stays on until the hotline hangs up.
    four = write_dtmf_pcap(tmp_path / "key-4.pcap", "4", seq=2000, timestamp=160_000)
    pound = write_dtmf_pcap(tmp_path / "key-pound.pcap", "#", seq=3000, timestamp=320_000)
    phone = OperatorPhone("citizen", citizen_port[0], citizen_port[1], tmp_path,
                          answer_after_ms=1000, presses=((3000, str(four)),
                                                         (4000, str(pound))))
    phone.start(calls=1)
    try:
        resolve(stack, number)
        rated = wait_until(lambda: ticket(stack, number)["satisfaction"]["rating"], 60,
                           "the follow-up's rating on the ticket")
        assert rated == 4
        assert phone.dialled() == [REPORTER]  # called once, from the trunk, at their number
        assert phone.offered() == ["12345"]  # the hotline's number on the citizen's phone
    finally:
        phone.stop()
    follow_up = ticket(stack, number)["satisfaction"]
    assert (follow_up["follow_up"], follow_up["rated_by"]) == ("rated", "call")
    assert f"follow-up of ticket {number}: rated 4" in service_log(stack, "fastagi")
    _, after = stack.get("/api/v1/reports/scorecard")
    [line] = [x for x in after["lines"] if x["agency"] == line["agency"]]
    assert (line["ratings"], line["satisfied"], line["satisfaction"]) == (1, 1, 1.0)


def test_a_citizen_who_never_answers_gets_the_sms_survey_once(
        stack: Hotline, citizen_port: tuple[int, int], tmp_path: Path) -> None:
    number = report_by_phone(stack, ABSENT, tmp_path)
    phone = OperatorPhone("absent", citizen_port[0], citizen_port[1], tmp_path, answers=False)
    phone.start(calls=10, at_once=3)
    try:
        resolve(stack, number)
        wait_until(lambda: ticket(stack, number)["satisfaction"]["follow_up"] == "sms", 60,
                   "the follow-up given up for the SMS")
        assert phone.dialled().count(ABSENT) == 2  # IVR_SURVEY_TRIES
    finally:
        phone.stop()
    token = ticket(stack, number)["tracking_path"]
    surveys = wait_until(lambda: [m for m in Gateway.received if token in m.get("text", "")
                                  and "1 sampai 5" in m["text"]], 30, "the SMS survey sent")
    assert [m["to"] for m in surveys] == [ABSENT]
