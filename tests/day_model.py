"""The simulated day's pure parts: the arrival curve, the staffing, SIPp's ground truth and
the comparison with our figures (tests/unit/test_day_model.py; the run is tests/day_run.py).

Ground truth comes from SIPp's own log lines (``tests/sipp_scenarios.py``: ``mark``): each
caller logs ``invite``, ``queued`` (after its keys), then ``ended`` (Asterisk hung up) or
``gave-up``; each operator's phone logs ``offered <caller>`` and ``answered <caller>``. A
call is answered when some phone answered its caller; its wait runs from where our system
starts counting it (112: the arrival, the INVITE; 12345: joining the queue, after the keys
and the flow's "connecting you to an operator", which the caller sits through) to the
phone's answer; an unanswered call was abandoned after waiting until it gave up.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ivr.clock import DayClock
from ivr.reports.periods import shift_of
from ivr.roster.model import Shift
from ivr.stats.erlang import operators_needed
from ivr.stats.queue_day import queue_figures

DAY_S = 86_400
# Beijing's 12345 takes 11,000 of its 17,000 daily calls by midday: the morning's share.
MORNING_SHARE = 11 / 17
# The shape of a city hotline's day, per hour (relative; each half is scaled to its share):
# quiet at night, a steep rise from 07:00, the peak at 09:00-11:00, a calmer afternoon.
_MORNING = (1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.5, 4.0, 9.0, 12.0, 12.0, 10.0)
_AFTERNOON = (7.0, 6.5, 6.0, 5.5, 5.0, 4.0, 3.2, 2.5, 2.0, 1.6, 1.2, 0.9)
EMERGENCY, HOTLINE = "emergency", "hotline"


def hourly_shares() -> list[float]:
    """The share of the day's calls in each hour 0..23 (sums to 1; hours 0-11 hold 11/17)."""
    morning, afternoon = sum(_MORNING), sum(_AFTERNOON)
    return ([MORNING_SHARE * w / morning for w in _MORNING]
            + [(1 - MORNING_SHARE) * w / afternoon for w in _AFTERNOON])


def per_hour(total: int, shares: Sequence[float]) -> list[int]:
    """``total`` calls spread over the hours by ``shares`` (largest remainders: sums exactly)."""
    exact = [total * s for s in shares]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[:total - sum(counts)]:
        counts[i] += 1
    return counts


def arrivals(total: int, rng: random.Random, shares: Sequence[float] | None = None
             ) -> list[float]:
    """``total`` arrival moments, day seconds from midnight (sorted): each hour gets its
    share of the calls, at random moments in it."""
    counts = per_hour(total, shares or hourly_shares())
    return sorted(3600 * hour + rng.uniform(0, 3600)
                  for hour, n in enumerate(counts) for _ in range(n))


def burst(count: int, start_s: float, span_s: float, rng: random.Random) -> list[float]:
    """``count`` extra arrivals (day seconds) in ``[start_s, start_s + span_s)``."""
    return sorted(start_s + rng.uniform(0, span_s) for _ in range(count))


def lognormal_mu(median_s: float) -> float:
    """SIPp's lognormal ``mean`` (of ln milliseconds) for a median of ``median_s`` seconds."""
    return math.log(median_s * 1000)


def lognormal_mean_s(median_s: float, sigma: float) -> float:
    return median_s * math.exp(sigma * sigma / 2)


