"""What every report route shares: its ``?from&to&by`` query and its JSON-or-CSV reply.

A bad query is 400 ``bad-query`` on an API route (the page shows it instead). CSV comes for
``&format=csv`` or ``Accept: text/csv``: a header row, then one row per line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from ..clock import day_now
from ..reports.csv_export import to_csv
from ..reports.periods import BadPeriod, Period, parse_period
from .inputs import bad_input
from .keys import SETTINGS


@dataclass(frozen=True)
class Query:
    period: Period
    by: str


class BadQuery(ValueError):
    pass


def parse_query(request: web.Request, groupings: Sequence[str]) -> Query:
    try:
        period = parse_period(request.query.get("from"), request.query.get("to"),
                              request.app[SETTINGS].ticket_timezone, day_now())
    except BadPeriod as exc:
        raise BadQuery(str(exc)) from None
    by = request.query.get("by", groupings[0])
    if by not in groupings:
        raise BadQuery(f"by is one of {', '.join(groupings)}")
    return Query(period, by)


def api_query(request: web.Request, groupings: Sequence[str]) -> Query:
    """The query of an API route; a bad one is 400 ``bad-query`` (the page shows it instead)."""
    try:
        return parse_query(request, groupings)
    except BadQuery as exc:
        raise bad_input("bad-query", str(exc)) from None


def wants_csv(request: web.Request) -> bool:
    return (request.query.get("format") == "csv"
            or "text/csv" in request.headers.get("Accept", ""))


def reply(request: web.Request, name: str, query: Query, body: dict[str, Any],
          columns: Sequence[str], csv_lines: Sequence[dict[str, Any]] | None = None
          ) -> web.Response:
    """``body`` as JSON, or as CSV with ``columns``: ``csv_lines``, else ``body["lines"]``."""
    if not wants_csv(request):
        return web.json_response(body)
    filename = f"{name}-by-{query.by}-{query.period.first}-{query.period.last}.csv"
    rows = body["lines"] if csv_lines is None else csv_lines
    return web.Response(text=to_csv(rows, columns), content_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def head(query: Query) -> dict[str, Any]:
    return {"from": query.period.first.isoformat(), "to": query.period.last.isoformat(),
            "by": query.by, "timezone": query.period.timezone}


def csv_url(kind: str, period: Period, by: str) -> str:
    query = urlencode({"from": period.first.isoformat(), "to": period.last.isoformat(),
                       "by": by, "format": "csv"})
    return f"/api/v1/reports/{kind}?{query}"
