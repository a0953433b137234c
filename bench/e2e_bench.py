"""End to end: SIPp places 112 calls into a whole hotline (``ivr run``) at rising call rates.

Each call: INVITE → 200 OK → ACK, after ``--key-after-ms`` it presses 2 (RFC 4733, a pcap
played by SIPp), waits ``--hold-ms`` in the `fire` queue, hangs up. No operator answers (the
queues have no members); a caller who waits and hangs up is what the IVR, the queue and the
live board see. One SIPp process per step drives ``rate × --step-seconds`` calls with ``-r``.

Per step:
  - SIPp: successful / failed calls; call setup (INVITE → 200 OK) p50/p99 from its ``rtd``
    timer (``-trace_rtt``, every call);
  - Asterisk, over our own AMI login: key press → queue = ``DTMFEnd`` (received) → ``
    QueueCallerJoin`` of `fire` on the same channel (the caller waits in `emergency` from
    arrival until the key); calls that did not reach `fire` count as failed;
  - live board: ``QueueCallerJoin`` seen on AMI → the caller present in the board that the AMI
    service publishes (redis ``ivr:events`` message, then the board key); what
    ``/api/v1/queues`` serves is that board key;
  - concurrent calls (peak, from SIPp's stat file), CPU of Asterisk, of our services and of
    SIPp from /proc, and the machine's load average before the step.
It stops at the first step past the breaking point: failures > 0.1 %, setup p99 > 100 ms or
the CPU of the hotline and SIPp > 85 % of the machine's cores (the whole machine's CPU is shown
beside it: other test suites share it).

    .venv/bin/python bench/e2e_bench.py --rates 2 5 10 20 --step-seconds 20

Side by side (issue 18): ``--coalesce-ms 0 100 --browser`` runs the steps on one hotline per
value of IVR_BOARD_COALESCE_MS, one after the other in this run (0 = the board saved after
every queue event, as before; viewers then read ``want=board``, the whole board per change),
with an SSE client and a headless Chromium wallboard (``board_viewers.py``) watching: join →
caller shown on each, from the same AMI join time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchlib import (
    ROOT,
    children_of,
    cmdline,
    loadavg,
    machine,
    ms,
    pct,
    proc_cpu_seconds,
    save,
    table,
    total_cpu_seconds,
)
from board_viewers import BrowserViewer, SseViewer

sys.path.insert(0, str(ROOT / "tests"))
from dtmf_pcap import write_dtmf_pcap  # noqa: E402
from hotline import Hotline, free_tcp_and_udp_port  # noqa: E402
from sipp_scenarios import Caller, caller_scenario, pause, play_pcap  # noqa: E402


def bench_scenario(prefix: str, pcap: Path, key_after_ms: int, hold_ms: int) -> str:
    """Each call from its own number ``PREFIX<call number>``: it presses 2 and waits in `fire`."""
    return caller_scenario(Caller(f"{prefix}[call_number]", name="Bench"),
                           [pause(key_after_ms), play_pcap(pcap)], hold_ms, name="bench-112")


GROUPS = ("asterisk", "fastagi", "ami", "web", "roster", "redis", "supervisor")


def group_of(pid: int, supervisor: int) -> str | None:
    if pid == supervisor:
        return "supervisor"
    line = cmdline(pid)
    if "asterisk" in line:
        return "asterisk"
    if "redis-server" in line:
        return "redis"
    for name in ("agi", "ami", "web", "roster"):
        if line.endswith((f"-m ivr {name}", f"-m ivr serve {name}")):
            return "fastagi" if name == "agi" else name
    return None


def cpu_by_group(supervisor: int) -> dict[str, float]:
    cpu: dict[str, float] = defaultdict(float)
    for pid in children_of(supervisor):
        group = group_of(pid, supervisor)
        if group:
            cpu[group] += proc_cpu_seconds(pid)
    return cpu


class AmiWatch:
    """Our own AMI login: DTMF and queue joins per channel, and the board's redis updates."""

    def __init__(self, stack: Hotline) -> None:
        self.stack = stack
        self.dtmf: dict[str, float] = {}      # Uniqueid -> DTMFEnd received
        self.joined: dict[str, tuple[float, str, str]] = {}  # caller -> (t, queue, uniqueid)
        # 112 callers join `emergency` on arrival; the key moves them to `fire` (queue first).
        self.in_fire: dict[str, tuple[float, str]] = {}  # caller -> (t, uniqueid)
        self.on_board: dict[str, float] = {}  # caller -> first board with them (seen here)
        self.published: dict[str, float] = {}  # caller -> that board's "at" (AMI service)
        self.joined_wall: dict[str, float] = {}  # caller -> QueueCallerJoin, time.time()
        self.prefix = ""

    async def start(self) -> None:
        from panoramisk import Manager
        from redis.asyncio import Redis

        secret = (self.stack.data_dir / "secrets" / "ami_secret").read_text().strip()
        self.manager = Manager(host="127.0.0.1", port=self.stack.ports["ami"],
                               username="hotline", secret=secret, ping_delay=3600,
                               loop=asyncio.get_running_loop())
        self.manager.register_event("DTMFEnd", self._dtmf)
        self.manager.register_event("QueueCallerJoin", self._join)
        await self.manager.connect()
        self.redis = Redis.from_url(f"redis://127.0.0.1:{self.stack.ports['redis']}/0")
        self.pubsub = self.redis.pubsub()
        await self.pubsub.subscribe("ivr:events")
        self.task = asyncio.create_task(self._follow_board())

    def _dtmf(self, manager: object, event: dict) -> None:
        if event.get("Direction") == "Received" and event.get("Uniqueid"):
            self.dtmf.setdefault(event["Uniqueid"], time.perf_counter())

    def _join(self, manager: object, event: dict) -> None:
        caller = event.get("CallerIDNum", "")
        if event.get("Queue") == "fire" and caller not in self.in_fire:
            self.in_fire[caller] = (time.perf_counter(), event.get("Uniqueid", ""))
        if caller not in self.joined:
            self.joined[caller] = (time.perf_counter(), event.get("Queue", ""),
                                   event.get("Uniqueid", ""))
            self.joined_wall[caller] = time.time()

    async def _follow_board(self) -> None:
        async for message in self.pubsub.listen():
            if message.get("type") != "message":
                continue
            body = await self.redis.get("ivr:queues")
            now = time.perf_counter()
            if not body or not self.prefix:
                continue
            board = json.loads(body)
            stamp = json.loads(message["data"]).get("at", 0.0)
            for queue in board.get("queues", {}).values():
                for entry in queue.get("waiting", []) if isinstance(queue, dict) else []:
                    number = entry.get("caller_number", "")
                    if number.startswith(self.prefix) and number not in self.on_board:
                        self.on_board[number] = now
                        self.published[number] = stamp

    async def stop(self) -> None:
        self.task.cancel()
        await self.pubsub.aclose()
        await self.redis.aclose()
        self.manager.close()


