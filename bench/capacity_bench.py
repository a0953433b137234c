"""Capacity of this 2-core box (issue 18, part 3): three loads, each ramped until it breaks.

Each part starts its own hotline (``ivr run`` through ``tests/hotline.py``, with 10,000
Asterisk RTP ports as ``e2e_bench.py`` gives it), raises one load step by step, stops after
the first step past its breaking point (``--keep-going``: runs every step), prints a Markdown
table and saves ``bench/results/capacity-<part>.json`` (the machine, the arguments, the rule,
every step with the load average read just before it). CPU is from /proc: per process group
of the hotline (``e2e_bench.cpu_by_group``), SIPp, this process, and the whole machine, which
is shared with other test suites (hence the load average).

report   12345 callers who report a problem, as ``tests/integration/test_tickets_by_phone.py``
         does: 1 (Bahasa Indonesia), 1 (report), 3 (waste and environment), then after the
         description prompt and its beep ~2.5 s of speech (espeak-ng, played by SIPp as a
         mu-law pcap) and #. The flow opens a ticket and reads its number twice; the caller
         stays silent at the next menu and Asterisk hangs up ("goodbye"): ~44 s a call. One
         SIPp process per step places ``rate × --step-seconds`` calls with ``-r``; arrivals
         last longer than a call (60 s by default), so the step reaches the steady state of
         that rate (about rate × 44 calls at once), and CPU is taken over the last
         ``--cpu-window-s`` (15) of the arrivals, where every phase of the call runs at once.
         A call is ok when SIPp saw it through to Asterisk's BYE (within ``--patience-s`` of
         the #: it comes only after the number was read back) and the database holds exactly
         one ticket from its number. Per step: setup (INVITE → 200 OK) p50/p99 from SIPp's
         rtd; INVITE → ticket created (SIPp's INVITE mark → the ticket's ``created_at``; the
         caller's scripted keys and speech are ~17.5 s of it); call length; peak calls (SIPp).
         The digit recordings that ``ivr render`` does not install are put in the data folder
         first (``install_digits``; ``--as-shipped`` to leave them out).
         Breaks: failures > 0.1 %, a ticket missing, or hotline + SIPp CPU > 85 % of the cores.
media    112 callers waiting in `emergency` (queue first, nobody answers), each hearing the
         queue's music on hold and sending it back (SIPp's ``-rtp_echo``): RTP both ways, 50
         packets/s of 20 ms G.711 each way per caller. (SIPp 3.6.1's ``rtp_stream`` sends
         speech, but its ``[rtpstream_audio_port]`` is the ``-mp`` port, which SIPp does not
         read without ``-rtp_echo``: in a trial the kernel dropped all the music there. The
         echo reads every music packet, counts it and sends it back.) SIPp places the step's
         N callers at ``--arrival-rate``; once Asterisk's QueueStatus shows N waiting,
         ``pjsip show channelstats`` twice, ``--window-s`` apart: per caller, the packets/s
         Asterisk sent (music) and received (that music back from the caller: it reached
         SIPp), and what Asterisk counted lost.
         At the window's end SIPp dumps its screen (SIGUSR2: its count of music packets
         echoed since the start), set against all Asterisk sent until that moment. CPU over
         the window (everyone waiting, nobody arriving).
         Breaks: a caller that failed or did not wait through the window, the worst 1 % of
         callers under 95 % of 50 packets/s either way, SIPp counting < 99 % of the music
         Asterisk sent, or hotline + SIPp CPU > 85 % of the cores.
viewers  N wallboard viewers (``board_viewers.SseViewer``: ``want=board-delta``, HTTP Basic as
         supervisors ``wall0``, ``wall1``... made for the run, 5 streams each: the service's
         limit per user; IVR_WEB_MAX_STREAMS, 200 by default, is raised to the largest step)
         while 112 callers arrive at ``--rate`` (``e2e_bench``'s caller: 2 pressed after
         1.5 s, 3 s in `fire`, nobody answers). Each step adds viewers up to N (20 connecting
         at a time) and keeps them. Per step: our AMI login's QueueCallerJoin (as
         ``e2e_bench.AmiWatch``) → the caller first seen by each viewer, p50/p99 over every
         viewer × caller pair; viewers that failed to connect or lost their stream; web CPU;
         SSE bytes/s received by all viewers. The viewers run in this process (its CPU is
         shown): on 2 cores they compete with the hotline for the same CPU.
         Breaks: p99 > 1 s, a viewer that failed or lost its stream, or a pair never seen.

    .venv/bin/python bench/capacity_bench.py report --steps 0.5 1 2 4 8
    .venv/bin/python bench/capacity_bench.py media --steps 25 50 100 200 300
    .venv/bin/python bench/capacity_bench.py viewers --steps 10 50 100 200 400
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from benchlib import (
    ROOT,
    loadavg,
    machine,
    ms,
    pct,
    proc_cpu_seconds,
    save,
    table,
    total_cpu_seconds,
)
from board_viewers import SseViewer
from e2e_bench import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    GROUPS,
    AmiWatch,
    bench_scenario,
    cpu_by_group,
    peak_concurrent,
    rtt_values,
    sipp_stats,
)

sys.path.insert(0, str(ROOT / "tests"))
from day_model import parse_marks  # noqa: E402
from dtmf_pcap import write_dtmf_pcap  # noqa: E402
from fault_load import database_url, spooled  # noqa: E402
from hotline import Hotline, free_tcp_and_udp_port  # noqa: E402
from ports import media_port  # noqa: E402
from sipp import Step, step_actions  # noqa: E402
from sipp_scenarios import (  # noqa: E402
    Caller,
    ack,
    bye,
    invite,
    mark,
    pause,
    recv,
    scenario,
    send,
    with_body,
)

from ivr.web.live import MAX_STREAMS_PER_USER  # noqa: E402

CORES = os.cpu_count() or 1
CPU_LIMIT = 0.85          # hotline + SIPp, share of all the cores
PACKETS_PER_S = 50        # 20 ms G.711 packets
AUDIO_FLOOR = 0.95        # of PACKETS_PER_S, for the worst 1 % of callers
ECHOED_FLOOR = 0.99       # music SIPp counted, share of what Asterisk sent
VIEWER_P99_S = 1.0
WALL_PASSWORD = "bench-wall-pass-1"
SPEECH = "Ada sampah menumpuk di jalan Merdeka"

RULES = {
    "report": "failures > 0.1 % of the calls, a ticket missing, or hotline + SIPp CPU > 85 % "
              f"of {CORES} cores",
    "media": "a caller failed or did not wait through the window, the worst 1 % of callers "
             "under 95 % of 50 packets/s either way, SIPp counting < 99 % of the music sent, or "
             f"hotline + SIPp CPU > 85 % of {CORES} cores",
    "viewers": "join → seen p99 > 1 s, a viewer that failed to connect or lost its stream, or "
               "a viewer × caller pair never seen",
}


def log(text: str) -> None:
    print(f"[capacity] {text}", file=sys.stderr, flush=True)


# -- breaking points (pure) --------------------------------------------------------------------

def cpu_over(step: dict) -> list[str]:
    if step["stack_cpu"] > CPU_LIMIT:
        return [f"hotline + SIPp CPU {100 * step['stack_cpu']:.0f} % of {CORES} cores"]
    return []


def report_broken(step: dict) -> list[str]:
    why = []
    if step["failed"] / step["calls"] > 0.001:
        why.append(f"{step['failed']} of {step['calls']} calls failed "
                   f"({100 * step['failed'] / step['calls']:.1f} %)")
    if step["tickets_missing"]:
        why.append(f"{step['tickets_missing']} tickets missing")
    return why + cpu_over(step)


def media_broken(step: dict) -> list[str]:
    why = []
    if step["failed"]:
        why.append(f"{step['failed']} of {step['callers']} callers failed")
    floor = AUDIO_FLOOR * PACKETS_PER_S
    for key, what in (("tx", "music sent"), ("rx", "music back from the callers")):
        worst = step[f"{key}_worst"]
        if not worst >= floor:  # nan (nothing measured) too
            why.append(f"{what} {worst:.1f} packets/s for the worst 1 %")
    if not step["echoed_share"] >= ECHOED_FLOOR:
        why.append(f"SIPp counted {100 * step['echoed_share']:.1f} % of the music sent")
    return why + cpu_over(step)


def viewers_broken(step: dict) -> list[str]:
    why = []
    if step["seen_p99"] > VIEWER_P99_S:
        why.append(f"join → seen p99 {step['seen_p99'] * 1000:.0f} ms")
    if step["connect_failed"] or step["lost"]:
        why.append(f"{step['connect_failed']} viewers failed to connect, "
                   f"{step['lost']} lost their stream")
    if step["pairs_missing"]:
        why.append(f"{step['pairs_missing']} viewer × caller pairs never seen")
    return why


# -- figures (pure) ----------------------------------------------------------------------------

def epoch_of(stored: Any) -> float:
    """A ticket's ``created_at`` (naive UTC: a datetime, or SQLite's text) as epoch seconds."""
    when = stored if isinstance(stored, datetime) else datetime.fromisoformat(str(stored))
    return when.replace(tzinfo=UTC).timestamp()


def report_calls(invited: dict[str, float], ended: dict[str, float],
                 tickets: dict[str, tuple[int, float]]) -> dict[str, Any]:
    """Per caller: ok (Asterisk hung up on them after the read-back, one ticket), tickets
    missing, INVITE → ticket created and call lengths (seconds)."""
    ok = [c for c in invited if c in ended and tickets.get(c, (0, 0.0))[0] == 1]
    return {
        "ok": len(ok),
        "tickets": sum(1 for c in invited if c in tickets),
        "tickets_missing": sum(1 for c in invited if c not in tickets),
        "tickets_duplicate": sum(1 for c in invited if tickets.get(c, (0, 0.0))[0] > 1),
        "to_ticket": [tickets[c][1] - invited[c] for c in invited if c in tickets],
        "length": [ended[c] - invited[c] for c in invited if c in ended],
    }


def marks_by_caller(text: str, what: str) -> dict[str, float]:
    """Caller number -> epoch of their ``what`` mark (``mark(f"{what} <number>")``)."""
    return {m.arg: m.at for m in parse_marks(text) if m.what == what}


@dataclass(frozen=True)
class RtpCounts:
    """One row of ``pjsip show channelstats``: the channel's RTP since it started."""

    uptime_s: int
    rx: int
    rx_lost: int
    tx: int