def shift_peaks(moments: Iterable[float], shifts: Sequence[Shift]) -> dict[str, int]:
    """Per shift, the most calls that arrive in one hour of it (``moments``: day seconds of
    a day that starts at midnight; hours cut at the hour)."""
    hours = [0] * 24
    for moment in moments:
        hours[int(moment // 3600) % 24] += 1
    peaks = dict.fromkeys((s.name for s in shifts), 0)
    for hour in range(24):
        for shift in shifts:
            if _covers(shift, hour * 3600 + 1800):
                peaks[shift.name] = max(peaks[shift.name], hours[hour])
    return peaks


def _covers(shift: Shift, day_s: float) -> bool:
    begins = shift.start.hour * 3600 + shift.start.minute * 60
    ends = shift.end.hour * 3600 + shift.end.minute * 60
    if begins < ends:
        return begins <= day_s < ends
    return day_s >= begins or day_s < ends


def staffing(peaks: Mapping[str, int], scale: float, occupied_s: float, target: float = 0.9,
             within_s: float = 15, at_least: int = 1) -> dict[str, int]:
    """Erlang C operators per shift for its peak hour: ``peaks`` calls per day hour, which
    lasts ``3600 / scale`` real seconds; ``occupied_s`` real seconds an operator is held per
    call (ring, talk and Asterisk's wrap-up)."""
    return {name: operators_needed(calls * scale / 3600, occupied_s, target, within_s,
                                   at_least)
            for name, calls in peaks.items()}


# -- SIPp's logs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    what: str
    arg: str
    at: float  # epoch seconds


def parse_marks(text: str) -> list[Mark]:
    """The ``mark`` lines of a SIPp log file (``what [arg] <date>\\t<time>\\t<epoch>``); other
    lines (SIPp's own errors) are skipped."""
    marks = []
    for line in text.splitlines():
        head, _, epoch = line.rpartition("\t")
        words = head.split()
        if len(words) < 3:
            continue
        try:
            at = float(epoch)
            datetime.strptime(words[-2], "%Y-%m-%d")
        except ValueError:
            continue
        what, arg = words[0], " ".join(words[1:-2])
        marks.append(Mark(what, arg, at))
    return marks


@dataclass(frozen=True)
class CallerLog:
    number: str
    queue: str  # emergency (112) or hotline (12345)
    marks: tuple[Mark, ...]

    def first(self, what: str) -> float | None:
        return next((m.at for m in self.marks if m.what == what), None)


@dataclass(frozen=True)
class TruthCall:
    number: str
    queue: str
    start: float  # epoch s: where the wait begins (112: arrival; 12345: in the queue)
    answered: bool
    waited_s: float
    ended_wait: float  # epoch s: the answer, or the hang-up


def answers(phone_marks: Iterable[Mark]) -> dict[str, float]:
    """Caller number -> when a phone answered them (the first answer)."""
    found: dict[str, float] = {}
    for mark in phone_marks:
        if mark.what == "answered" and mark.arg:
            found[mark.arg] = min(found.get(mark.arg, mark.at), mark.at)
    return found


def truth(callers: Iterable[CallerLog], answered_at: Mapping[str, float]) -> list[TruthCall]:
    """Each caller who reached the queue, answered or abandoned, with their wait. A caller
    with no ``queued`` mark never reached it (failed before) and is left out."""
    calls = []
    for caller in callers:
        invite, queued = caller.first("invite"), caller.first("queued")
        if invite is None or queued is None:
            continue
        start = invite if caller.queue == EMERGENCY else queued
        answer = answered_at.get(caller.number)
        if answer is not None and answer >= invite:
            calls.append(TruthCall(caller.number, caller.queue, start, True,
                                   max(0.0, answer - start), answer))
            continue
        gone = caller.first("gave-up") or caller.first("ended")
        if gone is None:
            continue  # still on the line: not counted yet
        calls.append(TruthCall(caller.number, caller.queue, start, False,
                               max(0.0, gone - start), gone))
    return calls


def most_waiting(calls: Iterable[TruthCall], queue: str) -> int:
    """The most callers of ``queue`` waiting at one moment (a saturated queue has a line)."""
    edges = sorted(edge for c in calls if c.queue == queue
                   for edge in ((c.start, 1), (c.ended_wait, -1)))
    most = now = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


# -- figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    offered: int
    answered: int
    abandoned: int
    sl15: float | None  # share 0..1
    sl20: float | None
    asa_s: float | None


def figures_of(calls: Sequence[TruthCall]) -> Figures:
    return _figures([c.waited_s for c in calls if c.answered],
                    [c.waited_s for c in calls if not c.answered])


def _figures(answered: Sequence[float], abandoned: Sequence[float]) -> Figures:
    f = queue_figures(list(answered), list(abandoned), (15, 20))
    return Figures(f.offered, f.answered, f.abandoned, f.service_level[15],
                   f.service_level[20], f.average_speed_of_answer_s)


def by_queue_and_shift(calls: Iterable[TruthCall], clock: DayClock, shifts: Sequence[Shift],
                       timezone: str) -> dict[tuple[str, str], Figures]:
    """(queue, "YYYY-MM-DD shift") -> figures; a call counts in the day and shift its wait
    began in, by the day clock (as the reports count it)."""
    groups: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    for call in calls:
        day, name = shift_of(clock.day_datetime(call.start), shifts, timezone)
        answered, abandoned = groups.setdefault((call.queue, f"{day.isoformat()} {name}"),
                                                ([], []))
        (answered if call.answered else abandoned).append(call.waited_s)
    return {key: _figures(a, b) for key, (a, b) in sorted(groups.items())}


def by_board_day(calls: Iterable[TruthCall], clock: DayClock, timezone: str, day: str,
                 until: float) -> dict[str, Figures]:
    """Queue -> figures of the calls whose wait ended on board ``day`` (city date, by the
    day clock) up to the real moment ``until``: what the wallboard's "today" counts."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    groups: dict[str, tuple[list[float], list[float]]] = {}
    for call in calls:
        ended_day = clock.day_datetime(call.ended_wait).astimezone(zone).date().isoformat()
        if ended_day != day or call.ended_wait > until:
            continue
        answered, abandoned = groups.setdefault(call.queue, ([], []))
        (answered if call.answered else abandoned).append(call.waited_s)
    return {queue: _figures(a, b) for queue, (a, b) in sorted(groups.items())}


def report_figures(line: Mapping[str, object]) -> Figures:
    """A line of ``/api/v1/reports/calls`` as figures."""
    def share(name: str) -> float | None:
        value = line.get(name)
        return None if value is None else float(value)  # type: ignore[arg-type]

    return Figures(int(line["offered"]), int(line["answered"]),  # type: ignore[call-overload]
                   int(line["abandoned"]), share("service_level_15s"),  # type: ignore[call-overload]
                   share("service_level_20s"), share("average_speed_of_answer_s"))


def board_figures(queue: Mapping[str, object]) -> Figures:
    """A queue of ``/api/v1/wallboard`` as figures."""
    levels = queue.get("service_level") or {}
    assert isinstance(levels, Mapping)
    asa = queue.get("average_speed_of_answer_s")
    return Figures(int(queue["offered"]), int(queue["answered"]),  # type: ignore[call-overload]
                   int(queue["abandoned"]),  # type: ignore[call-overload]
                   None if levels.get("15") is None else float(levels["15"]),
                   None if levels.get("20") is None else float(levels["20"]),
                   None if asa is None else float(asa))  # type: ignore[arg-type]


# -- the comparison --------------------------------------------------------------------------

# "One point": a percentage point for service levels; one second for the ASA; one call for
# the counts (offered, answered, abandoned).
POINT_SHARE, POINT_ASA_S, POINT_CALLS = 0.01, 1.0, 1


@dataclass
class Row:
    source: str  # "reports" or "wallboard"
    queue: str
    key: str  # shift key or board day
    ours: Figures
    sipp: Figures
    off: list[str] = field(default_factory=list)  # the figures more than a point apart


def differences(ours: Figures, sipp: Figures) -> list[str]:
    """The figures of ``ours`` more than one point from SIPp's (names, with both values)."""
    off = []
    for name in ("offered", "answered", "abandoned"):
        a, b = getattr(ours, name), getattr(sipp, name)
        if abs(a - b) > POINT_CALLS:
            off.append(f"{name} {a} vs {b}")
    for name, point in (("sl15", POINT_SHARE), ("sl20", POINT_SHARE), ("asa_s", POINT_ASA_S)):
        a, b = getattr(ours, name), getattr(sipp, name)
        if (a is None) != (b is None) or (a is not None and b is not None
                                          and abs(a - b) > point + 1e-9):
            off.append(f"{name} {a} vs {b}")
    return off


def compare(source: str, ours: Mapping[tuple[str, str], Figures],
            sipp: Mapping[tuple[str, str], Figures]) -> list[Row]:
    """One row per (queue, key) either side has; a side without it counts as no calls."""
    empty = _figures([], [])
    rows = []
    for queue, key in sorted(set(ours) | set(sipp)):
        a, b = ours.get((queue, key), empty), sipp.get((queue, key), empty)
        rows.append(Row(source, queue, key, a, b, differences(a, b)))
    return rows


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.1f}"


def _s(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.1f}"


def markdown(rows: Sequence[Row]) -> str:
    """The table: per source, queue and shift (or board day), our figures beside SIPp's."""
    lines = ["| source | queue | shift / day | offered ours / SIPp | answered | abandoned | "
             "SL 15 s % | SL 20 s % | ASA s | within 1 point |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        o, t = r.ours, r.sipp
        lines.append(
            f"| {r.source} | {r.queue} | {r.key} | {o.offered} / {t.offered} | "
            f"{o.answered} / {t.answered} | {o.abandoned} / {t.abandoned} | "
            f"{_pct(o.sl15)} / {_pct(t.sl15)} | {_pct(o.sl20)} / {_pct(t.sl20)} | "
            f"{_s(o.asa_s)} / {_s(t.asa_s)} | {'yes' if not r.off else '; '.join(r.off)} |")
    return "\n".join(lines) + "\n"


def day_start(date_text: str, timezone: str) -> datetime:
    """Midnight of the city day ``date_text`` (YYYY-MM-DD), aware (UTC)."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(date_text).replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
