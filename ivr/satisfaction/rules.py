"""The follow-up's decisions (pure: no I/O, every time given).

- Calls go out only within the calling hours, city time (``IVR_SURVEY_HOURS``,
  ``08:00-20:00``): the window includes its start and excludes its end, and may pass
  midnight (``20:00-02:00``).
- A rating is one key, 1 to 5; anything else is not a rating (the caller is asked again).
- A citizen is *satisfied* with a rating of 4 or 5; the satisfaction rate is the satisfied
  share of the ratings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

RATINGS = range(1, 6)
RATING_KEYS = frozenset(str(r) for r in RATINGS)  # ASCII only: "٣" is no key of a phone
SATISFIED_FROM = 4
_WINDOW = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)\s*$")


@dataclass(frozen=True)
class CallingHours:
    """Minutes after midnight: ``opens`` 0..1439, ``closes`` 0..1440 (24:00); a window with
    ``opens > closes`` passes midnight."""

    opens: int
    closes: int

    def allow(self, local: datetime) -> bool:
        """Whether a follow-up call may start at the city's local time ``local``."""
        now = local.hour * 60 + local.minute
        if self.opens < self.closes:
            return self.opens <= now < self.closes
        return now >= self.opens or now < self.closes


def calling_hours(text: str) -> CallingHours:
    """``"08:00-20:00"`` -> CallingHours; ValueError names the expected form."""
    found = _WINDOW.match(text)
    if found is None:
        raise ValueError(f"calling hours must look like 08:00-20:00, not {text!r}")
    oh, om, ch, cm = (int(part) for part in found.groups())
    opens, closes = oh * 60 + om, ch * 60 + cm
    if closes > 24 * 60:
        raise ValueError(f"calling hours end at 24:00 at the latest, not {text!r}")
    if opens == closes:
        raise ValueError(f"calling hours open and close at the same time: {text!r}")
    return CallingHours(opens, closes)


def rating_of(keys: str) -> int | None:
    """The rating a caller's keys give: one digit 1 to 5, else None."""
    keys = keys.strip()
    return int(keys) if keys in RATING_KEYS else None


def satisfied(rating: int) -> bool:
    return rating >= SATISFIED_FROM


def satisfaction_rate(ratings: Iterable[int]) -> float | None:
    """The satisfied share of ``ratings``; None when there are none."""
    given = list(ratings)
    return sum(satisfied(r) for r in given) / len(given) if given else None
