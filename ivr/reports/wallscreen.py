"""The wall screen's ticket figures, as Beijing's hotline shows them on its big screen (pure).

Today's tickets by kind of contact, received against resolved; today's by category and by
district; the month's top categories. The database sums the tickets (``Tally`` rows, one
per kind, category and district seen), so the screen never loads the tickets themselves;
this only adds the tallies up and orders them. "Today" and "this month" are the city's
(``Period``: the ticket time zone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .periods import Period

TOP_CATEGORIES = 5
NO_DISTRICT = "No district"


@dataclass(frozen=True)
class Tally:
    """How many tickets of one kind, category and district (received or resolved)."""

    kind: str
    category: str
    district: str
    count: int


@dataclass(frozen=True)
class Names:
    kinds: Mapping[str, str]  # in the order the screen lists them
    categories: Mapping[str, str]
    districts: Mapping[str, str]


def today_and_month(now: datetime, timezone: str) -> tuple[Period, Period]:
    """The city's today, and its month up to and including today."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    return (Period(today, today, timezone),
            Period(date(today.year, today.month, 1), today, timezone))


def _sums(tallies: Iterable[Tally], field: str) -> dict[str, int]:
    sums: dict[str, int] = {}
    for tally in tallies:
        key = getattr(tally, field)
        sums[key] = sums.get(key, 0) + tally.count
    return sums


def _lines(received: list[Tally], resolved: list[Tally], field: str,
           names: Mapping[str, str], keep: Iterable[str] = ()) -> list[dict[str, Any]]:
    """One line per key seen (and per key of ``keep``, zeros and all): most received first,
    then by name; ``keep`` keys come in their own order."""
    got, done = _sums(received, field), _sums(resolved, field)
    kept = list(keep)
    others = sorted((set(got) | set(done)) - set(kept),
                    key=lambda k: (-got.get(k, 0), -done.get(k, 0), names.get(k, k)))
    return [{"key": k, "name": names.get(k) or k or NO_DISTRICT,
             "received": got.get(k, 0), "resolved": done.get(k, 0)} for k in kept + others]


def wallscreen_view(received: list[Tally], resolved: list[Tally], month: list[Tally],
                    names: Names, today: Period, top: int = TOP_CATEGORIES) -> dict[str, Any]:
    """The body of ``GET /api/v1/wallscreen``."""
    month_sums = _sums(month, "category")
    best = sorted(month_sums, key=lambda k: (-month_sums[k], names.categories.get(k, k)))
    return {
        "day": today.first.isoformat(),
        "month": today.first.strftime("%Y-%m"),
        "received": sum(t.count for t in received),
        "resolved": sum(t.count for t in resolved),
        "by_kind": _lines(received, resolved, "kind", names.kinds, keep=names.kinds),
        "by_category": _lines(received, resolved, "category", names.categories),
        "by_district": _lines(received, resolved, "district", names.districts),
        "top_month": [{"key": k, "name": names.categories.get(k, k),
                       "received": month_sums[k]} for k in best[:top]],
    }
