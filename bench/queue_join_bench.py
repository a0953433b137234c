"""112: time from the caller's INVITE to their queue join, queue-first path against menu-first.

For each path a whole hotline (``tests/hotline.py``'s ``Hotline``: ``ivr run`` on free ports, a
private data folder) is started from that path's checkout:
  - ``new``: this checkout. A 112 caller is answered and joins `emergency` at once; the service
    menu plays as the queue's music and a key moves them to that service's queue.
  - ``old``: a worktree of commit 5f19784 (``--old-tree``; ``git worktree add /work/wt-oldpath
    5f19784``), run with that folder as cwd and PYTHONPATH so its own ``ivr`` package and
    dialplan are used. A 112 caller first hears the FastAGI voice menu and joins a queue only
    when the menu ends (``fire`` after key 2, ``emergency`` after no key and a retry).
Against each, one SIPp process per variant places calls to 112 at ``--rate`` calls/s, every
call sending RTP (silence) from the answer on, as a phone does, unless said otherwise:
  - key 2 at ``--key-after-ms`` after the ACK (``--calls`` calls), then hold ``--hold-ms``;
  - key 2 at ``--late-key-ms`` (after the old 7.3 s menu prompt; ``--late-calls``);
  - no key (``--nokey-calls``), hold ``--nokey-hold-ms`` (the old menu takes ~27 s);
  - key 2 at ``--key-after-ms`` with no RTP before the key (``--silent-calls``): Asterisk's
    Answer() then waits 500 ms for the caller's first audio frame.
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

    .venv/bin/python bench/queue_join_bench.py                  # both paths, ~4 min
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
import wave
from dataclasses import dataclass
from pathlib import Path

from benchlib import ROOT, loadavg, machine, pct, save, table

sys.path.insert(0, str(ROOT / "tests"))
from dtmf_pcap import write_audio_pcap, write_dtmf_pcap  # noqa: E402
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


@dataclass(frozen=True)
class Variant:
    """What each caller of one SIPp run does after the ACK."""

    name: str
    calls: int
    key_after_ms: int | None  # press 2 this long after the ACK; None: no key
    hold_ms: int              # then hold this long and hang up
    media: bool               # send RTP (silence) from the answer on, as a phone does


def silence_pcap(folder: Path, seconds: float) -> Path:
    """mu-law RTP of ``seconds`` of silence: the caller's phone sending audio from the answer."""
    wav = folder / "silence.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * int(8000 * seconds))
    return write_audio_pcap(folder / "silence.pcap", wav, seq=20000, timestamp=8_000_000)


def call_scenario(prefix: str, variant: Variant, folder: Path) -> str:
    """STAMP, INVITE/ACK; silence from the answer (``media``: Answer() waits up to 500 ms for
    the caller's first audio frame, as Asterisk's __ast_answer does); key 2; hold; BYE."""
    caller = Caller(f"{prefix}[call_number]", name="Bench")
    actions = []
    if variant.media:
        # Until the key (a new play_pcap_audio replaces the running one) or for 1 s.
        actions.append(play_pcap(silence_pcap(folder, (variant.key_after_ms or 1000) / 1000)))
    if variant.key_after_ms is not None:
        pcap = write_dtmf_pcap(folder / "key-2.pcap", "2", seq=1000, timestamp=80_000)
        actions += [pause(variant.key_after_ms), play_pcap(pcap)]
    return scenario("queue-join-112", [STAMP, *invite(caller), ack(caller), *actions,
                                       pause(variant.hold_ms), *bye(caller)])


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


def queue_log_joins(path: Path, prefix: str
                    ) -> tuple[dict[str, tuple[float, str, str]], dict[str, str], bool]:
    """Caller number -> (epoch, queue, uniqueid) of its first ENTERQUEUE; caller number -> the
    queue of its last ENTERQUEUE; whether any epoch in the file has a fraction."""
    joins: dict[str, tuple[float, str, str]] = {}
    last: dict[str, str] = {}
    fraction = False
    for line in path.read_text(errors="replace").splitlines():
        fields = line.split("|")
        if len(fields) < 7 or fields[4] != "ENTERQUEUE":
            continue
        fraction = fraction or "." in fields[0]
        caller = fields[6]
        if caller.startswith(prefix):
            joins.setdefault(caller, (float(fields[0]), fields[2], fields[1]))
            last[caller] = fields[2]
    return joins, last, fraction


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


