"""Faults under a steady load of real calls, counted from Asterisk's own queue_log and the
database (issue 16's fault suite, short form; `make faults` runs the full form).

A stack with no operator takes a steady stream of SIPp calls, 112 and 12345 (Indonesian,
then 0 for an operator) alternating, one a second, each holding 9 s in line and hanging up.
A few seconds into the stream one of our services is killed with SIGKILL; the supervisor of
`ivr run` starts it again. For each fault the test counts calls offered (SIPp's own exit
codes), calls that reached a queue (ENTERQUEUE lines of Asterisk's queue_log, by caller
number), calls lost, and call records (`queue_calls`, once the AMI service wrote them), and
asserts the promises: every 112 and every 12345 call reached a queue, no call was lost, and
every call that reached a queue has its call record, once. The figures are printed as a
table; `make faults` keeps its table in bench/results/faults.md with the command.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hotline import Hotline, wait_until
from sipp import Step

pytestmark = pytest.mark.integration

FULL = os.environ.get("FAULTS_FULL") == "1"  # make faults
CALLS = 60 if FULL else 16  # one a second
KILL_AFTER = 5  # calls placed before the fault
HOLD_MS = 9000
# The faults: our Python services killed with SIGKILL mid-load (`ivr run` restarts them).
FAULTS = {"agi": "FastAGI killed (-9)", "web": "web service killed (-9)",
          "ami": "AMI service killed (-9)", "roster": "roster service killed (-9)"}
SHORT = ("agi", "web")
RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"
FIGURES: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    hotline = Hotline(tmp_path_factory.mktemp("faults"))
    hotline.start()
    yield hotline
    hotline.stop()
    write_table(RESULTS / "faults.md" if FULL else hotline.data_dir / "faults-short.md")


def service_pid(stack: Hotline, service: str) -> int:
    """The pid of `ivr serve <service>` of this stack (found by its environment)."""
    pid = running_pid(stack, service)
    assert pid is not None, f"no `ivr serve {service}` running for {stack.data_dir}"
    return pid


def running_pid(stack: Hotline, service: str) -> int | None:
    marker = f"IVR_DATA_DIR={stack.data_dir}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            if b"serve" in cmdline and service.encode() in cmdline and \
                    marker in (proc / "environ").read_bytes().split(b"\0"):
                return int(proc.name)
        except OSError:
            continue
    return None


def entered(stack: Hotline) -> dict[str, str]:
    """Caller number -> the queue they first entered, from Asterisk's queue_log."""
    log = stack.data_dir / "logs" / "asterisk" / "queue_log"
    found: dict[str, str] = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        parts = line.split("|")
        if len(parts) >= 7 and parts[4] == "ENTERQUEUE":
            found.setdefault(parts[6], parts[2])
    return found


def call_records(stack: Hotline, callers: list[str]) -> dict[str, int]:
    with sqlite3.connect(stack.data_dir / "hotline.sqlite3", timeout=10) as db:
        rows = db.execute(
            f"SELECT caller_number, COUNT(*) FROM queue_calls WHERE caller_number IN "
            f"({','.join('?' * len(callers))}) GROUP BY caller_number", callers).fetchall()
    return dict(rows)


@pytest.mark.parametrize("service", list(FAULTS) if FULL else list(SHORT))
def test_every_call_reaches_a_queue_and_is_recorded_when_a_service_is_killed(
        stack: Hotline, service: str, tmp_path: Path) -> None:
    index = list(FAULTS).index(service)
    callers = {f"08129{index}{n:05d}": "112" if n % 2 == 0 else "12345" for n in range(CALLS)}
    calls = []
    killed, killed_at, restarted_s = 0, 0.0, None
    for n, (caller, number) in enumerate(callers.items()):
        steps = [] if number == "112" else [Step(1500, "1"), Step(2000, "0")]
        calls.append(stack.call(number, caller, steps, HOLD_MS, tmp_path))
        if n == KILL_AFTER:
            killed = service_pid(stack, service)
            os.kill(killed, signal.SIGKILL)
            killed_at = time.monotonic()
        for _ in range(10):  # a second between calls, watching for the restart
            if killed and restarted_s is None and running_pid(stack, service) not in (
                    None, killed):
                restarted_s = round(time.monotonic() - killed_at, 1)
            time.sleep(0.1)
    codes = [call.wait(timeout=120) for call in calls]
    wait_until(lambda: running_pid(stack, service) not in (None, killed), 60,
               f"{service} started again")
    restarted_s = restarted_s or round(time.monotonic() - killed_at, 1)
    wait_until(lambda: stack.healthz()[0] == 200, 60, "every service healthy again")

    reached = entered(stack)
    lost = sorted(c for c in callers if c not in reached)
    emergency_lost = [c for c in lost if callers[c] == "112"]
    # The AMI service writes each abandon moments after the caller hangs up.
    in_line = [c for c in callers if c in reached]
    deadline = time.monotonic() + 30
    while len(call_records(stack, in_line)) < len(in_line) and time.monotonic() < deadline:
        time.sleep(0.5)
    records = call_records(stack, in_line)
    FIGURES[service] = {
        "fault": FAULTS[service], "offered": len(callers),
        "completed_by_sipp": sum(code == 0 for code in codes),
        "reached_a_queue": len(reached.keys() & callers.keys()), "lost": len(lost),
        "emergency_without_queue": len(emergency_lost),
        "call_records": sum(min(n, 1) for n in records.values()),
        "call_records_lost": len(in_line) - len(records),
        "call_records_twice": sum(n > 1 for n in records.values()),
        "restarted_after_s": restarted_s}
    print(json.dumps(FIGURES[service]))
    assert emergency_lost == [], f"112 calls without a queue: {emergency_lost}"
    assert lost == [], f"calls that reached no queue: {lost}"
    assert codes == [0] * len(codes), "a caller's call failed"
    assert records == {c: 1 for c in in_line}, "call records lost or written twice"


def write_table(path: Path) -> None:
    if not FIGURES:
        return
    command = "make faults" if FULL else "make test (tests/integration/test_faults_under_load.py)"
    columns = ("fault", "offered", "completed_by_sipp", "reached_a_queue", "lost",
               "emergency_without_queue", "call_records", "call_records_lost",
               "call_records_twice", "restarted_after_s")
    lines = [f"Faults under load: {CALLS} calls, one a second, 112 and 12345 alternating, "
             f"each {HOLD_MS // 1000} s in line; the service killed after {KILL_AFTER} calls.",
             f"Command: `{command}`; {time.strftime('%Y-%m-%d %H:%M')} UTC, load average "
             f"{os.getloadavg()[0]:.2f}.", "",
             "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(f[c]) for c in columns) + " |" for f in FIGURES.values()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
