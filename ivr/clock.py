"""The hotline's day time: the clock that decides shifts, report windows and deadlines.

Normally it is the wall clock. A simulated day (``bench/simulated_day.py``) runs 24 hours in
minutes with ``IVR_TIME_SCALE`` (day seconds per real second), ``IVR_TIME_EPOCH`` (the real
moment, epoch seconds, the scaling starts from) and ``IVR_DAY_START`` (the day time at that
moment, ISO 8601; empty: the epoch itself)::

    day time = day start + (real - epoch) * scale

Only what belongs to the *day* follows it: which roster shift is on, the day and shift a call
is counted in (reports, the wallboard's "today"), ticket deadlines and report periods.
Durations stay real seconds: a caller's wait, a ring, a talk, a wrap-up; so a service level
"within 15 s" is 15 real seconds at any scale. Every service reads the same environment
(``ivr run`` passes it on), so they all agree on the day.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache


class ClockError(ValueError):
    """A day clock setting that cannot be used."""


@dataclass(frozen=True)
class DayClock:
    scale: float = 1.0
    epoch: float = 0.0  # real epoch seconds
    start: float | None = None  # day time at ``epoch`` (epoch seconds); None: ``epoch``

    @property
    def scaled(self) -> bool:
        return self.scale != 1.0 or (self.start is not None and self.start != self.epoch)

    def day(self, real: float) -> float:
        """The day time (epoch seconds) at the real moment ``real`` (epoch seconds)."""
        if not self.scaled:
            return real
        start = self.epoch if self.start is None else self.start
        return start + (real - self.epoch) * self.scale

    def real(self, day: float) -> float:
        """The real moment the day time ``day`` falls on (the inverse of ``day``)."""
        if not self.scaled:
            return day
        start = self.epoch if self.start is None else self.start
        return self.epoch + (day - start) / self.scale

    def day_datetime(self, real: float) -> datetime:
        return datetime.fromtimestamp(self.day(real), UTC)

    def now(self) -> datetime:
        """The day time now, aware (UTC)."""
        return self.day_datetime(time.time())


def clock_from(env: Mapping[str, str]) -> DayClock:
    """The clock of ``IVR_TIME_SCALE``, ``IVR_TIME_EPOCH`` and ``IVR_DAY_START`` in ``env``."""
    try:
        scale = float(env.get("IVR_TIME_SCALE") or 1)
        epoch = float(env.get("IVR_TIME_EPOCH") or 0)
        text = (env.get("IVR_DAY_START") or "").strip()
        start = None
        if text:
            moment = datetime.fromisoformat(text)
            start = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    except ValueError as exc:
        raise ClockError(f"IVR_TIME_SCALE / IVR_TIME_EPOCH / IVR_DAY_START: {exc}") from None
    if not scale > 0:
        raise ClockError("IVR_TIME_SCALE is a number above 0 (day seconds per real second)")
    if (scale != 1 or start is not None) and not epoch:
        epoch = time.time()  # scaled from the moment the process read it: set it to share it
    return DayClock(scale, epoch, start)


@lru_cache(maxsize=1)
def day_clock() -> DayClock:
    """This process's clock (read once from the environment)."""
    return clock_from(os.environ)


def day_now() -> datetime:
    """The day time now, aware (UTC): use it where the day matters (shifts, windows,
    deadlines), never for a duration."""
    return day_clock().now()


def day_of(real: float) -> float:
    """The day time (epoch seconds) of a real moment (epoch seconds)."""
    return day_clock().day(real)
