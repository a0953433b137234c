"""112: time from the caller's INVITE to their queue join, queue-first path against menu-first.

For each path a whole hotline (``tests/hotline.py``'s ``Hotline``: ``ivr run`` on free ports, a
private data folder) is started from that path's checkout:
  - ``new``: this checkout. A 112 caller is answered and joins `emergency` at once; the service
    menu plays as the queue's music and a key moves them to that service's queue.
  - ``old``: a worktree of commit 5f19784 (``--old-tree``; ``git worktree add /work/wt-oldpath
    5f19784``), run with that folder as cwd and PYTHONPATH so its own ``ivr`` package and
    dialplan are used. A 112 caller first hears the FastAGI voice menu and joins a queue only
    when the menu ends (``fire`` after key 2, ``emergency`` after no key and a retry).
Against each, one SIPp process per variant places calls to 112 at ``--rate`` calls/s:
  - ``key 2``: ``--calls`` calls; each presses 2 (RFC 4733) ``--key-after-ms`` after the ACK,
    holds ``--hold-ms``, hangs up;
  - ``no key``: ``--nokey-calls`` calls; each presses nothing, holds ``--nokey-hold-ms``.
No operator answers (the queues have no members).

Per call, measured from what each side records itself:
  - INVITE sent: SIPp's ``gettimeofday`` just before it sends the INVITE, written with the
    call's number to SIPp's log (``-trace_logs``); every call has its own caller number
    ``PREFIX<call number>``, so the rest matches by number;
  - queue join: the caller's first ``ENTERQUEUE`` line in Asterisk's queue log
    (``<data_dir>/logs/asterisk/queue_log``: epoch|uniqueid|queue|agent|event|url|callerid|pos).
    Asterisk 22 writes that epoch in whole seconds, so these figures are ±1 s; the same join
    is also timed from ``QueueCallerJoin`` on the bench's own AMI login (``time.time()`` when
    it arrives here; a few ms late at most), which has sub-second resolution;
  - not queued: calls SIPp placed with no ENTERQUEUE at all; SIPp's failed calls (stat file);
  - menu: calls the FastAGI log shows in the 112 flow's menu (``112/service key``), to check
    which path really ran.

    .venv/bin/python bench/queue_join_bench.py                  # both paths, ~5 min
    .venv/bin/python bench/queue_join_bench.py --calls 400 --paths new
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, loadavg, machine, pct, save, table

sys.path.insert(0, str(ROOT / "tests"))
from dtmf_pcap import write_dtmf_pcap  # noqa: E402
from hotline import Hotline, free_tcp_and_udp_port  # noqa: E402
from sipp_scenarios import Caller, ack, bye, invite, pause, play_pcap, scenario  # noqa: E402

OLD_COMMIT = "5f19784"
# Asterisk takes two RTP ports per call; Hotline's 100 would cap a hotline at 50 calls. These
# blocks are above the tests' (20000-35999) and the e2e bench's (30000-39999).
RTP_BLOCKS = {"new": ("40000", "44999"), "old": ("45000", "49999")}
# Just before the INVITE: the wall clock (epoch s, µs) and the call's number, to SIPp's log.
STAMP = ('  <nop><action><gettimeofday assign_to="t_s,t_us"/>'
         '<log message="invite [call_number] [$t_s] [$t_us]"/></action></nop>')


class PathHotline(Hotline):
    """``Hotline`` run from another checkout: its folder is the cwd and PYTHONPATH of ``ivr run``
    (``python -m ivr`` then imports that checkout's package, which renders its own dialplan)."""

    def __init__(self, data_dir: Path, tree: Path, **overrides: str) -> None:
        super().__init__(data_dir, **overrides)
        self.tree = tree
        if tree.resolve() != ROOT.resolve():
            self.env["PYTHONPATH"] = str(tree)

    def start(self, timeout_s: float = 180.0) -> None:
        here = Path.cwd()
        os.chdir(self.tree)  # Hotline.start's Popen inherits it
        try:
            super().start(timeout_s)
        finally:
            os.chdir(here)

    def ivr_source(self) -> str:
        """Where the running ``ivr run`` imported ``ivr`` from (its cwd, /proc)."""
        assert self.process is not None
        return os.readlink(f"/proc/{self.process.pid}/cwd")


def call_scenario(prefix: str, pcap: Path | None, key_after_ms: int, hold_ms: int) -> str:
    caller = Caller(f"{prefix}[call_number]", name="Bench")
    actions = [pause(key_after_ms), play_pcap(pcap)] if pcap else []
    return scenario("queue-join-112", [STAMP, *invite(caller), ack(caller), *actions,
                                       pause(hold_ms), *bye(caller)])


class JoinWatch:
    """Our own AMI login (the hotline's user, which reads `agent`): the first
    ``QueueCallerJoin`` of each caller number, timed here with the wall clock."""

    def __init__(self, stack: Hotline) -> None:
        self.stack = stack
        self.joined: dict[str, tuple[float, str]] = {}  # caller -> (time.time(), queue)

    async def start(self) -> None:
        from panoramisk import Manager

        secret = (self.stack.data_dir / "secrets" / "ami_secret").read_text().strip()
        self.manager = Manager(host="127.0.0.1", port=self.stack.ports["ami"],
                               username="hotline", secret=secret, ping_delay=3600,
                               loop=asyncio.get_running_loop())
        self.manager.register_event("QueueCallerJoin", self._join)
        await self.manager.connect()

    def _join(self, manager: object, event: dict) -> None:
        now = time.time()
        caller = event.get("CallerIDNum", "")
        if caller and caller not in self.joined:
            self.joined[caller] = (now, event.get("Queue", ""))

    def stop(self) -> None:
        self.manager.close()


def invites_sent(log: Path, prefix: str) -> dict[str, float]:
    """Caller number -> epoch the INVITE was sent, from the STAMP lines of SIPp's log."""
    sent = {}
    if log.exists():
        for line in log.read_text().splitlines():
            words = line.split()
            if len(words) == 4 and words[0] == "invite":
                sent[prefix + words[1]] = float(words[2]) + float(words[3]) / 1e6
    return sent


def queue_log_joins(path: Path, prefix: str) -> tuple[dict[str, tuple[float, str, str]], bool]:
    """Caller number -> (epoch, queue, uniqueid) of its first ENTERQUEUE; and whether any epoch
    in the file has a fraction (sub-second resolution)."""
    joins: dict[str, tuple[float, str, str]] = {}
    fraction = False
    for line in path.read_text(errors="replace").splitlines():
        fields = line.split("|")
        if len(fields) < 7 or fields[4] != "ENTERQUEUE":
            continue
        fraction = fraction or "." in fields[0]
        caller = fields[6]
        if caller.startswith(prefix) and caller not in joins:
            joins[caller] = (float(fields[0]), fields[2], fields[1])
    return joins, fraction


def menu_calls(stack: Hotline, prefix: str) -> int:
    """Calls (by unique id) from PREFIX* that the FastAGI log shows in the 112 flow's menu."""
    path = stack.data_dir / "logs" / "fastagi.log"
    if not path.exists():
        return 0
    text = path.read_text(errors="replace")
    ours = set(re.findall(rf"call (\S+) from {prefix}\d+: flow 112", text))
    in_menu = set(re.findall(r"call (\S+): 112/service key", text))
    return len(ours & in_menu)


def sipp_stats(folder: Path) -> dict[str, str]:
    rows: list[dict[str, str]] = []
    for path in folder.glob("*_.csv"):
        with open(path) as fh:
            rows = list(csv.DictReader(fh, delimiter=";"))
    return rows[-1] if rows else {}


def peak_concurrent(folder: Path) -> int:
    peak = 0
    for path in folder.glob("*_.csv"):
        with open(path) as fh:
            for row in csv.DictReader(fh, delimiter=";"):
                with contextlib.suppress(ValueError):
                    peak = max(peak, int(row.get("CurrentCall", 0)))
    return peak


async def run_variant(stack: PathHotline, watch: JoinWatch, path: str, key: str, calls: int,
                      hold_ms: int, args: argparse.Namespace, folder: Path,
                      prefix: str) -> dict:
    folder.mkdir(parents=True)
    pcap = write_dtmf_pcap(folder / "key-2.pcap", "2", seq=1000, timestamp=80_000) \
        if key == "2" else None
    xml = folder / "queue-join-112.xml"
    xml.write_text(call_scenario(prefix, pcap, args.key_after_ms, hold_ms))
    sipp_log = folder / "invites.log"
    command = ["sipp", f"127.0.0.1:{stack.ports['sip']}", "-sf", str(xml), "-s", "112",
               "-i", "127.0.0.1", "-p", str(free_tcp_and_udp_port()),
               "-mp", str(free_tcp_and_udp_port() & ~1),
               "-r", f"{args.rate:g}", "-rp", "1000", "-m", str(calls), "-l", str(calls),
               "-nostdin", "-timeout", f"{calls / args.rate + hold_ms / 1000 + 60:.0f}s",
               "-trace_stat", "-fd", "1", "-trace_logs", "-log_file", str(sipp_log),
               "-trace_err", "-error_file", str(folder / "errors.log"), "-max_socket", "4000"]
    load = loadavg()
    print(f"[queue_join] {path}, key {key or 'none'}: {calls} calls at {args.rate:g}/s "
          f"(load average {load})", file=sys.stderr)
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(*command, cwd=folder,
                                                stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL)
    await proc.wait()
    seconds = time.monotonic() - started
    await asyncio.sleep(1.0)  # queue_log is written as it happens; AMI events may trail
    stats = sipp_stats(folder)
    sent = invites_sent(sipp_log, prefix)
    joins, fraction = queue_log_joins(stack.data_dir / "logs" / "asterisk" / "queue_log", prefix)
    qlog = [joins[c][0] - sent[c] for c in sent if c in joins]
    ami = [watch.joined[c][0] - sent[c] for c in sent if c in watch.joined]
    queues: dict[str, int] = {}
    for c in sent:
        if c in joins:
            queues[joins[c][1]] = queues.get(joins[c][1], 0) + 1
    errors = folder / "errors.log"
    return {
        "path": path, "key": key or "none", "calls": calls, "rate": args.rate,
        "key_after_ms": args.key_after_ms if key else None, "hold_ms": hold_ms,
        "loadavg_before": load, "seconds": round(seconds, 1),
        "sipp_ok": int(stats.get("SuccessfulCall(C)", 0) or 0),
        "sipp_failed": int(stats.get("FailedCall(C)", 0) or 0),
        "sipp_refused": int(stats.get("FailedCallRejected(C)", 0) or 0),
        "peak_concurrent": peak_concurrent(folder),
        "invites_logged": len(sent), "queued": len(qlog),
        "not_queued": calls - len(qlog), "first_queue": queues,
        "menu_calls": menu_calls(stack, prefix),
        "queue_log_subsecond": fraction,
        "qlog_p50": pct(qlog, 50), "qlog_p99": pct(qlog, 99),
        "qlog_min": min(qlog, default=float("nan")), "qlog_max": max(qlog, default=float("nan")),
        "ami_n": len(ami), "ami_p50": pct(ami, 50), "ami_p99": pct(ami, 99),
        "ami_min": min(ami, default=float("nan")), "ami_max": max(ami, default=float("nan")),
        "sipp_errors": errors.read_text(errors="replace")[-2000:] if errors.exists() else "",
        "sipp_command": shlex.join(command),
    }


async def run_path(path: str, tree: Path, args: argparse.Namespace, workdir: Path
                   ) -> list[dict]:
    start, end = RTP_BLOCKS[path]
    stack = PathHotline(workdir / f"hotline-{path}", tree,
                        IVR_RTP_PORT_START=start, IVR_RTP_PORT_END=end)
    print(f"[queue_join] starting the {path} hotline from {tree} "
          f"(load average {loadavg()})", file=sys.stderr)
    stack.start()
    print(f"[queue_join] ivr run cwd {stack.ivr_source()}", file=sys.stderr)
    watch = JoinWatch(stack)
    rows = []
    try:
        await watch.start()
        await asyncio.sleep(2)
        variants = [("2", args.calls, args.hold_ms), ("", args.nokey_calls, args.nokey_hold_ms)]
        for index, (key, calls, hold_ms) in enumerate(variants, start=1):
            if calls <= 0:
                continue
            row = await run_variant(stack, watch, path, key, calls, hold_ms, args,
                                    workdir / f"{path}-{index}", f"0819{index}{len(path)}0")
            rows.append(row)
            print(report([row]).splitlines()[-1], file=sys.stderr)
            await asyncio.sleep(2)  # the last callers' hangups
    finally:
        watch.stop()
        stack.stop()
    return rows


def s(value: float) -> str:
    return "–" if value != value else f"{value:.2f}"


def report(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        queues = ", ".join(f"{q} {n}" for q, n in sorted(r["first_queue"].items())) or "–"
        lines.append([
            r["path"], r["key"], r["calls"], f"{r['rate']:g}", r["loadavg_before"],
            s(r["qlog_p50"]), s(r["qlog_p99"]), s(r["qlog_max"]),
            f"{s(r['ami_p50'])} / {s(r['ami_p99'])} / {s(r['ami_max'])}",
            r["not_queued"], queues, r["menu_calls"], r["sipp_failed"], r["peak_concurrent"]])
    return table(["path", "key", "calls", "calls/s", "load avg before",
                  "INVITE→ENTERQUEUE p50 s (queue_log)", "p99 s", "max s",
                  "INVITE→QueueCallerJoin p50 / p99 / max s (AMI)", "not queued",
                  "first queue", "calls in the FastAGI menu", "SIPp failed",
                  "peak calls"], lines)


def notes(rows: list[dict], args: argparse.Namespace, argv: list[str]) -> str:
    subsecond = any(r["queue_log_subsecond"] for r in rows)
    resolution = ("Asterisk wrote sub-second epochs in queue_log." if subsecond else
                  "Asterisk 22 writes whole seconds in queue_log: the queue_log columns are "
                  "±1 s (INVITE time from SIPp in µs, join time truncated to the second, so "
                  "they read up to 1 s early); the AMI column has sub-second resolution.")
    return "\n".join([
        "", f"Command: `{shlex.join(['.venv/bin/python', 'bench/queue_join_bench.py', *argv])}`",
        "",
        f"Each caller: key 2 after {args.key_after_ms} ms then holds {args.hold_ms} ms; "
        f"no key: holds {args.nokey_hold_ms} ms. No operator answers.",
        f"`old` = commit {OLD_COMMIT} (FastAGI menu first), `new` = commit "
        f"{machine()['commit']} working tree (queue first).",
        resolution,
        "Not queued = calls SIPp placed with no ENTERQUEUE for their number (must be 0).",
    ])


async def main_async(args: argparse.Namespace) -> list[dict]:
    rows: list[dict] = []
    trees = {"new": ROOT, "old": Path(args.old_tree)}
    with tempfile.TemporaryDirectory(prefix="queue-join-bench-") as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for path in args.paths:
            if not (trees[path] / "ivr").is_dir():
                raise SystemExit(f"no checkout at {trees[path]}: git worktree add "
                                 f"{trees[path]} {OLD_COMMIT}")
            rows += await run_path(path, trees[path], args, workdir)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paths", nargs="+", choices=["new", "old"], default=["new", "old"])
    parser.add_argument("--old-tree", default="/work/wt-oldpath",
                        help=f"a checkout of commit {OLD_COMMIT} (git worktree add)")
    parser.add_argument("--calls", type=int, default=200, help="calls pressing 2")
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--key-after-ms", type=int, default=1000)
    parser.add_argument("--hold-ms", type=int, default=12000)
    parser.add_argument("--nokey-calls", type=int, default=40, help="calls pressing nothing")
    parser.add_argument("--nokey-hold-ms", type=int, default=35000)
    parser.add_argument("--keep", default="", help="work in this folder and keep it")
    argv = sys.argv[1:]
    args = parser.parse_args()
    rows = asyncio.run(main_async(args))
    save("queue_join", {"machine": machine(), "args": vars(args), "argv": argv, "rows": rows})
    print(report(rows))
    print(notes(rows, args, argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
