"""The database away during real calls loses nothing: with the SQLite database locked by
another process (as a backup or a stuck writer would), a 12345 caller reports a problem and
waits for an operator, and a 112 caller waits in emergency; both hang up unanswered. Their
ticket, the 112 incident and both call records wait in the spool; once the lock is gone, the
web service's flush writes each of them to the database exactly once."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hotline import Hotline, call_id_of, number_read_back_ms
from sipp import Step
from test_tickets_by_phone import ticket_opened

from ivr.tickets.desk import DB_TIMEOUT_S

pytestmark = pytest.mark.integration

REPORTER, EMERGENCY = "082300000901", "081234500901"
LANDED_WITHIN_S = 90  # the flush runs every 30 s and backs off after a failed pass


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    hotline = Hotline(tmp_path_factory.mktemp("outage"))
    hotline.start()
    yield hotline
    hotline.stop()


def spooled(stack: Hotline) -> str:
    spool = stack.data_dir / "tickets" / "spool.jsonl"
    return spool.read_text() if spool.exists() else ""


def spooled_calls(stack: Hotline) -> dict[str, str]:
    """Caller number -> unique id of the call records waiting in the spool."""
    lines = [json.loads(line) for line in spooled(stack).splitlines() if line.strip()]
    return {r["caller_number"]: r["unique_id"] for r in lines if r.get("record") == "call"}


def counts(db: sqlite3.Connection, number: str, reporter: str, emergency: str
           ) -> tuple[int, int, int, int]:
    """Rows of: the ticket, the 112 incident, and each caller's call records."""
    one = lambda sql, *args: db.execute(sql, args).fetchone()[0]  # noqa: E731
    return (one("SELECT count(*) FROM tickets WHERE number = ?", number),
            one("SELECT count(*) FROM incidents WHERE unique_id = ?", emergency),
            one("SELECT count(*) FROM queue_calls WHERE unique_id = ?", reporter),
            one("SELECT count(*) FROM queue_calls WHERE unique_id = ? AND queue = 'emergency'",
                emergency))


def test_a_locked_database_during_calls_loses_no_ticket_incident_or_call_record(
        stack: Hotline, tmp_path: Path) -> None:
    description = tmp_path / "description.wav"
    subprocess.run(["espeak-ng", "-v", "id", "-w", str(description),
                    "Lampu jalan mati di jalan Dago"], check=True)
    lock = sqlite3.connect(stack.data_dir / "hotline.sqlite3", timeout=10,
                           isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # nobody else writes until we let go
    try:
        # Indonesian, report, public utilities; speak, #; the desk waits out the locked
        # database (DB_TIMEOUT_S) and spools; the number is read twice; then 1 for an
        # operator (a key pressed during the read-back is not heard).
        after_hash_ms = int(DB_TIMEOUT_S * 1000) + number_read_back_ms()
        report = stack.call("12345", REPORTER, [
            Step(1500, "1"), Step(2000, "1"), Step(2000, "2"),
            Step(7000, "", audio=description), Step(4500, "#"), Step(after_hash_ms, "1")],
            8000, tmp_path)
        emergency = stack.call("112", EMERGENCY, [], 10_000, tmp_path)
        assert stack.wait_for_caller(EMERGENCY, 5)[0] == "emergency"
        queue, entry = stack.wait_for_caller(REPORTER, 60)
        number = ticket_opened(stack, REPORTER)  # the caller heard a number all the same
        assert (queue, entry["ticket"]) == ("hotline", number)
        assert emergency.wait(timeout=60) == 0 and report.wait(timeout=90) == 0
        deadline = time.monotonic() + 20  # the AMI service writes the abandons moments later
        while time.monotonic() < deadline and len(spooled_calls(stack)) < 2:
            time.sleep(0.5)
        calls = spooled_calls(stack)
        assert set(calls) == {REPORTER, EMERGENCY}, calls
        reporter_id, emergency_id = calls[REPORTER], calls[EMERGENCY]
        assert reporter_id == call_id_of(stack, REPORTER)  # the call the FastAGI served
        lines = spooled(stack)
        assert number in lines and f'"unique_id": "{emergency_id}"' in lines, lines
    finally:
        lock.execute("ROLLBACK")
        lock.close()

    db = sqlite3.connect(stack.data_dir / "hotline.sqlite3", timeout=10)
    try:
        deadline = time.monotonic() + LANDED_WITHIN_S
        found = counts(db, number, reporter_id, emergency_id)
        while found != (1, 1, 1, 1) and time.monotonic() < deadline:
            time.sleep(1)
            found = counts(db, number, reporter_id, emergency_id)
        assert found == (1, 1, 1, 1)  # each exactly once
        assert db.execute("SELECT outcome FROM queue_calls WHERE unique_id = ?",
                          (reporter_id,)).fetchone() == ("abandoned",)
    finally:
        db.close()
    assert spooled(stack).strip() == ""  # nothing left waiting
    status, ticket = stack.get(f"/api/v1/tickets/{number}")
    assert (status, ticket["category"], ticket["caller_number"]) == (200, "utilities",
                                                                      REPORTER)
