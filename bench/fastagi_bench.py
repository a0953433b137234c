"""FastAGI cost per call: our FastAGI server (asyncio and uvloop) beside classic AGI (pyst2).

This harness plays Asterisk's side of AGI for a 112 caller who presses 2: the header block,
then a reply to each command the flow sends (SET VARIABLE HOTLINE_NEXT, GET DATA → "2",
the queue's variables in one EXEC MSet), then waits for the server to close (the 112
incident record goes to the database in the background, with the other calls of its
moment). Variants:

  fastagi-asyncio / fastagi-uvloop   ``ivr agi`` (bench/agi_server_proc.py: the same service
                                     plus an event-loop lag probe) as a subprocess on free
                                     ports, its database SQLite in a temporary data folder;
                                     IVR_EVENT_LOOP chooses the loop.
  fastagi-*-nodb                     the same, with a ticket desk that stores nothing: the
                                     AGI and flow cost without the incident's database write.
  classic-hotline                    agi_scripts/hotline_agi.py, one process per call, as
                                     Asterisk's AGI() would start it (same flows, same desk).
  classic-pyst2                      bench/pyst2_112.py: a bare pyst2 script sending the same
                                     commands (no flow engine, no database): the baseline.

For each: a sequential phase (one call at a time: per-command latency) and a load phase
(``--concurrency`` calls at once for ``--seconds``: calls/s, latency, loop lag). CPU is the
server process's own (utime+stime from /proc, all threads) or, for classic AGI, the
children's rusage; the lag probe's idle cost is measured first and subtracted.

    .venv/bin/python bench/fastagi_bench.py            # prints Markdown tables
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchlib import (
    ROOT,
    free_port,
    loadavg,
    machine,
    ms,
    pct,
    proc_cpu_seconds,
    save,
    table,
    wait_tcp,
)

PYTHON = sys.executable
HERE = Path(__file__).resolve().parent
CLASSIC = ROOT / "agi_scripts" / "hotline_agi.py"
BARE = HERE / "pyst2_112.py"

Latencies = dict[str, list[float]]


def headers(uid: str, *, network: bool, data_dir: str = "") -> bytes:
    """The header block Asterisk 22 sends before the first command."""
    request = "agi://127.0.0.1:4573/emergency" if network else str(CLASSIC)
    lines = [
        f"agi_network: {'yes' if network else 'no'}",
        *(["agi_network_script: emergency"] if network else []),
        f"agi_request: {request}", "agi_channel: PJSIP/pstn-trunk-00000001",
        "agi_language: en", "agi_type: PJSIP", f"agi_uniqueid: {uid}",
        "agi_version: 22.10.0", "agi_callerid: 081234567890", "agi_calleridname: Citizen",
        "agi_callingpres: 0", "agi_callingani2: 0", "agi_callington: 0", "agi_callingtns: 0",
        "agi_dnid: 112", "agi_rdnis: unknown", "agi_context: emergency-112",
        "agi_extension: s", "agi_priority: 4", "agi_enhanced: 0.0",
        "agi_accountcode: ", "agi_threadid: 140000000000000",
        *([f"agi_bench_sounds: {data_dir}"] if data_dir else []),
    ]
    return ("\n".join(lines) + "\n\n").encode()


def reply_to(command: bytes) -> bytes:
    return b"200 result=2\n" if command.startswith(b"GET DATA") else b"200 result=1\n"


def label(index: int, command: bytes) -> str:
    words = command.decode(errors="replace").replace('"', "").split()
    name = " ".join(words[:3]) if words[:2] == ["SET", "VARIABLE"] else " ".join(words[:2])
    return f"{index + 1} {name}"


async def converse(reader: asyncio.StreamReader, write: Callable[[bytes], None],
                   start: bytes, lat: Latencies) -> bool:
    """Asterisk's side of one session; per-command latency = our last write → next command.
    True when the flow ran to its end: the caller's queue was set."""
    sent = time.perf_counter()
    write(start)
    index = 0
    queued = False
    while True:
        line = await reader.readline()
        now = time.perf_counter()
        if not line:
            lat["end: last reply → close"].append(now - sent)
            return queued
        lat[label(index, line)].append(now - sent)
        queued = queued or b"HOTLINE_QUEUE" in line
        index += 1
        sent = time.perf_counter()
        write(reply_to(line))


_uids = iter(range(10**9))
_run_tag = f"{int(time.time())}"


