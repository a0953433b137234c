"""The simulated day against the real stack (used by tests/integration/test_simulated_day.py
and bench/simulated_day.py).

A whole hotline (``Hotline``: Asterisk, our dialplan, FastAGI, AMI, roster, web, redis,
SQLite) runs with a day clock (``IVR_TIME_SCALE``): 24 hours pass in ``plan.real_s`` real
seconds, from midnight of a city day. The roster holds the three default shifts; each
shift's 112 operators are sized by Erlang C for 90 % of 112 calls within 15 s at the
shift's peak hour, plus ``plan.hotline_operators`` for 12345. Operators are SIPp phones
that ring, answer and talk for a lognormal time; callers are SIPp callers with patience
(lognormal), placed at the arrival curve's moments (``day_model.arrivals``), with a 12345
burst that saturates its queue. Then SIPp's own logs give the ground truth, and the
reports API and the wallboard give ours (``day_model``).
"""

from __future__ import annotations

import json
import math
import os
import random
import signal
import subprocess
import threading
import time
import wave
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import day_model as dm
from hotline import Hotline, free_tcp_and_udp_port, media_port
from sipp import Step, step_actions
from sipp_scenarios import Caller, day_operator_scenario, patient_caller_scenario, pause

from ivr.clock import DayClock
from ivr.roster.model import DEFAULT_SHIFTS, Assignment, Operator, Roster, Skills
from ivr.roster.store import RosterStore, roster_path

EMERGENCY_SKILLS = Skills.parse("police fire ambulance")
HOTLINE_SKILLS = Skills.parse("lang:id")
HOTLINE_KEYS = [Step(1500, "1"), Step(2000, "0")]  # Indonesian, then an operator
QUEUE_NUMBER = {dm.EMERGENCY: "112", dm.HOTLINE: "12345"}


@dataclass(frozen=True)
class DayPlan:
    real_s: float = 120.0  # 24 hours in this many real seconds
    calls_112: int = 24
    calls_12345: int = 16
    burst_12345: int = 12  # extra 12345 callers ...
    burst_at_h: float = 10.0  # ... from this day hour ...
    burst_span_h: float = 1.0  # ... over this many day hours
    hotline_operators: int = 1  # per shift, 12345 only
    ring_ms: int = 1000
    talk_median_s: float = 4.0
    talk_sigma: float = 0.35
    queue_wrapup_s: int = 2  # Asterisk's wrapuptime (IVR_QUEUE_WRAPUP_SECONDS)
    patience_112_s: float = 40.0  # lognormal medians; nobody gives up before min_patience_s
    patience_12345_s: float = 14.0
    patience_sigma: float = 0.4
    min_patience_s: float = 8.0
    start_lead_s: float = 40.0  # real seconds for the stack to start before midnight
    seed: int = 12345

    @property
    def scale(self) -> float:
        return dm.DAY_S / self.real_s

    @property
    def occupied_s(self) -> float:
        """Real seconds an operator is held per call: ring, mean talk, wrap-up."""
        return (self.ring_ms / 1000 + dm.lognormal_mean_s(self.talk_median_s, self.talk_sigma)
                + self.queue_wrapup_s)


@dataclass(frozen=True)
class PlannedCall:
    number: str
    queue: str
    day_s: float  # arrival, day seconds from midnight
    patience_s: float


@dataclass
class DayResult:
    plan: DayPlan
    day: date
    staff: dict[str, int]
    peaks: dict[str, int]
    calls: list[dm.TruthCall]
    placed: int
    report_rows: list[dm.Row]
    board_rows: list[dm.Row]
    sipp_exit_codes: dict[str, int]
    most_waiting_12345: int
    not_in_line: dict[str, str]  # caller number -> what SIPp logged (no "queued" mark)
    seconds: float
    load: str
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[dm.Row]:
        return [*self.report_rows, *self.board_rows]

    def truth_of(self, queue: str) -> dm.Figures:
        return dm.figures_of([c for c in self.calls if c.queue == queue])


def plan_calls(plan: DayPlan) -> list[PlannedCall]:
    rng = random.Random(plan.seed)
    moments = ([(dm.EMERGENCY, t) for t in dm.arrivals(plan.calls_112, rng)]
               + [(dm.HOTLINE, t) for t in dm.arrivals(plan.calls_12345, rng)]
               + [(dm.HOTLINE, t) for t in dm.burst(plan.burst_12345, plan.burst_at_h * 3600,
                                                     plan.burst_span_h * 3600, rng)])
    calls = []
    for n, (queue, moment) in enumerate(sorted(moments, key=lambda m: m[1])):
        median = plan.patience_112_s if queue == dm.EMERGENCY else plan.patience_12345_s
        patience = max(plan.min_patience_s, rng.lognormvariate(math.log(median),
                                                                plan.patience_sigma))
        prefix = "0811" if queue == dm.EMERGENCY else "0812"
        calls.append(PlannedCall(f"{prefix}{n:06d}", queue, moment, round(patience, 1)))
    return calls


