"""Tickets opened, resolved and overdue per day, category or agency (pure).

- opened: created in the day (or the period);
- resolved: resolved in it (the last resolution of a ticket now resolved or closed);
- overdue: deadline passed in it (and before ``now``) while the ticket was unfinished, so a
  ticket that missed its deadline counts once, on the day of the deadline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .periods import Period, city_day

TICKET_GROUPINGS = ("day", "category", "agency")


@dataclass(frozen=True)
class TicketFact:
    number: str
    category: str
    category_name: str
    agency: str
    agency_name: str
    created_at: datetime
    due_at: datetime
    resolved_at: datetime | None = None  # None: not resolved (now)
    finished_at: datetime | None = None  # resolved, closed, rejected or duplicate; None: open

    def missed(self, now: datetime) -> bool:
        """The deadline passed while the ticket was unfinished."""
        if self.due_at > now:
            return False
        return self.finished_at is None or self.finished_at > self.due_at


@dataclass(frozen=True)
class TicketLine:
    key: str
    label: str
    opened: int
    resolved: int
    overdue: int


def ticket_lines(facts: Iterable[TicketFact], period: Period, by: str, now: datetime
                 ) -> list[TicketLine]:
    """One line per day of ``period`` (zeros kept), or per category or agency seen."""
    if by not in TICKET_GROUPINGS:
        raise ValueError(f"unknown grouping {by!r} (use {', '.join(TICKET_GROUPINGS)})")
    counts: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    if by == "day":
        counts = {day.isoformat(): [0, 0, 0] for day in period.days()}
    for fact in facts:
        moments = (fact.created_at, fact.resolved_at,
                   fact.due_at if fact.missed(now) else None)
        for index, moment in enumerate(moments):
            if moment is None or not period.contains(moment):
                continue
            key, label = _key(fact, by, moment, period.timezone)
            counts.setdefault(key, [0, 0, 0])[index] += 1
            labels[key] = label
    return [TicketLine(key, labels.get(key, key), *counts[key]) for key in sorted(counts)]


def _key(fact: TicketFact, by: str, moment: datetime, timezone: str) -> tuple[str, str]:
    if by == "category":
        return fact.category, fact.category_name or fact.category
    if by == "agency":
        return fact.agency, fact.agency_name or fact.agency
    day = city_day(moment, timezone).isoformat()
    return day, day
