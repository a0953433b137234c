"""The registered callers' table (schema revision 0005): one row per registered number."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..tickets.models import UtcDateTime
from .entry import DISTRICT_MAX, NAME_MAX, NUMBER_MAX


class CallerBase(DeclarativeBase):
    pass


class CallerRow(CallerBase):
    __tablename__ = "registered_callers"
    # As the dialplan hands it over: digits and an optional leading +, 20 at most.
    number: Mapped[str] = mapped_column(String(NUMBER_MAX), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    address: Mapped[str] = mapped_column(Text)
    district: Mapped[str] = mapped_column(String(DISTRICT_MAX))
    notes: Mapped[str] = mapped_column(Text)  # e.g. "lives alone, hard of hearing"
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))