def day_staff(plan: DayPlan, calls: list[PlannedCall]) -> tuple[dict[str, int], dict[str, int]]:
    """(peak 112 calls per day hour, 112 operators) per default shift."""
    peaks = dm.shift_peaks([c.day_s for c in calls if c.queue == dm.EMERGENCY], DEFAULT_SHIFTS)
    return peaks, dm.staffing(peaks, plan.scale, plan.occupied_s)


class DayPhone:
    """One operator's SIPp phone for the whole day (logs to ``log``)."""

    def __init__(self, username: str, workdir: Path, plan: DayPlan, seed: int) -> None:
        self.username, self.workdir, self.plan, self.seed = username, workdir, plan, seed
        self.port, self.media_port = free_tcp_and_udp_port(), media_port()
        self.log = workdir / f"phone-{username}-marks.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def contact(self) -> str:
        return f"sip:{self.username}@127.0.0.1:{self.port}"

    def start(self) -> None:
        scenario = self.workdir / f"phone-{self.username}.xml"
        scenario.write_text(day_operator_scenario(
            self.plan.ring_ms, dm.lognormal_mu(self.plan.talk_median_s), self.plan.talk_sigma))
        out = open(self.workdir / f"phone-{self.username}.out", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            ["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(self.port),
             "-mp", str(self.media_port), "-m", "100000", "-nostdin",
             "-trace_logs", "-log_file", str(self.log)],
            cwd=self.workdir, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "GSL_RNG_SEED": str(self.seed)})

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # SIPp writes its logs out and ends
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def marks(self) -> list[dm.Mark]:
        return dm.parse_marks(self.log.read_text(errors="replace")) if self.log.exists() else []


def write_roster(data_dir: Path, day: date, staff: dict[str, int], hotline_ops: int,
                 phones: dict[str, DayPhone]) -> None:
    """The default shifts of ``day`` (and the night before, which runs past midnight)."""
    operators = {name: Operator(name, f"secret-{name}", name.upper(),
                                EMERGENCY_SKILLS if name.startswith("e") else HOTLINE_SKILLS,
                                phone.contact)
                 for name, phone in phones.items()}
    assignments = []
    for shift in DEFAULT_SHIFTS:
        days = [day - timedelta(days=1), day] if shift.name == "night" else [day]
        for when in days:
            assignments += [Assignment(when, f"e{i + 1}", shift.name, EMERGENCY_SKILLS)
                            for i in range(staff[shift.name])]
            assignments += [Assignment(when, f"h{i + 1}", shift.name, HOTLINE_SKILLS)
                            for i in range(hotline_ops)]
    RosterStore(roster_path(data_dir)).save(Roster(
        shifts={s.name: s for s in DEFAULT_SHIFTS}, operators=operators,
        assignments=tuple(assignments)))


