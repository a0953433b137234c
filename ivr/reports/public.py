"""The public performance page's figures for one city month (pure), as New York publishes
its Local Law 47 call-answering reports and Pekalongan its complaint follow-ups.

Only counts, shares and durations, never a ticket or a call: no number, name, address or
description reaches this module (the inputs carry none). What it counts:

- calls offered and answered per *service*: 112 (the emergency queues) and 12345 (the
  hotline queue), with the service level at NENA's 15 s and 20 s for 112 and 15 s for
  12345 (``calls.call_total``, the reports' own computation);
- tickets received in the month by category, by district and by their status now;
- per agency: tickets resolved in the month and their mean time from receipt to resolution,
  and the scorecard's response, resolution and satisfaction rates (``scorecard``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..queues import EMERGENCY_QUEUES, HOTLINE
from ..stats.queue_day import NENA_THRESHOLDS_S
from .calls import CallLine, call_total
from .periods import Period
from .records import CallRecord
from .scorecard import ScoreLine

# The public numbers, their queues, and the service levels each is measured against.
SERVICE_QUEUES: Mapping[str, tuple[str, ...]] = {"112": EMERGENCY_QUEUES, "12345": (HOTLINE,)}
SERVICE_LEVELS_S: Mapping[str, tuple[int, ...]] = {"112": NENA_THRESHOLDS_S, "12345": (15,)}
SERVICE_NAMES: Mapping[str, str] = {"112": "Emergency 112", "12345": "City hotline 12345"}
NO_DISTRICT = "No district"
CSV_COLUMNS = ("month", "section", "key", "name", "measure", "value")


def service_of(queue: str) -> str | None:
    """The public number whose calls wait in ``queue``; None for a queue of neither."""
    return next((s for s, queues in SERVICE_QUEUES.items() if queue in queues), None)


@dataclass(frozen=True)
class ServiceCalls:
    service: str
    levels_s: tuple[int, ...]
    line: CallLine


def service_calls(records: Iterable[CallRecord], period: Period) -> list[ServiceCalls]:
    """Each service's calls that joined a queue in ``period`` (both listed, zeros and all)."""
    kept = list(records)
    return [ServiceCalls(service, levels, call_total(
                [r for r in kept if service_of(r.queue) == service], period, levels))
            for service, levels in SERVICE_LEVELS_S.items()]


@dataclass(frozen=True)
class Received:
    """How many tickets received in the month have this category, district and status."""

    category: str
    district: str
    status: str
    count: int


@dataclass(frozen=True)
class Count:
    key: str
    name: str
    count: int


@dataclass(frozen=True)
class TicketCounts:
    received: int
    by_category: list[Count]
    by_district: list[Count]
    by_status: list[Count]


def _counts(received: Sequence[Received], field: str, names: Mapping[str, str]
            ) -> list[Count]:
    """One line per key seen, most first, then by name."""
    sums: dict[str, int] = {}
    for row in received:
        key = getattr(row, field)
        sums[key] = sums.get(key, 0) + row.count
    lines = [Count(k, names.get(k) or k or NO_DISTRICT, n) for k, n in sums.items()]
    return sorted(lines, key=lambda c: (-c.count, c.name))


def ticket_counts(received: Iterable[Received], categories: Mapping[str, str],
                  districts: Mapping[str, str], statuses: Sequence[tuple[str, str]]
                  ) -> TicketCounts:
    """The month's tickets by category and district (those seen) and by status (each of
    ``statuses``, (code, name), in that order, zeros kept)."""
    rows = list(received)
    seen = {c.key: c.count for c in _counts(rows, "status", {})}
    return TicketCounts(
        received=sum(r.count for r in rows),
        by_category=_counts(rows, "category", categories),
        by_district=_counts(rows, "district", districts),
        by_status=[Count(code, name, seen.pop(code, 0)) for code, name in statuses]
        + [Count(k, k, n) for k, n in sorted(seen.items())])


@dataclass(frozen=True)
class Resolution:
    """One ticket resolved in the month: its agency and how long it took."""

    agency: str
    agency_name: str
    created_at: datetime
    resolved_at: datetime