def next_uid() -> str:
    return f"{_run_tag}.{next(_uids)}"


def fastagi_call(port: int) -> Callable[[Latencies], Awaitable[bool]]:
    async def call(lat: Latencies) -> bool:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await converse(reader, writer.write, headers(next_uid(), network=True), lat)
        finally:
            writer.close()
    return call


def classic_call(script: Path, env: dict[str, str], data_dir: str
                 ) -> Callable[[Latencies], Awaitable[bool]]:
    async def call(lat: Latencies) -> bool:
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            PYTHON, str(script), "emergency", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env)
        assert proc.stdin and proc.stdout
        stdin = proc.stdin
        queued = await converse(proc.stdout, stdin.write,
                                headers(next_uid(), network=False, data_dir=data_dir), lat)
        stdin.close()
        code = await proc.wait()
        lat["whole call (spawn → exit)"].append(time.perf_counter() - started)
        if code != 0:
            raise RuntimeError(f"{script.name} exited {code}")
        return queued
    return call


async def run_calls(call: Callable[[Latencies], Awaitable[bool]], concurrency: int,
                    seconds: float, max_calls: int) -> tuple[Latencies, int, int, float]:
    """``concurrency`` callers back to back until ``seconds`` or ``max_calls``."""
    lat: Latencies = defaultdict(list)
    done = failed = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()

    async def caller() -> None:
        nonlocal done, failed
        while time.perf_counter() < deadline and done + failed < max_calls:
            try:
                if await call(lat):  # the flow ran to its end
                    done += 1
                else:
                    failed += 1
            except Exception as exc:  # a failed call is counted, the run goes on
                failed += 1
                print(f"  call failed: {exc!r}", file=sys.stderr)

    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return lat, done, failed, time.perf_counter() - started