# " %8.8s %-18.18s %-8.8s %-6.6s %6u%s %6u%s %3u %7.3f %6u%s %6u%s %3u %7.3f %7.3f"
# (channels/pjsip/cli_commands.c): bridge (blank in a queue), name without "PJSIP/" cut to 18
# characters, uptime, codec, then received count, lost, %, jitter, sent count, lost, %, jitter,
# RTT. Counts over 100000 are printed in thousands with a K.
_STATS_ROW = re.compile(
    r"^\s*(?:\S{1,8}\s+)??(?P<name>\S+)\s+(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d)\s+\S+\s+"
    r"(?P<rx>\d+)(?P<rxk>K?)\s+(?P<lost>\d+)(?P<lostk>K?)\s+\d+\s+[\d.]+\s+"
    r"(?P<tx>\d+)(?P<txk>K?)\s+\d+K?\s+\d+\s+[\d.]+\s+[\d.]+\s*$")


def _count(digits: str, thousands: str) -> int:
    return int(digits) * (1000 if thousands else 1)


def parse_channelstats(text: str) -> dict[tuple[str, int], RtpCounts]:
    """(printed name, its rank among rows with that name) -> counts. Names are cut to 18
    characters ("pstn-trunk-0000001" stands for 16 channels), but the rows come sorted by the
    full name, so the rank tells those apart while the same channels are up."""
    rows: dict[tuple[str, int], RtpCounts] = {}
    ranks: Counter[str] = Counter()
    for line in text.splitlines():
        found = _STATS_ROW.match(line)
        if not found:
            continue
        name = found["name"]
        rows[(name, ranks[name])] = RtpCounts(
            int(found["h"]) * 3600 + int(found["m"]) * 60 + int(found["s"]),
            _count(found["rx"], found["rxk"]), _count(found["lost"], found["lostk"]),
            _count(found["tx"], found["txk"]))
        ranks[name] += 1
    return rows


