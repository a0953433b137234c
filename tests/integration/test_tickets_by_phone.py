"""12345 by phone: a report becomes a ticket (with its recording) whose number the caller
hears; the status path reads it back; an unknown number is said so, with one more try."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from hotline import Hotline, call_id_of, number_read_back_ms, service_log, wait_until
from sipp import Step

pytestmark = pytest.mark.integration

CONNECTING_S = 4


def ticket_opened(hotline: Hotline, caller: str) -> str:
    call_id = call_id_of(hotline, caller)
    found = re.search(rf"call {re.escape(call_id)}: ticket (\d+) opened", service_log(
        hotline, "fastagi"))
    assert found, f"no ticket opened for {caller}"
    return found.group(1)


def digits_heard(hotline: Hotline) -> dict[str, str]:
    """Channel -> the digit prompts Asterisk played on it, in order (from its own log)."""
    heard: dict[str, str] = {}
    for found in re.finditer(r"<(\S+)> Playing '[^']*/digits/(\d)\.\w+'",
                             service_log(hotline, "asterisk")):
        heard[found.group(1)] = heard.get(found.group(1), "") + found.group(2)
    return heard


def test_report_then_status_by_phone(hotline: Hotline, calls_dir: Path):
    reporter = "082300000101"
    description = calls_dir / "description.wav"
    subprocess.run(["espeak-ng", "-v", "id", "-w", str(description),
                    "Ada sampah menumpuk di jalan Merdeka"], check=True)
    # Indonesian (1), report (1), waste and environment (3); the description prompt (6 s)
    # and the beep, then the caller talks (about 3 s) and presses #; the number is read
    # twice (about 17 s, 22 at most); then 1 for an operator.
    read_back = number_read_back_ms()
    steps = [Step(1500, "1"), Step(2000, "1"), Step(2000, "3"),
             Step(7000, "", audio=description), Step(4500, "#"), Step(read_back, "1")]
    report = hotline.call("12345", reporter, steps, 12000, calls_dir)
    queue, entry = hotline.wait_for_caller(
        reporter, 1.5 + 2 + 2 + 11.5 + read_back / 1000 + CONNECTING_S + 5)
    number = ticket_opened(hotline, reporter)
    assert (queue, entry["language"], entry["ticket"]) == ("hotline", "id", number)
    assert number * 2 in digits_heard(hotline).values()  # the caller heard it, twice
    # ... and, waiting, hears the hold music (an empty `default` class was silence).
    wait_until(lambda: "Started music on hold, class 'default'" in service_log(
        hotline, "asterisk"), 10, "the hold music playing")
    assert "class 'default' not found" not in service_log(hotline, "asterisk")
    assert report.wait(timeout=60) == 0

    status, body = hotline.get(f"/open311/v2/requests/{number}.json")
    assert status == 200, body
    ticket = body[0]
    assert ticket["service_request_id"] == number
    assert ticket["service_code"] == "environment"
    assert ticket["status"] == "open"
    recordings = list((hotline.data_dir / "recordings").rglob("*-environment.wav"))
    # About 3 s of 8 kHz 16-bit audio, at least.
    assert recordings and recordings[0].stat().st_size > 2 * 8000 * 2

    # Another caller asks for that ticket's status, in English.
    asker = "082300000102"
    steps = [Step(1500, "2"), Step(2000, "2"), Step(2000, number + "#"), Step(16000, "0")]
    ask = hotline.call("12345", asker, steps, 10000, calls_dir)
    queue, entry = hotline.wait_for_caller(asker, 1.5 + 2 + 2 + 3 + 16 + CONNECTING_S + 5)
    assert (queue, entry["language"]) == ("hotline", "en")
    call_id = call_id_of(hotline, asker)
    assert f"call {call_id}: ticket {number} is received" in service_log(hotline, "fastagi")
    assert ask.wait(timeout=60) == 0


def test_an_unknown_ticket_number_is_said_so_with_one_more_try(hotline: Hotline,
                                                                calls_dir: Path):
    caller = "082300000201"
    steps = [Step(1500, "1"), Step(2000, "2"), Step(2000, "12345678#"),
             Step(5500, "87654321#"), Step(6000, "0")]
    call = hotline.call("12345", caller, steps, 10000, calls_dir)
    queue, _ = hotline.wait_for_caller(caller, 1.5 + 2 + 2 + 3 + 5.5 + 3 + 6 + CONNECTING_S + 5)
    assert queue == "hotline"
    call_id = call_id_of(hotline, caller)
    log = service_log(hotline, "fastagi")
    assert f"call {call_id}: ticket '12345678' not found" in log
    assert f"call {call_id}: ticket '87654321' not found" in log
    assert call.wait(timeout=60) == 0