async def run_variant(stack: PathHotline, watch: JoinWatch, path: str, variant: Variant,
                      args: argparse.Namespace, folder: Path, prefix: str) -> dict:
    folder.mkdir(parents=True)
    xml = folder / "queue-join-112.xml"
    xml.write_text(call_scenario(prefix, variant, folder))
    sipp_log = folder / "invites.log"
    calls, hold_ms = variant.calls, variant.hold_ms
    command = ["sipp", f"127.0.0.1:{stack.ports['sip']}", "-sf", str(xml), "-s", "112",
               "-i", "127.0.0.1", "-p", str(free_tcp_and_udp_port()),
               "-mp", str(free_tcp_and_udp_port() & ~1),
               "-r", f"{args.rate:g}", "-rp", "1000", "-m", str(calls), "-l", str(calls),
               "-nostdin", "-timeout",
               f"{calls / args.rate + ((variant.key_after_ms or 0) + hold_ms) / 1000 + 60:.0f}s",
               "-trace_stat", "-fd", "1", "-trace_logs", "-log_file", str(sipp_log),
               "-trace_err", "-error_file", str(folder / "errors.log"), "-max_socket", "4000"]
    load = loadavg()
    print(f"[queue_join] {path}, {variant.name}: {calls} calls at {args.rate:g}/s "
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
    queue_log = stack.data_dir / "logs" / "asterisk" / "queue_log"
    joins, last, fraction = queue_log_joins(queue_log, prefix)
    qlog = [joins[c][0] - sent[c] for c in sent if c in joins]
    ami = [watch.joined[c][0] - sent[c] for c in sent if c in watch.joined]
    # The AMI event of a join must fall in the second queue_log gives it (+50 ms delivery).
    agree = sum(1 for c in sent if c in joins and c in watch.joined
                and joins[c][0] <= watch.joined[c][0] < joins[c][0] + 1.05)
    queues: dict[str, int] = {}
    finals: dict[str, int] = {}
    for c in sent:
        if c in joins:
            queues[joins[c][1]] = queues.get(joins[c][1], 0) + 1
            finals[last[c]] = finals.get(last[c], 0) + 1
    errors = folder / "errors.log"
    nan = float("nan")
    return {
        "path": path, "variant": variant.name, "key_after_ms": variant.key_after_ms,
        "media_from_answer": variant.media, "calls": calls, "rate": args.rate,
        "hold_ms": hold_ms, "loadavg_before": load, "seconds": round(seconds, 1),
        "sipp_ok": int(stats.get("SuccessfulCall(C)", 0) or 0),
        "sipp_failed": int(stats.get("FailedCall(C)", 0) or 0),
        "sipp_refused": int(stats.get("FailedCallRejected(C)", 0) or 0),
        "peak_concurrent": peak_concurrent(folder),
        "invites_logged": len(sent), "queued": len(qlog),
        "not_queued": calls - len(qlog), "first_queue": queues, "last_queue": finals,
        "menu_calls": menu_calls(stack, prefix),
        "queue_log_subsecond": fraction,
        "qlog_p50": pct(qlog, 50), "qlog_p99": pct(qlog, 99),
        "qlog_min": min(qlog, default=nan), "qlog_max": max(qlog, default=nan),
        "ami_n": len(ami), "ami_agrees_with_queue_log": agree,
        "ami_p50": pct(ami, 50), "ami_p99": pct(ami, 99),
        "ami_min": min(ami, default=nan), "ami_max": max(ami, default=nan),
        "sipp_errors": errors.read_text(errors="replace")[-2000:] if errors.exists() else "",
        "sipp_command": shlex.join(command),
    }


def variants(args: argparse.Namespace) -> list[Variant]:
    key = args.key_after_ms
    return [v for v in [
        Variant(f"2 at {key / 1000:g} s", args.calls, key, args.hold_ms, True),
        Variant(f"2 at {args.late_key_ms / 1000:g} s", args.late_calls, args.late_key_ms,
                args.hold_ms, True),
        Variant("none", args.nokey_calls, None, args.nokey_hold_ms, True),
        Variant(f"2 at {key / 1000:g} s, silent", args.silent_calls, key, args.hold_ms, False),
    ] if v.calls > 0]


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
        for index, variant in enumerate(variants(args), start=1):
            row = await run_variant(stack, watch, path, variant, args,
                                    workdir / f"{path}-{index}", f"0819{index}{len(path)}0")
            rows.append(row)
            print(report([row]).splitlines()[-1], file=sys.stderr)
            await asyncio.sleep(2)  # the last callers' hangups
    finally:
        watch.stop()
        stack.stop()
    return rows


def s(value: float, digits: int = 2) -> str:
    return "–" if value != value else f"{value:.{digits}f}"


def report(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        queues = ", ".join(f"{q} {n}" for q, n in sorted(r["first_queue"].items())) or "–"
        finals = ", ".join(f"{q} {n}" for q, n in sorted(r["last_queue"].items())) or "–"
        lines.append([
            r["path"], r["variant"].replace(", silent", ""),
            "from the answer" if r["media_from_answer"] else "none before the key",
            r["calls"], f"{r['rate']:g}", r["loadavg_before"],
            f"{s(r['ami_p50'], 3)} / {s(r['ami_p99'], 3)} / {s(r['ami_max'], 3)}",
            f"{s(r['qlog_p50'])} / {s(r['qlog_p99'])} / {s(r['qlog_max'])}",
            r["not_queued"], queues, finals, r["menu_calls"], r["sipp_failed"],
            r["peak_concurrent"],
            f"{r['ami_agrees_with_queue_log']}/{r['queued']}"])
    return table(["path", "key", "caller RTP", "calls", "calls/s", "load avg before",
                  "INVITE→join p50 / p99 / max s (AMI QueueCallerJoin)",
                  "INVITE→ENTERQUEUE p50 / p99 / max s (queue_log, whole s)", "not queued",
                  "first queue joined", "last queue joined", "calls in the FastAGI menu",
                  "SIPp failed",
                  "peak calls", "AMI join in queue_log's second"], lines)


def notes(rows: list[dict], args: argparse.Namespace, argv: list[str]) -> str:
    subsecond = any(r["queue_log_subsecond"] for r in rows)
    resolution = (
        "queue_log: Asterisk wrote sub-second epochs." if subsecond else
        "queue_log: Asterisk 22 writes whole seconds (`time(NULL)`), so its column is ±1 s: "
        "the INVITE time is in µs and the join time truncated to its second, so it reads "
        "0–1 s early (it can be negative). The AMI column is the same join, timed in µs when "
        "`QueueCallerJoin` reaches the bench's own AMI login (a few ms after Asterisk); the "
        "last column counts the joins whose AMI time falls in the second queue_log gives.")
    return "\n".join([
        "", f"Command: `{shlex.join(['.venv/bin/python', 'bench/queue_join_bench.py', *argv])}`",
        "",
        f"- `old` = commit {OLD_COMMIT} from `{args.old_tree}` (the FastAGI voice menu first, "
        f"then a queue); `new` = commit {machine()['commit']} and its working tree (queue first).",
        f"- Callers: `key` = press 2 that long after the ACK, then hold {args.hold_ms} ms; "
        f"`none` = press nothing, hold {args.nokey_hold_ms} ms; BYE. No operator answers.",
        "- Caller RTP `from the answer`: silence from the ACK on, as a phone sends; `none "
        "before the key`: SIPp sends nothing until the key, and Asterisk's Answer() waits up "
        "to 500 ms for the caller's first audio frame before the dialplan goes on.",
        f"- {resolution}",
        "- INVITE time: SIPp's gettimeofday just before it sends the INVITE (its log); calls "
        "are matched to Asterisk by their own caller number.",
        "- Not queued = calls SIPp placed with no ENTERQUEUE for their number (must be 0).",
    ])


async def main_async(args: argparse.Namespace) -> list[dict]:
    rows: list[dict] = []
    trees = {"new": ROOT, "old": Path(args.old_tree)}
    with tempfile.TemporaryDirectory(prefix="queue-join-bench-") as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for path in args.paths:
            if not (trees[path] / "ivr").is_dir():
                # `make bench` goes on without it; the table then has no `old` rows.
                print(f"[queue_join] SKIPPED the {path} path: no checkout at {trees[path]} "
                      f"(git worktree add {trees[path]} {OLD_COMMIT})", file=sys.stderr)
                continue
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
    parser.add_argument("--late-key-ms", type=int, default=8000,
                        help="the second variant presses 2 this late (after the old 7.3 s menu)")
    parser.add_argument("--late-calls", type=int, default=100)
    parser.add_argument("--nokey-calls", type=int, default=40, help="calls pressing nothing")
    parser.add_argument("--nokey-hold-ms", type=int, default=35000)
    parser.add_argument("--silent-calls", type=int, default=100,
                        help="key 2 at --key-after-ms, but no RTP before the key")
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
