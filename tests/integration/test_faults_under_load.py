"""Faults under a steady load of real calls, counted from Asterisk's own queue_log and the
database (issue 16's fault suite; `make test` runs the short form, `make faults` the full one).

A stack with no operator takes a steady stream of SIPp calls, 112 and 12345 alternating, one
a second, each holding 9 s in line and hanging up (12345 callers choose Indonesian, then 0 for
an operator; in the database rows they report a problem instead, which opens a ticket). A few
calls in, one fault is injected:

- one of our services killed with SIGKILL (`ivr run` starts it again);
- the AMI link cut for 30 s (a proxy between our services and Asterisk's AMI closes every
  link and refuses new ones), nothing killed;
- redis stopped for 30 s (`ivr ctl stop redis`, then start);
- the database away: SQLite locked by a process holding `BEGIN EXCLUSIVE` (30 s in the short
  form, 60 s in the full one), PostgreSQL stopped for 60 s (a private cluster, full form);
- Asterisk restarted (`ivr ctl stop asterisk`, then start), with an operator on shift.

Per fault it counts calls offered (SIPp's exit codes), calls that reached a queue
(ENTERQUEUE lines of the queue_log, by caller number), calls lost, tickets (one per reporting
caller), incidents (one per 112 caller) and call records (one per queued caller) in the
database, records spooled and flushed (the services' logs), the seconds until the wallboard
shows the callers waiting in Asterisk again, and until the queues hold the operator on shift
again; and asserts the promises: no 112 call without a queue, no call lost, no ticket,
incident or call record lost or written twice, the board resynced within 5 s of AMI or redis
returning, the roster re-applied within 10 s of Asterisk's return. Callers connected when
Asterisk stops are lost with it: counted apart, not a failure. The figures are one table;
`make faults` keeps it in bench/results/faults.md with the command.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fault_load import (
    AmiLinkCutter,
    Load,
    board_in_step,
    entered,
    flushed,
    rows_by_caller,
    seconds_until,
    spooled,
)
from hotline import Hotline, free_port, number_read_back_ms, on_shift_now, wait_until
from sipp import Step
from tickets_pg import PostgresServer, pg_bin_dir

pytestmark = [pytest.mark.integration, pytest.mark.solo]

FULL = os.environ.get("FAULTS_FULL") == "1"  # make faults
CALLS = 60 if FULL else 16  # one a second
FAULT_AFTER = 5  # calls placed before the fault
HOLD_MS = 9000
BOARD_WITHIN_S, ROSTER_WITHIN_S = 5, 10  # the promises
OUTAGE_S = {"ami_cut": 30, "redis": 30, "sqlite": 60 if FULL else 30, "postgresql": 60}
FAULTS = {"agi": "FastAGI killed (-9)", "web": "web service killed (-9)",
          "ami": "AMI service killed (-9)", "roster": "roster service killed (-9)",
          "ami_cut": "AMI link cut 30 s", "redis": "redis stopped 30 s",
          "sqlite": f"SQLite locked {OUTAGE_S['sqlite']} s",
          "postgresql": "PostgreSQL stopped 60 s", "asterisk": "Asterisk restarted"}
KILLED = ("agi", "web", "ami", "roster")
OUTAGES = ("ami_cut", "redis", "sqlite", "postgresql", "asterisk")
SHORT = ("agi", "web", "sqlite")
STACK_ENV = {"IVR_TICKET_FLUSH_EVERY": "5"}  # spooled records land 5 s after the database
OPERATOR = [Step(1500, "1"), Step(2000, "0")]  # Indonesian, an operator
RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"
FIGURES: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    hotline = Hotline(tmp_path_factory.mktemp("faults"), **STACK_ENV)
    cutter = AmiLinkCutter(hotline.ports["ami"])  # our services reach AMI through it
    cutter.restore()
    hotline.env["IVR_AMI_CONNECT_PORT"] = str(cutter.port)
    hotline.cutter = cutter  # type: ignore[attr-defined]
    hotline.start()
    yield hotline
    hotline.stop()
    cutter.cut()
    write_table(RESULTS / "faults.md" if FULL else hotline.data_dir / "faults-short.md")


@pytest.fixture(scope="module")
def report_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    audio = tmp_path_factory.mktemp("speech") / "description.wav"
    subprocess.run(["espeak-ng", "-v", "id", "-w", str(audio),
                    "Lampu jalan mati di jalan Dago"], check=True)
    return audio


def report_steps(audio: Path) -> list[Step]:
    """Indonesian, report, public utilities; speak, #; the number read back; an operator."""
    return [Step(1500, "1"), Step(2000, "1"), Step(2000, "2"), Step(7000, "", audio=audio),
            Step(4500, "#"), Step(number_read_back_ms(), "1")]


def callers_of(fault: str) -> dict[str, str]:
    index = list(FAULTS).index(fault)
    return {f"08129{index}{n:05d}": "112" if n % 2 == 0 else "12345" for n in range(CALLS)}