def packet_rates(before: dict[tuple[str, int], RtpCounts],
                 after: dict[tuple[str, int], RtpCounts], seconds: float
                 ) -> list[tuple[float, float, int, int]]:
    """Per channel seen in both (its uptime grown by the window, ±2 s): packets/s received and
    sent by Asterisk over ``seconds``, packets lost and received in that time."""
    rates = []
    for key, first in before.items():
        last = after.get(key)
        if last is None or abs(last.uptime_s - first.uptime_s - seconds) > 2:
            continue
        received = last.rx - first.rx
        rates.append((received / seconds, (last.tx - first.tx) / seconds,
                      last.rx_lost - first.rx_lost, received))
    return rates


def pair_delays(seen_by_viewer: Sequence[dict[str, float]], joined: dict[str, float],
                callers: Sequence[str]) -> tuple[list[float], int]:
    """Join → first seen, over every viewer × caller pair; and the pairs never seen."""
    delays, missing = [], 0
    for seen in seen_by_viewer:
        for caller in callers:
            if caller in seen:
                delays.append(seen[caller] - joined[caller])
            else:
                missing += 1
    return delays, missing


# -- the hotline, SIPp, CPU (thin I/O) ---------------------------------------------------------

def start_hotline(workdir: Path, prepare: Callable[[Path], None] | None = None,
                  **overrides: str) -> Hotline:
    """A hotline in ``workdir/hotline``; ``prepare(data_dir)`` runs before ``ivr run``."""
    # Asterisk takes two RTP ports per call: tests/hotline.py's 100 would cap us at 50 calls.
    settings = {"IVR_RTP_PORT_START": "30000", "IVR_RTP_PORT_END": "39999",
                "IVR_ADMIN_USER": ADMIN_USER, "IVR_ADMIN_PASSWORD": ADMIN_PASSWORD, **overrides}
    stack = Hotline(workdir / "hotline", **settings)
    if prepare is not None:
        prepare(stack.data_dir)
    log(f"starting a hotline (load average {loadavg()})")
    stack.start()
    return stack


class Sipp:
    """One SIPp process of a step; its CPU is read while it runs (/proc forgets it after)."""

    running: set[Sipp] = set()

    def __init__(self, command: list[str], folder: Path) -> None:
        self.command, self.folder = command, folder
        self.proc: asyncio.subprocess.Process | None = None
        self.cpu_s = 0.0

    async def start(self) -> None:
        with open(self.folder / "sipp.out", "wb") as out:
            self.proc = await asyncio.create_subprocess_exec(
                *self.command, cwd=self.folder, stdout=out, stderr=subprocess.STDOUT)
        Sipp.running.add(self)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        if self.proc is not None and self.proc.returncode is None:
            self.cpu_s = max(self.cpu_s, proc_cpu_seconds(self.proc.pid))
        return self.cpu_s

    async def wait(self) -> int:
        assert self.proc is not None
        while self.proc.returncode is None:
            self.cpu_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 0.5)
        Sipp.running.discard(self)
        return self.proc.returncode

    @classmethod
    def kill_all(cls) -> None:
        for sipp in list(cls.running):
            if sipp.proc is not None and sipp.proc.returncode is None:
                sipp.proc.kill()
        cls.running.clear()


def sipp_command(stack: Hotline, scenario_file: Path, folder: Path, number: str, rate: float,
                 calls: int, timeout_s: float) -> list[str]:
    """SIPp placing ``calls`` calls to ``number`` at ``rate``/s, all at once if need be,
    with its stat file (peak calls), rtd file (setup) and log file (the scenario's marks)."""
    return ["sipp", f"127.0.0.1:{stack.ports['sip']}", "-sf", str(scenario_file), "-s", number,
            "-i", "127.0.0.1", "-p", str(free_tcp_and_udp_port()),
            "-mp", str(media_port()),
            "-r", f"{rate:g}", "-rp", "1000", "-m", str(calls), "-l", str(calls),
            "-nostdin", "-timeout", f"{timeout_s:.0f}s",
            "-trace_stat", "-fd", "1", "-trace_rtt", "-rtt_freq", "1",
            "-trace_err", "-error_file", str(folder / "errors.log"),
            "-trace_logs", "-log_file", str(folder / "marks.log"), "-max_socket", "4000"]


