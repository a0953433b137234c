"""Tickets counted in the database for the wall screen (``reports.wallscreen``).

Each query is one GROUP BY over an indexed time column (``created_at``, ``resolved_at``):
the screen polls every few seconds, so it must cost the same with a million tickets as with
ten.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..reports.wallscreen import Names, Tally, today_and_month, wallscreen_view
from .kinds import KIND_NAMES
from .models import Category, District, Ticket


def received_between(session: Session, start: datetime, end: datetime) -> list[Tally]:
    stmt = (select(Ticket.kind, Ticket.category_code, Ticket.district, func.count())
            .where(Ticket.created_at >= start, Ticket.created_at < end)
            .group_by(Ticket.kind, Ticket.category_code, Ticket.district))
    return [Tally(k, c, d, int(n)) for k, c, d, n in session.execute(stmt)]


def resolved_between(session: Session, start: datetime, end: datetime) -> list[Tally]:
    """Tickets whose (latest) resolution is in ``[start, end)``."""
    stmt = (select(Ticket.kind, Ticket.category_code, Ticket.district, func.count())
            .where(Ticket.resolved_at >= start, Ticket.resolved_at < end)
            .group_by(Ticket.kind, Ticket.category_code, Ticket.district))
    return [Tally(k, c, d, int(n)) for k, c, d, n in session.execute(stmt)]


def received_by_category(session: Session, start: datetime, end: datetime) -> list[Tally]:
    stmt = (select(Ticket.category_code, func.count())
            .where(Ticket.created_at >= start, Ticket.created_at < end)
            .group_by(Ticket.category_code))
    return [Tally("", c, "", int(n)) for c, n in session.execute(stmt)]


def names(session: Session) -> Names:
    categories = {code: name for code, name in session.execute(
        select(Category.code, Category.name))}
    districts = {code: name for code, name in session.execute(
        select(District.code, District.name))}
    return Names({str(k): v for k, v in KIND_NAMES.items()}, categories, districts)


def wallscreen_figures(session: Session, now: datetime, timezone: str) -> dict[str, Any]:
    """Today's and this month's figures in the city's time zone (``now`` is passed in)."""
    today, month = today_and_month(now, timezone)
    return wallscreen_view(received_between(session, today.start, today.end),
                           resolved_between(session, today.start, today.end),
                           received_by_category(session, month.start, month.end),
                           names(session), today)