def running_pid(stack: Hotline, service: str) -> int | None:
    """The pid of `ivr serve <service>` of this stack (found by its environment)."""
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


@pytest.mark.parametrize("service", list(KILLED) if FULL else [s for s in SHORT if s in KILLED])
def test_every_call_reaches_a_queue_and_is_recorded_when_a_service_is_killed(
        stack: Hotline, service: str, tmp_path: Path) -> None:
    load = Load(stack, callers_of(service), lambda n: [] if n == "112" else OPERATOR,
                HOLD_MS, tmp_path).start()
    load.wait_placed(FAULT_AFTER + 1)
    killed = running_pid(stack, service)
    assert killed is not None, f"no `ivr serve {service}` running for {stack.data_dir}"
    os.kill(killed, signal.SIGKILL)
    killed_at = time.monotonic()
    restarted = seconds_until(lambda: running_pid(stack, service) not in (None, killed),
                              killed_at, 60)
    codes = load.finish()
    wait_until(lambda: stack.healthz()[0] == 200, 60, "every service healthy again")
    count_and_assert(stack, service, load, codes, restarted_after_s=restarted)


@pytest.mark.parametrize("outage", list(OUTAGES) if FULL else [s for s in SHORT if s in OUTAGES])
def test_every_call_and_record_outlives_an_outage(stack: Hotline, outage: str, tmp_path: Path,
                                                  report_audio: Path) -> None:
    if outage == "postgresql":
        postgresql_stopped(tmp_path, report_audio)
    elif outage == "asterisk":
        asterisk_restarted(stack, tmp_path)
    else:
        away: dict[str, tuple[Callable[[], None], Callable[[], None]]] = {
            "ami_cut": (stack.cutter.cut, stack.cutter.restore),  # type: ignore[attr-defined]
            "redis": (lambda: stack.ctl("stop", "redis"), lambda: stack.ctl("start", "redis")),
            "sqlite": sqlite_lock(stack)}
        begin, end = away[outage]
        outage_under_load(stack, outage, begin, end, tmp_path,
                          report_audio if outage == "sqlite" else None)


def sqlite_lock(stack: Hotline) -> tuple[Callable[[], None], Callable[[], None]]:
    """A process holding the SQLite database's write lock (as a backup or stuck writer)."""
    lock = sqlite3.connect(stack.data_dir / "hotline.sqlite3", timeout=10, isolation_level=None,
                           check_same_thread=False)

    def hold() -> None:
        lock.execute("BEGIN EXCLUSIVE")  # nobody else writes until we let go

    def release() -> None:
        lock.execute("ROLLBACK")
        lock.close()
    return hold, release


def outage_under_load(stack: Hotline, outage: str, begin: Callable[[], None],
                      end: Callable[[], None], workdir: Path, audio: Path | None) -> None:
    """``begin`` a few calls into the load, ``end`` OUTAGE_S later; count and assert. With
    ``audio`` the 12345 callers report a problem (a ticket each) before asking for an operator."""
    steps = report_steps(audio) if audio else OPERATOR
    load = Load(stack, callers_of(outage), lambda n: [] if n == "112" else steps, HOLD_MS,
                workdir).start()
    load.wait_placed(FAULT_AFTER + 1)
    spooled_before, flushed_before = spooled(stack), flushed(stack)
    began = time.monotonic()
    begin()
    time.sleep(max(0.0, began + OUTAGE_S[outage] - time.monotonic()))
    end()
    board_s = seconds_until(lambda: board_in_step(stack), time.monotonic(), 30)
    codes = load.finish()
    count_and_assert(stack, outage, load, codes, reports=audio is not None,
                     before=(spooled_before, flushed_before), board_resync_s=board_s)
    if outage in ("ami_cut", "redis"):
        assert board_s is not None and board_s <= BOARD_WITHIN_S, \
            f"board resynced {board_s} s after {outage} returned"


def asterisk_restarted(stack: Hotline, workdir: Path) -> None:
    """An operator on shift (a phone nobody answers), Asterisk stopped and started mid-load."""
    on_shift_now(stack.data_dir, "ani", "police fire ambulance lang:id",
                 f"sip:ani@127.0.0.1:{free_port()}")
    expected = {"police", "fire", "ambulance", "emergency", "hotline"}  # by ani's skills
    wait_until(lambda: queues_holding(stack, "ani") == expected, 30, "ani in the queues")
    load = Load(stack, callers_of("asterisk"), lambda n: [] if n == "112" else OPERATOR,
                HOLD_MS, workdir).start()
    load.wait_placed(FAULT_AFTER + 1)
    stopped, connected = time.monotonic(), load.in_progress()
    stack.ctl("stop", "asterisk")
    stack.ctl("start", "asterisk")  # returns once AMI answers
    back = time.monotonic()
    roster_s = seconds_until(lambda: queues_holding(stack, "ani") == expected, back, 30)
    board_s = seconds_until(lambda: board_in_step(stack), back, 30)
    codes = load.finish()
    lost_with = connected | load.placed_between(stopped, back)
    count_and_assert(stack, "asterisk", load, codes, lost_with_asterisk=lost_with,
                     roster_reapplied_s=roster_s, board_resync_s=board_s)
    assert roster_s is not None and roster_s <= ROSTER_WITHIN_S, \
        f"roster re-applied {roster_s} s after Asterisk returned"