class Usage:
    """CPU from now on: the hotline's process groups, SIPp, this process, the machine."""

    def __init__(self, stack: Hotline, sipp: Sipp | None = None) -> None:
        assert stack.process is not None
        self.supervisor, self.sipp = stack.process.pid, sipp
        self.first = self._read()

    def _read(self) -> tuple[float, dict[str, float], tuple[float, float], float, float]:
        return (time.perf_counter(), cpu_by_group(self.supervisor), total_cpu_seconds(),
                self.sipp.cpu_seconds() if self.sipp else 0.0, proc_cpu_seconds(os.getpid()))

    def shares(self) -> dict[str, Any]:
        """CPU seconds per second since ``Usage()`` (1.0 = one core)."""
        t0, groups0, (busy0, total0), sipp0, own0 = self.first
        t1, groups1, (busy1, total1), sipp1, own1 = self._read()
        elapsed = t1 - t0
        cpu = {g: (groups1.get(g, 0.0) - groups0.get(g, 0.0)) / elapsed for g in GROUPS}
        sipp = (sipp1 - sipp0) / elapsed
        return {"seconds": elapsed, "cpu_share": cpu, "sipp_cpu_share": sipp,
                "bench_cpu_share": (own1 - own0) / elapsed,
                "machine_cpu": (busy1 - busy0) / max(total1 - total0, 1e-9),
                "stack_cpu": (sum(cpu.values()) + sipp) / CORES}


def speech_wav(workdir: Path) -> Path:
    wav = workdir / "description.wav"
    if not wav.exists():
        subprocess.run(["espeak-ng", "-v", "id", "-w", str(wav), SPEECH], check=True)
    return wav


async def ramp(values: Sequence[float], measure: Callable[[int, float], Awaitable[dict]],
               broken: Callable[[dict], list[str]], rows: Callable[[list[dict]], str],
               keep_going: bool) -> list[dict]:
    """``measure`` each step in turn; stop after the first past the breaking point."""
    steps: list[dict] = []
    for index, value in enumerate(values, start=1):
        log(f"step {index}: {value:g} (load average {loadavg()})")
        step = await measure(index, value)
        steps.append(step)
        log(rows([step]).splitlines()[-1])
        why = broken(step)
        if why and not keep_going:
            log(f"past the breaking point at {value:g}: {'; '.join(why)}")
            break
    return steps


def cpu_cells(s: dict) -> list[str]:
    ours = sum(s["cpu_share"][g] for g in ("fastagi", "ami", "web", "roster"))
    return [f"{100 * s['cpu_share']['asterisk']:.0f}", f"{100 * ours:.0f}",
            f"{100 * s['sipp_cpu_share']:.0f}", f"{100 * s['stack_cpu']:.0f}",
            f"{100 * s['machine_cpu']:.0f}"]


CPU_HEADER = ["Asterisk CPU % of a core", "our services CPU %", "SIPp CPU %",
              f"hotline + SIPp % of {CORES} cores", f"machine CPU % of {CORES} cores (shared)"]


def seconds(value: float) -> str:
    return "–" if value != value else f"{value:.1f}"


# -- report: the 12345 report path -------------------------------------------------------------

def report_keys(speech: Path) -> list[Step]:
    """The report caller of tests/integration/test_tickets_by_phone.py: 1 Bahasa Indonesia,
    1 report, 3 waste and environment; the description prompt (6 s) and its beep, speech,
    # ends the recording."""
    return [Step(1500, "1"), Step(2000, "1"), Step(2000, "3"), Step(7000, "", audio=speech),
            Step(4500, "#")]


def report_scenario(prefix: str, actions: list[str], patience_ms: int) -> str:
    """A caller ``<prefix><call number>`` who does ``actions`` and waits for Asterisk to hang up
    (at most ``patience_ms``, else the call fails); marks ``invite`` and ``ended``."""
    caller = Caller(f"{prefix}[call_number]", name="Bench")
    reply = ["SIP/2.0 200 OK", "[last_Via:]", "[last_From:]", "[last_To:]", "[last_Call-ID:]",
             "[last_CSeq:]"]
    return scenario("capacity-report", [
        mark(f"invite {prefix}[call_number]"), *invite(caller), ack(caller), *actions,
        recv(request="BYE", timeout=str(patience_ms)), send(with_body(reply)),
        mark(f"ended {prefix}[call_number]")])


def install_digits(data_dir: Path) -> None:
    """Put ``recordings/<lang>/digits/N.wav`` where the flow reads them (``<data>/sounds/<lang>/
    digits/``). ``ivr render`` copies only ``recordings/<lang>/*.wav`` (render.copy_prompts):
    without these the read-back of the ticket number fails ("digits/1 does not exist in any
    format"), the FastAGI route ends with -1 and the dialplan puts the caller through to
    `hotline`, so no report call completes. ``--as-shipped`` leaves them out."""
    for wav in (ROOT / "recordings").glob("*/digits/*.wav"):
        target = data_dir / "sounds" / wav.parent.parent.name / "digits" / wav.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(wav, target)