class BoardWatch:
    """Polls ``/api/v1/wallboard`` from a thread; keeps the last view of each board day."""

    def __init__(self, stack: Hotline, every_s: float = 0.25) -> None:
        self.stack, self.every_s = stack, every_s
        self.last: dict[str, dict[str, Any]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            status, body = self.stack.get("/api/v1/wallboard")
            if status == 200 and body.get("day"):
                self.last[body["day"]] = body
            self._stop.wait(self.every_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_day(plan: DayPlan, workdir: Path, log: Any = print) -> DayResult:
    """Run one simulated day; returns the figures side by side (asserts nothing)."""
    began, load_before = time.monotonic(), _load()
    workdir.mkdir(parents=True, exist_ok=True)
    calls = plan_calls(plan)
    peaks, staff = day_staff(plan, calls)
    zone = ZoneInfo(Roster().timezone)
    epoch = time.time() + plan.start_lead_s
    day = datetime.fromtimestamp(epoch, UTC).astimezone(zone).date()
    midnight = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
    clock = DayClock(plan.scale, epoch, midnight.timestamp())
    log(f"day {day}: {len(calls)} calls, 112 operators per shift {staff} (peaks {peaks}), "
        f"scale {plan.scale:.0f}")

    data_dir = workdir / "stack"
    names = [f"e{i + 1}" for i in range(max(staff.values()))] + [
        f"h{i + 1}" for i in range(plan.hotline_operators)]
    phones = {name: DayPhone(name, workdir, plan, plan.seed + n) for n, name in enumerate(names)}
    data_dir.mkdir(parents=True, exist_ok=True)
    write_roster(data_dir, day, staff, plan.hotline_operators, phones)
    # RTP for up to 1000 calls: the tests' usual block of 100 ports (50 calls) ran out at the
    # 12345 burst, and Asterisk refused the next callers (run 2 of the full day).
    rtp = 40_000 + 2_000 * (os.getpid() % 10)
    stack = Hotline(data_dir, IVR_TIME_SCALE=repr(plan.scale), IVR_TIME_EPOCH=repr(epoch),
                    IVR_RTP_PORT_START=str(rtp), IVR_RTP_PORT_END=str(rtp + 1999),
                    IVR_DAY_START=midnight.isoformat(),
                    IVR_QUEUE_WRAPUP_SECONDS=str(plan.queue_wrapup_s),
                    IVR_VHOLD_AFTER="0",  # no virtual hold: a saturated queue stays saturated
                    IVR_EMERGENCY_SURGE_AFTER="3600")  # the shifts' own operators only
    stack.start(timeout_s=plan.start_lead_s + 120)
    board = BoardWatch(stack)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for phone in phones.values():
            phone.start()
        if time.time() > epoch:
            log(f"the stack took longer than {plan.start_lead_s} s: the day began "
                f"{time.time() - epoch:.1f} s before it was up")
        board.start()
        for call in calls:
            due = clock.real(midnight.timestamp() + call.day_s)
            time.sleep(max(0.0, due - time.time()))
            processes[call.number] = place(stack, call, workdir)
        deadline = time.monotonic() + 40 + 3 * max(plan.patience_112_s, plan.patience_12345_s)
        for process in processes.values():
            try:
                process.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        time.sleep(3)  # the last records and board saves
        board.stop()
        ours = report_lines(stack, day)
    finally:
        board.stop()
        for phone in phones.values():
            phone.stop()
        for process in processes.values():
            if process.poll() is None:
                process.kill()
        stack.stop()

    callers = [dm.CallerLog(c.number, c.queue, tuple(dm.parse_marks(
        (workdir / f"caller-{c.number}-marks.log").read_text(errors="replace")
        if (workdir / f"caller-{c.number}-marks.log").exists() else "")))
        for c in calls]
    answered = dm.answers(m for phone in phones.values() for m in phone.marks())
    truth = dm.truth(callers, answered)
    timezone = Roster().timezone
    sipp_shifts = dm.by_queue_and_shift(truth, clock, DEFAULT_SHIFTS, timezone)
    report_rows = [r for r in dm.compare("reports", ours, sipp_shifts)
                   if r.ours.offered or r.sipp.offered]
    board_rows = []
    for board_day, view in sorted(board.last.items()):
        board_ours = {(q["name"], board_day): dm.board_figures(q) for q in view["queues"]
                      if q["name"] in (dm.EMERGENCY, dm.HOTLINE)}
        board_sipp = {(queue, board_day): figures for queue, figures in dm.by_board_day(
            truth, clock, timezone, board_day, float(view["at"])).items()}
        board_rows += [r for r in dm.compare("wallboard", board_ours, board_sipp)
                       if r.ours.offered or r.sipp.offered]
    return DayResult(plan, day, staff, peaks, truth, len(calls), report_rows, board_rows,
                     {n: p.returncode if p.returncode is not None else -9
                      for n, p in processes.items()},
                     dm.most_waiting(truth, dm.HOTLINE),
                     {c.number: " ".join(m.what for m in c.marks) or "no marks"
                      for c in callers if c.first("queued") is None},
                     time.monotonic() - began,
                     f"{load_before} / {_load()}")


def place(stack: Hotline, call: PlannedCall, workdir: Path) -> subprocess.Popen[bytes]:
    """One caller: a SIPp process of its own, logging its marks."""
    # 12345: the keys, then the last one's length (140 ms) and the announcement the flow
    # plays before the queue ("connecting you to an operator"): ``queued`` is when the
    # caller is in line, where our figures start the wait.
    actions = ([*step_actions(call.number, HOTLINE_KEYS, workdir),
                pause(140 + round(1000 * announcement_s()))]
               if call.queue == dm.HOTLINE else [])
    scenario = workdir / f"caller-{call.number}.xml"
    scenario.write_text(patient_caller_scenario(Caller(call.number), actions,
                                                int(call.patience_s * 1000)))
    out = open(workdir / f"caller-{call.number}.out", "wb")  # noqa: SIM115
    return subprocess.Popen(
        ["sipp", f"127.0.0.1:{stack.ports['sip']}", "-sf", str(scenario),
         "-s", QUEUE_NUMBER[call.queue], "-i", "127.0.0.1", "-p", str(free_tcp_and_udp_port()),
         "-mp", str(media_port()), "-m", "1", "-l", "1", "-nostdin", "-timeout", "300s",
         "-trace_logs", "-log_file", str(workdir / f"caller-{call.number}-marks.log")],
        cwd=workdir, stdout=out, stderr=subprocess.STDOUT)


def announcement_s(language: str = "id") -> float:
    """The length of the 12345 flow's "connecting you to an operator" (JoinQueue's prompt)."""
    root = Path(__file__).resolve().parents[1]
    with wave.open(str(root / "recordings" / language / "connecting-operator.wav")) as audio:
        return audio.getnframes() / audio.getframerate()


def report_lines(stack: Hotline, day: date) -> dict[tuple[str, str], dm.Figures]:
    """(queue, shift key) -> our figures, from ``/api/v1/reports/calls?by=shift&queue=``."""
    found: dict[tuple[str, str], dm.Figures] = {}
    first, last = day - timedelta(days=1), day + timedelta(days=1)
    for queue in (dm.EMERGENCY, dm.HOTLINE):
        status, body = stack.get(f"/api/v1/reports/calls?from={first}&to={last}&by=shift"
                                 f"&queue={queue}")
        assert status == 200, body
        for line in body["lines"]:
            found[(queue, line["key"])] = dm.report_figures(line)
    return found


def summary(result: DayResult, command: str) -> str:
    """The day's Markdown: what ran, the staffing, the table."""
    p = result.plan
    truth = {q: result.truth_of(q) for q in (dm.EMERGENCY, dm.HOTLINE)}

    def pct(x: float | None) -> str:
        return "–" if x is None else f"{100 * x:.1f} %"

    lines = [
        f"Command: `{command}`; load before/after (1, 5, 15 min): {result.load}; "
        f"run {result.seconds:.0f} s.",
        "",
        f"The day {result.day} (Asia/Jakarta) in {p.real_s:.0f} real seconds (scale "
        f"{p.scale:.0f}): {result.placed} callers placed ({p.calls_112} on 112, "
        f"{p.calls_12345} on 12345 and a burst of {p.burst_12345} on 12345 at "
        f"{p.burst_at_h:g}:00 over {p.burst_span_h:g} h); talk lognormal, median "
        f"{p.talk_median_s:g} s; ring {p.ring_ms} ms; Asterisk wrap-up {p.queue_wrapup_s} s; "
        f"patience lognormal, median {p.patience_112_s:g} s (112) and "
        f"{p.patience_12345_s:g} s (12345), at least {p.min_patience_s:g} s.",
        "",
        "112 operators per shift (Erlang C, 90 % within 15 s at the shift's peak hour; "
        f"{p.occupied_s:.1f} s held per call): "
        + ", ".join(f"{name} {n} (peak {result.peaks[name]} calls/day hour)"
                    for name, n in result.staff.items())
        + f"; plus {p.hotline_operators} 12345 operator per shift.",
        "",
        f"Ground truth (SIPp): 112 SL 15 s {pct(truth[dm.EMERGENCY].sl15)}, SL 20 s "
        f"{pct(truth[dm.EMERGENCY].sl20)}; 12345 SL 20 s {pct(truth[dm.HOTLINE].sl20)}, "
        f"{truth[dm.HOTLINE].abandoned} abandoned, up to {result.most_waiting_12345} 12345 "
        "callers waiting at once.",
        "",
        f"Callers who never got in line (no `queued` mark): {len(result.not_in_line)}"
        + (": " + ", ".join(f"{n} ({what}, SIPp exit {result.sipp_exit_codes.get(n)})"
                            for n, what in sorted(result.not_in_line.items()))
           if result.not_in_line else "") + ".",
        "",
        dm.markdown(result.rows),
    ]
    return "\n".join(lines) + "\n" + "\n".join(result.notes)


def save(result: DayResult, path: Path, command: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(summary(result, command))
    path.with_suffix(".json").write_text(json.dumps({
        "day": result.day.isoformat(), "plan": p_dict(result.plan), "staff": result.staff,
        "rows": [{"source": r.source, "queue": r.queue, "key": r.key,
                  "ours": r.ours.__dict__, "sipp": r.sipp.__dict__, "off": r.off}
                 for r in result.rows]}, indent=2))


def p_dict(plan: DayPlan) -> dict[str, Any]:
    return {k: getattr(plan, k) for k in plan.__dataclass_fields__}