def queues_holding(stack: Hotline, member: str) -> set[str]:
    """The queues where Asterisk itself (a QueueStatus of our own) has ``member``."""
    try:
        return {e["Queue"] for e in stack.asterisk_queue_status()
                if e.get("Event") == "QueueMember" and e.get("Name") == member}
    except OSError:
        return set()


def postgresql_stopped(workdir: Path, audio: Path) -> None:
    """A stack of its own on a private PostgreSQL cluster, stopped for 60 s mid-load."""
    bindir = pg_bin_dir()
    assert bindir is not None, "PostgreSQL is not installed (scripts/setup-host.sh installs it)"
    server = PostgresServer(bindir)
    server.start()
    hotline = Hotline(workdir / "pg-stack", IVR_DATABASE_URL=server.new_database(), **STACK_ENV)
    try:
        hotline.start()
        outage_under_load(hotline, "postgresql", server.stop, server.start, workdir, audio)
    finally:
        if hotline.process is not None:
            hotline.stop()
        server.remove()


def count_and_assert(stack: Hotline, fault: str, load: Load, codes: dict[str, int], *,
                     lost_with_asterisk: frozenset[str] | set[str] = frozenset(),
                     reports: bool = False, before: tuple[int, int] | None = None,
                     **timings: float | None) -> None:
    """Count what the callers did and what the system kept (after the records landed);
    ``before``: the spooled and flushed counts when the fault began."""
    callers = load.callers
    reached = entered(stack)
    judged = [c for c in callers if c not in lost_with_asterisk]
    lost = [c for c in judged if c not in reached]
    emergency = [c for c in judged if callers[c] == "112"]
    reporters = [c for c in judged if callers[c] == "12345"] if reports else []
    queued = [c for c in judged if c in reached]
    wanted = {"queue_calls": queued, "incidents": emergency, "tickets": reporters}
    found: dict[str, dict[str, int]] = {}

    def all_landed() -> bool:  # the AMI service writes each call record moments after it ends
        found.update({t: rows_by_caller(stack, t, list(callers)) for t in wanted})
        return all(set(found[t]) >= set(wanted[t]) for t in wanted)
    landed = seconds_until(all_landed, time.monotonic(), 60)
    missing = {t: sorted(set(wanted[t]) - set(found[t])) for t in wanted}
    twice = {t: sorted(c for c, n in found[t].items() if n > 1) for t in wanted}
    FIGURES[fault] = {
        "fault": FAULTS[fault], "offered": len(callers),
        "completed_by_sipp": sum(code == 0 for code in codes.values()),
        "reached_a_queue": len(reached.keys() & callers.keys()), "lost": len(lost),
        "emergency_without_queue": sum(callers[c] == "112" for c in lost),
        "lost_with_asterisk": len(lost_with_asterisk),
        "tickets": len(found["tickets"]), "incidents": len(found["incidents"]),
        "spooled": spooled(stack) - before[0] if before else 0,
        "flushed": flushed(stack) - before[1] if before else 0,
        "records_lost": len(missing["tickets"]) + len(missing["incidents"]),
        "call_records": len(found["queue_calls"]),
        "call_records_lost": len(missing["queue_calls"]),
        "written_twice": sum(len(v) for v in twice.values()),
        "restarted_after_s": timings.get("restarted_after_s"),
        "board_resync_s": timings.get("board_resync_s"),
        "roster_reapplied_s": timings.get("roster_reapplied_s"), "landed_s": landed}
    print(json.dumps(FIGURES[fault]))
    assert [c for c in lost if callers[c] == "112"] == [], "112 calls without a queue"
    assert lost == [], f"calls that reached no queue: {lost}"
    assert [c for c in judged if codes[c] != 0] == [], "a caller's call failed"
    assert missing == {t: [] for t in wanted}, f"records lost: {missing}"
    assert twice == {t: [] for t in wanted}, f"records written twice: {twice}"


def write_table(path: Path) -> None:
    if not FIGURES:
        return
    command = "make faults" if FULL else "make test (tests/integration/test_faults_under_load.py)"
    columns = list(next(iter(FIGURES.values())))
    lines = [f"Faults under load: {CALLS} calls a fault, one a second, 112 and 12345 "
             f"alternating, each {HOLD_MS // 1000} s in line; the fault after {FAULT_AFTER} "
             "calls.", f"Command: `{command}`; {time.strftime('%Y-%m-%d %H:%M')} UTC, load "
             f"average {os.getloadavg()[0]:.2f}.", "",
             "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join("-" if f[c] is None else str(f[c]) for c in columns) + " |"
              for f in FIGURES.values()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
