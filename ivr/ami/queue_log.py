"""Queue calls that ended while the AMI link was down, read back from Asterisk's queue_log.

While the link is cut no ``AgentConnect`` or ``QueueCallerAbandon`` reaches the follower, so a
caller who joined and left in that time would have no call record. Asterisk writes every
queue step to its ``queue_log`` file all the same (``astlogdir``; ``<data_dir>/logs/asterisk``
under ``ivr run``), one line each::

    1796405353|1796405352.0|emergency|NONE|ENTERQUEUE||081200000101|1
    1796405354|1796405352.0|emergency|ani|CONNECT|1|1796405353.1|1
    1796405366|1796405360.2|hotline|NONE|ABANDON|1|1|9

(time|call id|queue|member|event|data...). After a new login the follower hands the ends of
the outage (CONNECT: answered, ABANDON: abandoned, as the AMI events would have) to the same
call-record sink, skipping the calls it has recorded already.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .board import WaitingCaller
from .events import AgentAnswered, CallerAbandoned

QUEUE_LOG_TAIL_BYTES = 4 * 1024 * 1024  # ample for hours of calls; the file is never cut


@dataclass(frozen=True)
class MissedEnd:
    """A queue call's end that no AMI event told: the event, its join, and when it ended."""

    event: AgentAnswered | CallerAbandoned
    caller: WaitingCaller
    at: float


def _int(text: str) -> int:
    try:
        return int(float(text))
    except ValueError:
        return 0


def missed_ends(lines: list[str], since: float, until: float,
                recorded: set[tuple[str, str]]) -> list[MissedEnd]:
    """The answers and abandons logged between ``since`` and ``until`` (epoch s, inclusive)
    whose (queue, call id) is not in ``recorded`` (pure).

    Each comes with its join (the ENTERQUEUE line of that call and queue: caller number and
    time; the call's first join anywhere is its arrival, where a 112 wait starts). Lines of
    other kinds, torn lines (the file is being written) and ends without a join are skipped.
    """
    joins: dict[tuple[str, str], WaitingCaller] = {}
    arrived: dict[str, float] = {}
    found: list[MissedEnd] = []
    for line in lines:
        parts = line.rstrip("\n").split("|")
        if len(parts) < 6 or not parts[0].isdigit():
            continue
        at, call_id, queue, member, kind = float(parts[0]), *parts[1:5]
        data = parts[5:]
        if kind == "ENTERQUEUE" and len(data) >= 2:
            arrived.setdefault(call_id, at)
            joins[(queue, call_id)] = WaitingCaller(call_id, data[1], at,
                                                    arrived_at=arrived[call_id])
            continue
        join = joins.get((queue, call_id))
        if join is None or (queue, call_id) in recorded or not since <= at <= until:
            continue
        if kind == "CONNECT":
            event: AgentAnswered | CallerAbandoned = AgentAnswered(
                queue, call_id, member, join.caller_number, _int(data[0]))
        elif kind == "ABANDON" and len(data) >= 3:
            event = CallerAbandoned(queue, call_id, _int(data[2]))
        else:
            continue
        found.append(MissedEnd(event, join, at))
    return found


def read_tail(path: Path, max_bytes: int = QUEUE_LOG_TAIL_BYTES) -> list[str]:
    """The last lines of ``path`` (at most ``max_bytes``; the first, maybe cut, dropped);
    [] when there is no such file (Asterisk on another host)."""
    try:
        with path.open("rb") as log:
            size = log.seek(0, 2)
            log.seek(max(0, size - max_bytes))
            text = log.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    lines = text.splitlines()
    return lines[1:] if size > max_bytes else lines