def rtt_values(folder: Path) -> list[float]:
    """Every ``setup`` rtd (ms in the file) from SIPp's -trace_rtt file, in seconds."""
    values = []
    for path in folder.glob("*_rtt.csv"):
        with open(path) as fh:
            for row in csv.reader(fh, delimiter=";"):
                if len(row) >= 3 and row[-1].strip() == "setup":
                    values.append(float(row[-2]) / 1000)
                elif len(row) >= 3 and row[2].strip() == "setup":
                    values.append(float(row[1]) / 1000)
    return values


def sipp_stats(folder: Path) -> dict[str, str]:
    rows = []
    for path in folder.glob("*_.csv"):
        with open(path) as fh:
            rows = list(csv.DictReader(fh, delimiter=";"))
    return rows[-1] if rows else {}


def peak_concurrent(folder: Path) -> int:
    peak = 0
    for path in folder.glob("*_.csv"):
        with open(path) as fh:
            for row in csv.DictReader(fh, delimiter=";"):
                try:
                    peak = max(peak, int(row.get("CurrentCall", 0)))
                except ValueError:
                    continue
    return peak


ADMIN_USER, ADMIN_PASSWORD = "bench", "bench-board-pass-1"


class Viewers:
    """The wallboard viewers of one hotline: an SSE client, and Chromium with ``--browser``."""

    def __init__(self, stack: Hotline, coalesce_ms: int, browser: bool, workdir: Path) -> None:
        base = f"http://127.0.0.1:{stack.ports['web']}"
        self.sse = SseViewer(base, ADMIN_USER, ADMIN_PASSWORD,
                             "board" if coalesce_ms == 0 else "board-delta")
        self.browser = BrowserViewer(base, ADMIN_USER, ADMIN_PASSWORD,
                                     workdir / "chromium") if browser else None

    async def start(self) -> None:
        await self.sse.start()
        if self.browser is not None:
            await self.browser.start()

    async def browser_seen(self) -> dict[str, float]:
        return await self.browser.seen() if self.browser is not None else {}

    async def stop(self) -> None:
        await self.sse.stop()
        if self.browser is not None:
            await self.browser.stop()


