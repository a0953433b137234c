"""Where a 112 caller waits in line: by lane first, then by arrival at our Asterisk (pure).

app_queue serves a higher ``QUEUE_PRIO`` first and, within one priority, the earlier join.
A caller who presses a key leaves ``emergency`` for ``fire`` and joins it anew; were the
priority a constant they would land behind every ``fire`` caller who joined before them,
even those who arrived later. So the priority itself carries the arrival: within a lane a
caller who arrived earlier has the higher number, and a move between queues keeps it.

The dialplan computes the same number with ``$[...]`` (``dialplan_expression``), so it needs
none of our services; ``ivr/emergency/lane.py`` lowers a prank number's priority over AMI.

The arrival part counts seconds from ``EPOCH0`` modulo ``SPAN`` (about 3.2 years): around the
moment it wraps (2029-03) the order of callers waiting at that instant is not kept.
"""

from __future__ import annotations

from typing import Literal

Lane = Literal["prank", "normal", "callback"]

EPOCH0 = 1_767_225_600  # 2026-01-01T00:00:00Z
SPAN = 100_000_000  # seconds of arrival one lane can tell apart
LANES: dict[Lane, int] = {"prank": 1, "normal": 2, "callback": 3}


def arrival_priority(lane: Lane, arrived_epoch: float) -> int:
    """The QUEUE_PRIO of a caller of ``lane`` who arrived at ``arrived_epoch``."""
    elapsed = (int(arrived_epoch) - EPOCH0) % SPAN
    return LANES[lane] * SPAN + (SPAN - 1 - elapsed)


def dialplan_expression(lane: Lane, epoch_variable: str = "HOTLINE_ARRIVED") -> str:
    """``arrival_priority`` as an Asterisk expression over a channel variable of epoch seconds."""
    # Whole seconds (the first 10 digits): the arrival may carry milliseconds.
    return (f"$[{LANES[lane] * SPAN + SPAN - 1} - ((${{{epoch_variable}:0:10}} - {EPOCH0})"
            f" % {SPAN})]")


def lane_of(priority: int) -> Lane:
    """The lane a priority belongs to (``normal`` for one outside every lane, e.g. 10)."""
    for lane, band in LANES.items():
        if band * SPAN <= priority < (band + 1) * SPAN:
            return lane
    return "normal"