class Server:
    """``bench/agi_server_proc.py`` (= ``ivr agi`` + lag probe) as a subprocess."""

    def __init__(self, loop: str, data_dir: Path, lag: bool = True, desk: str = "") -> None:
        self.port = free_port()
        self.lag_file = data_dir / "lag.json"
        env = {**os.environ, "IVR_DATA_DIR": str(data_dir), "IVR_AGI_PORT": str(self.port),
               "IVR_EVENT_LOOP": loop, "BENCH_LAG_FILE": str(self.lag_file),
               "BENCH_LAG": "1" if lag else "0", "BENCH_DESK": desk, "PYTHONPATH": str(ROOT)}
        self.log = open(data_dir / "fastagi.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([PYTHON, str(HERE / "agi_server_proc.py")], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_tcp(self.port)

    def cpu(self) -> float:
        return proc_cpu_seconds(self.proc.pid)

    def lag(self) -> dict[str, float]:
        """Loop-lag figures since the previous call (the probe then starts afresh)."""
        self.lag_file.unlink(missing_ok=True)
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while not self.lag_file.exists():
            if time.monotonic() > deadline:
                return {}
            time.sleep(0.01)
        return json.loads(self.lag_file.read_text())

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def bench_fastagi(variant: str, args: argparse.Namespace, workdir: Path) -> dict:
    loop = variant.split("-")[1]
    data_dir = workdir / variant
    data_dir.mkdir()
    server = Server(loop, data_dir, desk="none" if variant.endswith("-nodb") else "")
    try:
        call = fastagi_call(server.port)
        await run_calls(call, 4, 30, args.warmup)  # first calls: imports, migrations, pools
        time.sleep(0.2)
        cpu0, t0 = server.cpu(), time.perf_counter()
        time.sleep(2.0)
        idle_rate = (server.cpu() - cpu0) / (time.perf_counter() - t0)
        server.lag()
        result: dict = {"variant": variant, "idle_cpu_per_s": idle_rate,
                        "server_pid": server.proc.pid}
        for phase, concurrency, seconds, calls in (
                ("sequential", 1, 60, args.sequential_calls),
                ("load", args.concurrency, args.seconds, 10**9)):
            load = loadavg()
            cpu0 = server.cpu()
            client0 = resource.getrusage(resource.RUSAGE_SELF)
            lat, done, failed, elapsed = await run_calls(call, concurrency, seconds, calls)
            cpu = server.cpu() - cpu0 - idle_rate * elapsed
            client1 = resource.getrusage(resource.RUSAGE_SELF)
            client_cpu = (client1.ru_utime + client1.ru_stime
                          - client0.ru_utime - client0.ru_stime)
            result[phase] = {
                "loadavg_before": load, "concurrency": concurrency, "calls": done,
                "failed": failed, "seconds": elapsed, "calls_per_s": done / elapsed,
                "cpu_per_call_s": cpu / max(done, 1), "server_cpu_share": cpu / elapsed,
                "client_cpu_per_call_s": client_cpu / max(done, 1),
                "latency": {k: {"p50": pct(v, 50), "p99": pct(v, 99), "n": len(v)}
                            for k, v in lat.items()},
                "loop_lag": server.lag(),
            }
        return result
    finally:
        server.stop()


async def bench_classic(name: str, script: Path, args: argparse.Namespace,
                        workdir: Path) -> dict:
    data_dir = workdir / name
    data_dir.mkdir()
    env = {"IVR_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    call = classic_call(script, env, str(data_dir))
    await run_calls(call, 1, 60, 3)  # the first call creates the database
    result: dict = {"variant": name}
    for phase, concurrency, seconds, calls in (
            ("sequential", 1, 60, args.classic_calls),
            ("load", 2, args.seconds, 10**9)):
        load = loadavg()
        cpu0 = children_cpu()
        lat, done, failed, elapsed = await run_calls(call, concurrency, seconds, calls)
        cpu = children_cpu() - cpu0
        result[phase] = {
            "loadavg_before": load, "concurrency": concurrency, "calls": done,
            "failed": failed, "seconds": elapsed, "calls_per_s": done / elapsed,
            "cpu_per_call_s": cpu / max(done, 1), "server_cpu_share": cpu / elapsed,
            "latency": {k: {"p50": pct(v, 50), "p99": pct(v, 99), "n": len(v)}
                        for k, v in lat.items()},
        }
    return result


def report(results: list[dict]) -> str:
    out = []
    base = next((r for r in results if r["variant"] == "classic-pyst2"), None)
    rows = []
    for r in results:
        for phase in ("sequential", "load"):
            p = r[phase]
            ratio = (f"{base[phase]['cpu_per_call_s'] / p['cpu_per_call_s']:.3g}×"
                     if base else "–")
            lag = p.get("loop_lag") or {}
            rows.append([
                r["variant"], phase, p["loadavg_before"], p["concurrency"], p["calls"],
                p["failed"], f"{p['calls_per_s']:.0f}",
                f"{p['cpu_per_call_s'] * 1e6:.0f}", f"{1 / p['cpu_per_call_s']:.0f}", ratio,
                f"{ms(lag['p50'])} / {ms(lag['p99'])} / {ms(lag['max'])}" if lag else "–"])
    out.append(table(["variant", "phase", "load avg before", "calls at once", "calls",
                      "failed", "calls/s (measured)", "CPU µs/call", "calls/s per core (1/CPU)",
                      "pyst2 CPU ÷ this", "loop lag p50/p99/max ms"], rows))
    for r in results:
        for phase in ("sequential", "load"):
            p = r[phase]
            out.append(f"\n{r['variant']}, {phase} ({p['concurrency']} at once), "
                       "latency per command, ms:\n")
            out.append(table(["command", "p50", "p99", "n"],
                             [[k, ms(v["p50"]), ms(v["p99"]), v["n"]]
                              for k, v in p["latency"].items()]))
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory(prefix="fastagi-bench-") as tmp:
        workdir = Path(tmp)
        for variant in args.variants:
            print(f"[fastagi_bench] {variant} (load average {loadavg()})", file=sys.stderr)
            if variant.startswith("fastagi-"):
                results.append(await bench_fastagi(variant, args, workdir))
            elif variant == "classic-hotline":
                results.append(await bench_classic(variant, CLASSIC, args, workdir))
            elif variant == "classic-pyst2":
                results.append(await bench_classic(variant, BARE, args, workdir))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", default=[
        "fastagi-asyncio", "fastagi-uvloop", "fastagi-asyncio-nodb", "fastagi-uvloop-nodb",
        "classic-pyst2", "classic-hotline"])
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--sequential-calls", type=int, default=500)
    parser.add_argument("--classic-calls", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    try:
        import uvloop
        runner: Callable = uvloop.run  # the harness itself on uvloop: a cheaper client
    except ImportError:
        runner = asyncio.run
    results = runner(main_async(args))
    save("fastagi", {"machine": machine(), "args": vars(args), "results": results})
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