def delays(seen: dict[str, float], joined: dict[str, float], callers: list[str]) -> list[float]:
    return [seen[c] - joined[c] for c in callers if c in seen and c in joined]


async def settle(watch: AmiWatch, viewers: Viewers, callers: list[str], limit_s: float) -> float:
    """Wait until every caller that joined is on the SSE viewer's board (a backlog drains),
    at most ``limit_s``; returns the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        if all(c in viewers.sse.seen for c in callers):
            break
        await asyncio.sleep(0.5)
    return time.perf_counter() - started


async def run_step(stack: Hotline, watch: AmiWatch, viewers: Viewers, rate: float,
                   args: argparse.Namespace, step: int, workdir: Path) -> dict:
    folder = workdir / f"step-{step}-{rate:g}"
    folder.mkdir()
    prefix = f"0819{step}0"
    watch.prefix = prefix
    pcap = write_dtmf_pcap(folder / "key-2.pcap", "2", seq=1000, timestamp=80_000)
    scenario = folder / "bench-112.xml"
    scenario.write_text(bench_scenario(prefix, pcap, args.key_after_ms, args.hold_ms))
    calls = max(1, round(rate * args.step_seconds))
    load = loadavg()
    assert stack.process is not None, "main_async starts the hotline first"
    supervisor = stack.process.pid
    cpu0, busy0 = cpu_by_group(supervisor), total_cpu_seconds()
    started = time.perf_counter()
    command = ["sipp", f"127.0.0.1:{stack.ports['sip']}", "-sf", str(scenario), "-s", "112",
               "-i", "127.0.0.1", "-p", str(free_tcp_and_udp_port()),
               "-mp", str(free_tcp_and_udp_port() & ~1),
               "-r", f"{rate:g}", "-rp", "1000", "-m", str(calls), "-l", str(calls),
               "-nostdin", "-timeout", f"{args.step_seconds + 60:.0f}s",
               "-trace_stat", "-fd", "1", "-trace_rtt", "-rtt_freq", "1",
               "-trace_err", "-error_file", str(folder / "errors.log"),
               "-max_socket", "4000"]
    proc = await asyncio.create_subprocess_exec(*command, cwd=folder,
                                                stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL)
    sipp_pid = proc.pid
    sipp_cpu = 0.0
    while proc.returncode is None:
        sipp_cpu = max(sipp_cpu, proc_cpu_seconds(sipp_pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), 0.5)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(1.0)  # the last joins reach the board
    cpu1, busy1 = cpu_by_group(supervisor), total_cpu_seconds()
    joined_now = [c for c in watch.joined if c.startswith(prefix)]
    backlog_s = await settle(watch, viewers, joined_now, args.settle_seconds)
    sse = delays(viewers.sse.seen, watch.joined_wall, joined_now)
    browser = delays(await viewers.browser_seen(), watch.joined_wall, joined_now)
    stats = sipp_stats(folder)
    ok = int(stats.get("SuccessfulCall(C)", 0) or 0)
    failed_sip = int(stats.get("FailedCall(C)", 0) or 0)
    callers = [c for c in watch.joined if c.startswith(prefix)]
    in_fire = [c for c in callers if c in watch.in_fire]
    key_to_queue = [watch.in_fire[c][0] - watch.dtmf[watch.in_fire[c][1]] for c in in_fire
                    if watch.in_fire[c][1] in watch.dtmf]
    board = [watch.on_board[c] - watch.joined[c][0] for c in callers if c in watch.on_board]
    # The board's "at" is stamped by the AMI service when it publishes (same clock, same host):
    # this part leaves out our watcher's own reading of the board.
    published = [watch.published[c] - watch.joined_wall[c] for c in callers
                 if c in watch.published and c in watch.joined_wall]
    setup = rtt_values(folder)
    failed = max(failed_sip, calls - ok) + (ok - min(ok, len(in_fire)))
    cpu = {g: (cpu1.get(g, 0.0) - cpu0.get(g, 0.0)) / elapsed for g in GROUPS}
    machine_busy = (busy1[0] - busy0[0]) / (busy1[1] - busy0[1])
    return {
        "rate": rate, "calls": calls, "loadavg_before": load, "seconds": elapsed,
        "sipp_ok": ok, "sipp_failed": failed_sip, "joined": len(callers),
        "in_fire": len(in_fire), "failed": failed, "failed_share": failed / calls,
        "setup_p50": pct(setup, 50), "setup_p99": pct(setup, 99), "setup_n": len(setup),
        "key_to_queue_p50": pct(key_to_queue, 50), "key_to_queue_p99": pct(key_to_queue, 99),
        "key_to_queue_n": len(key_to_queue),
        "board_p50": pct(board, 50), "board_p99": pct(board, 99), "board_n": len(board),
        "published_p50": pct(published, 50), "published_p99": pct(published, 99),
        "peak_concurrent": peak_concurrent(folder),
        "coalesce_ms": args.coalesce, "sse_want": viewers.sse.want,
        "sse_p50": pct(sse, 50), "sse_p99": pct(sse, 99), "sse_n": len(sse),
        "sse_missing": len(callers) - len(sse), "settle_s": backlog_s,
        "browser_p50": pct(browser, 50), "browser_p99": pct(browser, 99),
        "browser_n": len(browser),
        "browser_missing": (len(callers) - len(browser)) if viewers.browser else None,
        "cpu_share": cpu, "sipp_cpu_share": sipp_cpu / elapsed,
        "machine_cpu": machine_busy,
        "stack_cpu": (sum(cpu.values()) + sipp_cpu / elapsed) / (os.cpu_count() or 1),
    }


def failing(step: dict) -> list[str]:
    """Past the breaking point by its calls: failures > 0.1 % or setup p99 > 100 ms."""
    why = []
    if step["failed_share"] > 0.001:
        why.append(f"failures {100 * step['failed_share']:.1f} %")
    if step["setup_p99"] > 0.100:
        why.append(f"setup p99 {step['setup_p99'] * 1000:.0f} ms")
    return why


def broken(step: dict) -> list[str]:
    why = failing(step)
    # Other test suites share this machine: the limit is on what this benchmark runs.
    if step["stack_cpu"] > 0.85:
        why.append(f"hotline + SIPp CPU {100 * step['stack_cpu']:.0f} % of 2 cores")
    return why


def report(steps: list[dict]) -> str:
    rows = []
    for s in steps:
        ours = sum(s["cpu_share"][g] for g in ("fastagi", "ami", "web", "roster"))
        rows.append([
            s.get("coalesce_ms", "–"),
            f"{s['rate']:g}", s["loadavg_before"], s["calls"], s["failed"],
            f"{ms(s['setup_p50'])} / {ms(s['setup_p99'])}",
            f"{ms(s['key_to_queue_p50'])} / {ms(s['key_to_queue_p99'])}",
            f"{ms(s['published_p50'])} / {ms(s['published_p99'])}",
            f"{ms(s['board_p50'])} / {ms(s['board_p99'])}",
            f"{ms(s.get('sse_p50'))} / {ms(s.get('sse_p99'))} ({s.get('sse_missing', '–')})",
            (f"{ms(s.get('browser_p50'))} / {ms(s.get('browser_p99'))} "
             f"({s.get('browser_missing')})" if s.get("browser_missing") is not None else "–"),
            s["peak_concurrent"],
            f"{100 * s['cpu_share']['asterisk']:.0f}",
            f"{100 * s['cpu_share']['fastagi']:.0f}", f"{100 * s['cpu_share']['ami']:.0f}",
            f"{100 * s['cpu_share']['web']:.0f}",
            f"{100 * ours:.0f}", f"{100 * s['sipp_cpu_share']:.0f}",
            f"{100 * s['stack_cpu']:.0f}", f"{100 * s['machine_cpu']:.0f}",
            ", ".join(broken(s)) or "–"])
    return table(["board coalesce ms", "calls/s", "load avg before", "calls", "failed",
                  "setup p50/p99 ms",
                  "key→queue p50/p99 ms", "join→board published p50/p99 ms",
                  "join→board read in redis p50/p99 ms",
                  "join→SSE client p50/p99 ms (not seen)",
                  "join→browser wallboard p50/p99 ms (not seen)", "peak calls",
                  "Asterisk CPU % of a core", "FastAGI CPU %", "AMI CPU %", "web CPU %",
                  "all our services CPU %", "SIPp CPU %", "hotline + SIPp % of 2 cores",
                  "machine CPU % of 2 cores (shared)",
                  "over the limit"], rows)


async def main_async(args: argparse.Namespace) -> list[dict]:
    steps: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="e2e-bench-") as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for coalesce in args.coalesce_ms:
            args.coalesce = coalesce
            steps += await run_hotline(args, workdir / f"coalesce-{coalesce}")
    return steps


async def run_hotline(args: argparse.Namespace, workdir: Path) -> list[dict]:
    """The steps on one hotline (IVR_BOARD_COALESCE_MS = ``args.coalesce``)."""
    steps: list[dict] = []
    workdir.mkdir(parents=True)
    # Asterisk takes two RTP ports per call: tests/hotline.py's 100 would cap us at 50 calls.
    overrides = {"IVR_RTP_PORT_START": "30000", "IVR_RTP_PORT_END": "39999",
                 "IVR_BOARD_COALESCE_MS": str(args.coalesce),
                 "IVR_ADMIN_USER": ADMIN_USER, "IVR_ADMIN_PASSWORD": ADMIN_PASSWORD}
    if args.event_loop:
        overrides["IVR_EVENT_LOOP"] = args.event_loop
    stack = Hotline(workdir / "hotline", **overrides)
    print(f"[e2e_bench] starting a hotline, board coalesce {args.coalesce} ms "
          f"(load average {loadavg()})", file=sys.stderr)
    stack.start()
    watch = AmiWatch(stack)
    viewers = Viewers(stack, args.coalesce, args.browser, workdir)
    try:
        await watch.start()
        await viewers.start()
        await asyncio.sleep(2)
        for index, rate in enumerate(args.rates, start=1):
            print(f"[e2e_bench] {rate:g} calls/s for {args.step_seconds:g} s "
                  f"(load average {loadavg()})", file=sys.stderr)
            step = await run_step(stack, watch, viewers, rate, args, index, workdir)
            steps.append(step)
            print(report([step]).splitlines()[-1], file=sys.stderr)
            if broken(step) and not args.keep_going:
                break
            await asyncio.sleep(args.hold_ms / 1000 + 2)  # the last callers leave
    finally:
        await viewers.stop()
        await watch.stop()
        stack.stop()
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[2, 5, 10, 20, 30, 50, 75, 100])
    parser.add_argument("--step-seconds", type=float, default=20)
    parser.add_argument("--key-after-ms", type=int, default=1500)
    parser.add_argument("--hold-ms", type=int, default=3000)
    parser.add_argument("--keep", default="", help="work in this folder and keep it")
    parser.add_argument("--event-loop", choices=["asyncio", "uvloop"], default="")
    parser.add_argument("--coalesce-ms", type=int, nargs="+", default=[100],
                        help="IVR_BOARD_COALESCE_MS per hotline, run one after the other "
                             "(0: the board saved after every event, as before)")
    parser.add_argument("--browser", action="store_true",
                        help="watch the wallboard in headless Chromium too")
    parser.add_argument("--settle-seconds", type=float, default=30.0,
                        help="after a step, wait up to this long for the SSE viewer to "
                             "show every caller that joined")
    parser.add_argument("--keep-going", action="store_true",
                        help="run every rate even past the breaking point")
    args = parser.parse_args()
    steps = asyncio.run(main_async(args))
    name = "e2e" + ("-" + args.event_loop if args.event_loop else "") + (
        "-board" if len(args.coalesce_ms) > 1 or args.browser else "")
    save(name,
         {"machine": machine(), "args": vars(args), "steps": steps})
    print(report(steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