@dataclass(frozen=True)
class AgencyFigures:
    agency: str
    agency_name: str
    resolved: int
    average_resolution_hours: float | None
    score: ScoreLine


def agency_figures(score_lines: Iterable[ScoreLine], resolutions: Iterable[Resolution]
                   ) -> list[AgencyFigures]:
    """Each scorecard agency (and any other that resolved a ticket), by code, with its
    resolved tickets and their mean time to resolution in hours."""
    hours: dict[str, list[float]] = {}
    lines = {line.agency: line for line in score_lines}
    for done in resolutions:
        spent = max(0.0, (done.resolved_at - done.created_at).total_seconds() / 3600)
        hours.setdefault(done.agency, []).append(spent)
        lines.setdefault(done.agency, ScoreLine(done.agency, done.agency_name, 0, 0, 0, 0))
    return [AgencyFigures(code, lines[code].agency_name, len(hours.get(code, [])),
                          _mean(hours.get(code, [])), lines[code]) for code in sorted(lines)]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class PublicPerformance:
    period: Period
    generated_at: datetime
    calls: list[ServiceCalls]
    tickets: TicketCounts
    agencies: list[AgencyFigures]

    @property
    def month(self) -> str:
        return self.period.first.strftime("%Y-%m")


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def calls_json(calls: ServiceCalls) -> dict[str, Any]:
    line = calls.line
    body: dict[str, Any] = {"service": calls.service, "name": SERVICE_NAMES[calls.service],
                            "offered": line.offered, "answered": line.answered,
                            "abandoned": line.abandoned}
    for threshold in calls.levels_s:
        body[f"service_level_{threshold}s"] = _share(line.service_level.get(threshold))
    return body


def agency_json(figures: AgencyFigures) -> dict[str, Any]:
    score = figures.score
    return {"agency": figures.agency, "agency_name": figures.agency_name,
            "resolved": figures.resolved,
            "average_resolution_hours": _hours(figures.average_resolution_hours),
            "response_rate": _share(score.response_rate), "responses": score.responses,
            "responded_on_time": score.responded_on_time,
            "resolution_rate": _share(score.resolution_rate),
            "resolutions": score.resolutions, "resolved_on_time": score.resolved_on_time,
            "satisfaction": _share(score.satisfaction)}


def _count_json(counts: Sequence[Count]) -> list[dict[str, Any]]:
    return [{"key": c.key, "name": c.name, "count": c.count} for c in counts]


def performance_json(figures: PublicPerformance) -> dict[str, Any]:
    """The body of ``GET /api/v1/public/performance``."""
    tickets = figures.tickets
    return {
        "month": figures.month, "from": figures.period.first.isoformat(),
        "to": figures.period.last.isoformat(), "timezone": figures.period.timezone,
        "generated_at": figures.generated_at.isoformat(timespec="seconds"),
        "calls": [calls_json(c) for c in figures.calls],
        "tickets": {"received": tickets.received,
                    "by_category": _count_json(tickets.by_category),
                    "by_district": _count_json(tickets.by_district),
                    "by_status": _count_json(tickets.by_status)},
        "agencies": [agency_json(a) for a in figures.agencies],
    }


def performance_rows(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The JSON body as long CSV rows (``CSV_COLUMNS``): one figure a row, so one file holds
    every section and a spreadsheet can pivot it."""
    month = body["month"]
    rows: list[dict[str, Any]] = []

    def add(section: str, key: str, name: str, figures: Mapping[str, Any],
            skip: tuple[str, ...]) -> None:
        rows.extend({"month": month, "section": section, "key": key, "name": name,
                     "measure": measure, "value": value}
                    for measure, value in figures.items() if measure not in skip)

    for calls in body["calls"]:
        add("calls", calls["service"], calls["name"], calls, ("service", "name"))
    add("tickets", "all", "Tickets received", {"received": body["tickets"]["received"]}, ())
    for part in ("category", "district", "status"):
        for count in body["tickets"][f"by_{part}"]:
            add(f"tickets_by_{part}", count["key"], count["name"], count, ("key", "name"))
    for agency in body["agencies"]:
        add("agencies", agency["agency"], agency["agency_name"], agency,
            ("agency", "agency_name"))
    return rows