def tickets_from(stack: Hotline, prefix: str) -> dict[str, tuple[int, float]]:
    """Caller number -> (tickets, first created_at as epoch) for the numbers of ``prefix``."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url(stack))
    try:
        with engine.connect() as db:
            rows = db.execute(text(
                "SELECT caller_number, COUNT(*), MIN(created_at) FROM tickets "
                "WHERE caller_number LIKE :prefix GROUP BY caller_number"),
                {"prefix": prefix + "%"})
            return {str(number): (int(count), epoch_of(created)) for number, count, created in rows}
    finally:
        engine.dispose()


async def report_step(stack: Hotline, rate: float, args: argparse.Namespace, index: int,
                      workdir: Path) -> dict:
    folder = workdir / f"report-{index}-{rate:g}"
    folder.mkdir()
    prefix = f"0823{index:02d}0"
    keys = report_keys(speech_wav(workdir))
    scenario_file = folder / "report.xml"
    scenario_file.write_text(report_scenario(prefix, step_actions("bench", keys, folder),
                                             round(args.patience_s * 1000)))
    calls = max(1, round(rate * args.step_seconds))
    load, spooled_before = loadavg(), spooled(stack)
    sipp = Sipp(sipp_command(stack, scenario_file, folder, "12345", rate, calls,
                             args.step_seconds + sum(k.after_ms for k in keys) / 1000
                             + args.patience_s + 60), folder)
    await sipp.start()
    started = time.perf_counter()
    await asyncio.sleep(max(0.0, args.step_seconds - args.cpu_window_s))
    usage = Usage(stack, sipp)  # the last of the arrivals: the steady state
    await asyncio.sleep(max(0.0, started + args.step_seconds - time.perf_counter()))
    figures = usage.shares()
    await sipp.wait()
    marks = (folder / "marks.log").read_text(errors="replace")
    tickets = await asyncio.to_thread(tickets_from, stack, prefix)
    outcome = report_calls(marks_by_caller(marks, "invite"), marks_by_caller(marks, "ended"),
                          tickets)
    stats = sipp_stats(folder)
    setup = rtt_values(folder)
    return {
        "rate": rate, "calls": calls, "loadavg_before": load,
        "placed": len(marks_by_caller(marks, "invite")),
        "ok": outcome["ok"], "failed": calls - outcome["ok"],
        "sipp_ok": int(stats.get("SuccessfulCall(C)", 0) or 0),
        "sipp_failed": int(stats.get("FailedCall(C)", 0) or 0),
        "tickets": outcome["tickets"], "tickets_missing": outcome["tickets_missing"],
        "tickets_duplicate": outcome["tickets_duplicate"],
        "spooled": spooled(stack) - spooled_before,
        "setup_p50": pct(setup, 50), "setup_p99": pct(setup, 99), "setup_n": len(setup),
        "to_ticket_p50": pct(outcome["to_ticket"], 50),
        "to_ticket_p99": pct(outcome["to_ticket"], 99),
        "length_p50": pct(outcome["length"], 50), "length_p99": pct(outcome["length"], 99),
        "peak_concurrent": peak_concurrent(folder), **figures,
    }


def report_rows(steps: list[dict]) -> str:
    return table(["calls/s", "load avg before", "calls", "ok", "failed",
                  "tickets (missing)", "setup p50/p99 ms", "INVITE→ticket p50/p99 s",
                  "call length p50/p99 s", "peak calls", *CPU_HEADER, "over the limit"],
                 [[f"{s['rate']:g}", s["loadavg_before"], s["calls"], s["ok"], s["failed"],
                   f"{s['tickets']} ({s['tickets_missing']})",
                   f"{ms(s['setup_p50'])} / {ms(s['setup_p99'])}",
                   f"{seconds(s['to_ticket_p50'])} / {seconds(s['to_ticket_p99'])}",
                   f"{seconds(s['length_p50'])} / {seconds(s['length_p99'])}",
                   s["peak_concurrent"], *cpu_cells(s), "; ".join(report_broken(s)) or "–"]
                  for s in steps])


async def run_report(args: argparse.Namespace, workdir: Path) -> list[dict]:
    if args.as_shipped:
        log("as shipped: the digit recordings are not installed (the read-back fails)")
    else:
        log("installing recordings/<lang>/digits into the data folder (ivr render misses them)")
    stack = start_hotline(workdir, None if args.as_shipped else install_digits)
    try:
        await asyncio.sleep(2)
        return await ramp(args.steps,
                          lambda i, rate: report_step(stack, rate, args, i, workdir),
                          report_broken, report_rows, args.keep_going)
    finally:
        Sipp.kill_all()
        stack.stop()


# -- media: callers waiting with RTP both ways -------------------------------------------------

def waiting_scenario(prefix: str, hold_ms: int) -> str:
    """A 112 caller ``<prefix><call number>`` who waits ``hold_ms`` (SIPp echoes their RTP)
    and hangs up; marks ``done`` once Asterisk took the BYE."""
    caller = Caller(f"{prefix}[call_number]", name="Bench")
    return scenario("capacity-media", [*invite(caller), ack(caller), pause(hold_ms),
                                       *bye(caller), mark(f"done {prefix}[call_number]")])


def asterisk_cli(stack: Hotline, command: str) -> str:
    """An Asterisk CLI command on this hotline's Asterisk (``asterisk -rx`` in its mount
    namespace, as tests/integration/test_supervise.py does)."""
    marker = f"IVR_DATA_DIR={stack.data_dir}".encode()
    for proc in Path("/proc").iterdir():
        try:
            words = (proc / "cmdline").read_bytes().split(b"\0")
            ours = marker in (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if ours and words[0].endswith(b"asterisk") and b"-C" in words:
            conf = words[words.index(b"-C") + 1].decode()
            done = subprocess.run(["nsenter", "-t", proc.name, "-m", "-r", "--",
                                   "/usr/sbin/asterisk", "-C", conf, "-rx", command],
                                  capture_output=True, text=True, timeout=30)
            return done.stdout
    raise RuntimeError("no Asterisk process of this hotline")


_ECHOED = re.compile(r"(\d+) Total echo RTP pckts 1st stream")
_DUMPED_AT = re.compile(r"Current Time\s*\|\s*\S+\s+\S+\s+([\d.]+)")


def echo_count(screen: str) -> tuple[int, float] | None:
    """(RTP packets SIPp echoed since it started, the epoch of the dump) from its screen."""
    echoed, dumped = _ECHOED.search(screen), _DUMPED_AT.search(screen)
    if echoed is None or dumped is None:
        return None
    return int(echoed.group(1)), float(dumped.group(1))


def sent_until(total: int, rate_per_s: float, counted_at: float, moment: float) -> float:
    """Packets Asterisk had sent at ``moment``, from ``total`` counted at ``counted_at``
    (epoch seconds both) while sending ``rate_per_s``."""
    return total - rate_per_s * (counted_at - moment)


def sipp_screen(sipp: Sipp) -> str:
    """SIPp's screens as dumped on SIGUSR2 (``<scenario>_<pid>_screen.log``: SIPp writes the
    file out when it ends, the figures as they were at the signal, with that time)."""
    return "".join(path.read_text(errors="replace")
                   for path in sipp.folder.glob(f"*_{sipp.pid}_screen.log"))


async def waiting_now(stack: Hotline, prefix: str) -> set[str]:
    callers = await asyncio.to_thread(stack.asterisk_waiting, "emergency")
    return {c for c in callers if c.startswith(prefix)}


async def channel_stats(stack: Hotline) -> tuple[float, dict[tuple[str, int], RtpCounts]]:
    """The moment (epoch, mid-command) and the counts of every PJSIP channel."""
    started = time.time()
    text = await asyncio.to_thread(asterisk_cli, stack, "pjsip show channelstats")
    return (started + time.time()) / 2, parse_channelstats(text)


async def media_step(stack: Hotline, callers: float, args: argparse.Namespace, index: int,
                     workdir: Path) -> dict:
    n = int(callers)
    folder = workdir / f"media-{index}-{n}"
    folder.mkdir()
    prefix = f"0824{index:02d}0"
    ramp_s = n / args.arrival_rate
    hold_s = ramp_s + args.settle_s + args.window_s + 10
    scenario_file = folder / "media.xml"
    scenario_file.write_text(waiting_scenario(prefix, round(hold_s * 1000)))
    load = loadavg()
    sipp = Sipp([*sipp_command(stack, scenario_file, folder, "112", args.arrival_rate, n,
                               ramp_s + hold_s + 60), "-rtp_echo"], folder)
    await sipp.start()
    reached: set[str] = set()
    deadline = time.perf_counter() + ramp_s + 15
    while len(reached) < n and time.perf_counter() < deadline:
        await asyncio.sleep(1)
        reached = max(reached, await waiting_now(stack, prefix), key=len)
    await asyncio.sleep(args.settle_s)  # the last callers' RTP under way
    waiting_first = await waiting_now(stack, prefix)
    usage = Usage(stack, sipp)
    t0, first = await channel_stats(stack)
    await asyncio.sleep(args.window_s)
    os.kill(sipp.pid, signal.SIGUSR2)  # its count of echoed packets, now
    t1, last = await channel_stats(stack)
    figures = usage.shares()
    waited = waiting_first & await waiting_now(stack, prefix)
    await sipp.wait()
    done = marks_by_caller((folder / "marks.log").read_text(errors="replace"), "done")
    ok = sum(1 for c in waited if c in done)
    rates = packet_rates(first, last, t1 - t0)
    rx, tx = [r[0] for r in rates], [r[1] for r in rates]
    received, lost = sum(r[3] for r in rates), sum(r[2] for r in rates)
    echoed = echo_count(sipp_screen(sipp))
    sent = sent_until(sum(c.tx for c in last.values()), sum(tx), t1, echoed[1]) if echoed \
        else float("nan")
    stats = sipp_stats(folder)
    return {
        "callers": n, "loadavg_before": load, "reached": len(reached),
        "waited_window": len(waited), "ok": ok, "failed": n - ok,
        "sipp_ok": int(stats.get("SuccessfulCall(C)", 0) or 0),
        "sipp_failed": int(stats.get("FailedCall(C)", 0) or 0),
        "window_s": t1 - t0, "channels_measured": len(rates),
        "rx_p50": pct(rx, 50), "rx_worst": pct(rx, 1), "tx_p50": pct(tx, 50),
        "tx_worst": pct(tx, 1), "rx_lost_share": lost / received if received else float("nan"),
        "music_sent": sent, "sipp_echoed": echoed[0] if echoed else None,
        "echoed_share": echoed[0] / sent if echoed and sent else float("nan"),
        "peak_concurrent": peak_concurrent(folder), **figures,
    }


def media_rows(steps: list[dict]) -> str:
    return table(["callers", "load avg before", "waiting reached", "failed",
                  "channels measured", "music sent packets/s p50 / worst 1 %",
                  "music back from the caller packets/s p50 / worst 1 %", "lost at Asterisk %",
                  "music SIPp counted / Asterisk sent", *CPU_HEADER, "over the limit"],
                 [[s["callers"], s["loadavg_before"], s["reached"], s["failed"],
                   s["channels_measured"], f"{s['tx_p50']:.1f} / {s['tx_worst']:.1f}",
                   f"{s['rx_p50']:.1f} / {s['rx_worst']:.1f}",
                   f"{100 * s['rx_lost_share']:.2f}",
                   f"{s['sipp_echoed']} / {s['music_sent']:.0f} "
                   f"({100 * s['echoed_share']:.1f} %)", *cpu_cells(s),
                   "; ".join(media_broken(s)) or "–"] for s in steps])


async def run_media(args: argparse.Namespace, workdir: Path) -> list[dict]:
    stack = start_hotline(workdir)
    try:
        await asyncio.sleep(2)
        return await ramp(args.steps, lambda i, n: media_step(stack, n, args, i, workdir),
                          media_broken, media_rows, args.keep_going)
    finally:
        Sipp.kill_all()
        stack.stop()


# -- viewers: concurrent wallboards ------------------------------------------------------------

class Wallboards:
    """The SSE viewers of one hotline, ``MAX_STREAMS_PER_USER`` per supervisor account."""

    def __init__(self, stack: Hotline, most: int) -> None:
        self.base = f"http://127.0.0.1:{stack.ports['web']}"
        self.users = [f"wall{i}" for i in range(-(-most // MAX_STREAMS_PER_USER))]
        for user in self.users:
            status, body = stack.post("/api/v1/users", {"username": user, "role": "supervisor",
                                                        "password": WALL_PASSWORD})
            assert status == 201, (status, body)
        self.viewers: list[SseViewer] = []
        self.tried = 0

    async def grow(self, n: int, at_once: int = 20, timeout_s: float = 10.0) -> int:
        """Connect viewers until ``n`` were tried; returns how many failed to connect."""
        gate = asyncio.Semaphore(at_once)

        async def connect(viewer: SseViewer) -> bool:
            async with gate:
                try:
                    await asyncio.wait_for(viewer.start(), timeout_s)
                    return True
                except (TimeoutError, aiohttp.ClientError, OSError):
                    await viewer.stop()
                    return False

        new = [SseViewer(self.base, self.users[i // MAX_STREAMS_PER_USER], WALL_PASSWORD,
                         "board-delta") for i in range(self.tried, n)]
        self.tried = max(self.tried, n)
        connected = await asyncio.gather(*(connect(v) for v in new))
        self.viewers += [v for v, ok in zip(new, connected, strict=True) if ok]
        return connected.count(False)

    def alive(self) -> list[SseViewer]:
        return [v for v in self.viewers if v._task is not None and not v._task.done()]

    def totals(self) -> tuple[int, int]:
        return sum(v.bytes for v in self.viewers), sum(v.events for v in self.viewers)

    async def stop(self) -> None:
        await asyncio.gather(*(v.stop() for v in self.viewers))


async def viewers_step(stack: Hotline, watch: AmiWatch, boards: Wallboards, viewers: float,
                       args: argparse.Namespace, index: int, workdir: Path) -> dict:
    n = int(viewers)
    folder = workdir / f"viewers-{index}-{n}"
    folder.mkdir()
    prefix = f"0825{index:02d}0"
    watch.prefix = prefix
    load = loadavg()
    connect_failed = await boards.grow(n)
    pcap = write_dtmf_pcap(folder / "key-2.pcap", "2", seq=1000, timestamp=80_000)
    scenario_file = folder / "bench-112.xml"
    scenario_file.write_text(bench_scenario(prefix, pcap, args.key_after_ms, args.hold_ms))
    calls = max(1, round(args.rate * args.step_seconds))
    sipp = Sipp(sipp_command(stack, scenario_file, folder, "112", args.rate, calls,
                             args.step_seconds + 60), folder)
    watching = boards.alive()
    bytes0, events0 = boards.totals()
    usage = Usage(stack, sipp)
    await sipp.start()
    await sipp.wait()
    await asyncio.sleep(1.0)  # the last joins reach the board
    callers = [c for c in watch.joined_wall if c.startswith(prefix)]
    settle_until = time.perf_counter() + args.settle_seconds
    while time.perf_counter() < settle_until and not all(
            c in v.seen for v in watching for c in callers):
        await asyncio.sleep(0.5)
    figures = usage.shares()
    bytes1, events1 = boards.totals()
    still = boards.alive()
    delays, missing = pair_delays([v.seen for v in still], watch.joined_wall, callers)
    stats = sipp_stats(folder)
    return {
        "viewers": n, "loadavg_before": load, "connected": len(watching),
        "connect_failed": connect_failed,
        "lost": len(watching) - len(still),
        "calls": calls, "joined": len(callers),
        "sipp_failed": int(stats.get("FailedCall(C)", 0) or 0),
        "pairs": len(delays), "pairs_missing": missing,
        "seen_p50": pct(delays, 50), "seen_p99": pct(delays, 99),
        "bytes_per_s": (bytes1 - bytes0) / figures["seconds"],
        "events_per_viewer_s": (events1 - events0) / figures["seconds"] / max(1, len(watching)),
        **figures,
    }


def viewers_rows(steps: list[dict]) -> str:
    return table(["viewers", "load avg before", "connected", "failed to connect",
                  "lost stream", "callers joined", "join→seen p50/p99 ms (pairs)",
                  "pairs never seen", "web CPU %", "AMI CPU %", "viewers (this process) CPU %",
                  "SSE kB/s to all viewers", "events/s per viewer",
                  f"hotline + SIPp % of {CORES} cores", f"machine CPU % of {CORES} cores",
                  "over the limit"],
                 [[s["viewers"], s["loadavg_before"], s["connected"], s["connect_failed"],
                   s["lost"], s["joined"],
                   f"{ms(s['seen_p50'])} / {ms(s['seen_p99'])} ({s['pairs']})",
                   s["pairs_missing"], f"{100 * s['cpu_share']['web']:.0f}",
                   f"{100 * s['cpu_share']['ami']:.0f}", f"{100 * s['bench_cpu_share']:.0f}",
                   f"{s['bytes_per_s'] / 1000:.1f}", f"{s['events_per_viewer_s']:.1f}",
                   f"{100 * s['stack_cpu']:.0f}", f"{100 * s['machine_cpu']:.0f}",
                   "; ".join(viewers_broken(s)) or "–"] for s in steps])


async def run_viewers(args: argparse.Namespace, workdir: Path) -> list[dict]:
    most = int(max(args.steps))
    stack = start_hotline(workdir, IVR_WEB_MAX_STREAMS=str(max(most + 10, 200)))
    watch = AmiWatch(stack)
    boards: Wallboards | None = None
    try:
        await watch.start()
        boards = await asyncio.to_thread(Wallboards, stack, most)
        await asyncio.sleep(2)
        return await ramp(args.steps,
                          lambda i, n: viewers_step(stack, watch, boards, n, args, i, workdir),
                          viewers_broken, viewers_rows, args.keep_going)
    finally:
        Sipp.kill_all()
        if boards is not None:
            await boards.stop()
        await watch.stop()
        stack.stop()


# -- the command line ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    run: Callable[[argparse.Namespace, Path], Awaitable[list[dict]]]
    rows: Callable[[list[dict]], str]
    broken: Callable[[dict], list[str]]


PARTS = {
    "report": Part(run_report, report_rows, report_broken),
    "media": Part(run_media, media_rows, media_broken),
    "viewers": Part(run_viewers, viewers_rows, viewers_broken),
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parts = parser.add_subparsers(dest="part", required=True)

    def part(name: str, steps: list[float], step_help: str) -> argparse.ArgumentParser:
        sub = parts.add_parser(name, help="breaks at " + RULES[name].replace("%", "%%"))
        sub.add_argument("--steps", type=float, nargs="+", default=steps, help=step_help)
        sub.add_argument("--keep-going", action="store_true",
                         help="run every step even past the breaking point")
        sub.add_argument("--keep", default="", help="work in this folder and keep it")
        return sub

    report = part("report", [0.5, 1, 2, 4, 8], "calls per second, one step each")
    report.add_argument("--step-seconds", type=float, default=60,
                        help="seconds of arrivals per step (calls = rate × this); longer than "
                             "a call (~44 s) reaches the rate's steady state")
    report.add_argument("--cpu-window-s", type=float, default=15,
                        help="CPU over the last this many seconds of the arrivals")
    report.add_argument("--patience-s", type=float, default=60,
                        help="after the #, how long a caller waits for Asterisk to hang up")
    report.add_argument("--as-shipped", action="store_true",
                        help="do not install the digit recordings that ivr render misses")
    media = part("media", [25, 50, 100, 200, 300], "callers waiting at once, one step each")
    media.add_argument("--arrival-rate", type=float, default=20, help="callers per second")
    media.add_argument("--window-s", type=float, default=10,
                       help="seconds between the two RTP counts (everyone waiting)")
    media.add_argument("--settle-s", type=float, default=2,
                       help="seconds after the last caller is waiting, before the window")
    viewers = part("viewers", [10, 50, 100, 200, 400], "wallboard viewers, one step each")
    viewers.add_argument("--rate", type=float, default=5, help="112 callers per second")
    viewers.add_argument("--step-seconds", type=float, default=20,
                         help="seconds of calls per step")
    viewers.add_argument("--key-after-ms", type=int, default=1500)
    viewers.add_argument("--hold-ms", type=int, default=3000)
    viewers.add_argument("--settle-seconds", type=float, default=10,
                         help="after the calls, wait up to this long for every viewer to "
                              "show every caller")
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> list[dict]:
    log(f"{args.part}: breaks at {RULES[args.part]}")
    with tempfile.TemporaryDirectory(prefix=f"capacity-{args.part}-") as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        return await PARTS[args.part].run(args, workdir)


def main() -> int:
    args = parse_args()
    part = PARTS[args.part]
    steps = asyncio.run(main_async(args))
    why = part.broken(steps[-1]) if steps else []
    path = save(f"capacity-{args.part}", {
        "machine": machine(), "command": " ".join(sys.argv), "args": vars(args),
        "rule": RULES[args.part], "broke": why, "steps": steps})
    print(f"Breaking point ({args.part}): {RULES[args.part]}.\n")
    print(part.rows(steps))
    verdict = f"Broke at {len(steps)} step(s): {'; '.join(why)}." if why else "Not broken."
    print(f"\n{verdict} Saved {path.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
