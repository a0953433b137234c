"""``CallerRegistry``: the only door to the ``registered_callers`` table (``models.py``).

What goes in is checked first (``entry.caller_entry``, ``csvfile.parse_csv``); what comes out
is frozen ``RegisteredCaller``s, never ORM rows. A CSV import lands whole or not at all: it
adds the numbers that are new and replaces those registered already (numbers the file does
not name are kept), in one transaction. A database that fails is ``RegistryUnavailable``
(503). All methods are blocking: the web edge runs them in worker threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .csvfile import export_csv, parse_csv
from .entry import (
    CallerEntry,
    CallerError,
    RegisteredCaller,
    number_problem,
)
from .models import CallerRow

ACTOR_MAX = 200
SEARCH_MAX = 500


class RegistryUnavailable(CallerError):
    error_id = "store-unavailable"


@dataclass(frozen=True)
class ImportReport:
    """What a CSV import did: numbers added, numbers whose entry was replaced."""

    added: int
    updated: int

    @property
    def total(self) -> int:
        return self.added + self.updated


def _caller(row: CallerRow) -> RegisteredCaller:
    return RegisteredCaller(row.number, row.name, row.address, row.district, row.notes,
                            row.updated_at, row.updated_by)


def _stored(number: str) -> bool:
    """Whether ``number`` could be stored at all (else there is nothing to look up)."""
    return number_problem(number) is None


class CallerRegistry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with self.sessions.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            raise RegistryUnavailable(
                f"registered callers unavailable ({exc.__class__.__name__})") from exc

    def get(self, number: str) -> RegisteredCaller | None:
        if not _stored(number):
            return None
        with self._session() as session:
            row = session.get(CallerRow, number)
            return _caller(row) if row else None

    def search(self, text: str, limit: int = 100) -> list[RegisteredCaller]:
        """Entries whose number, name, address or district contains ``text`` (any case),
        by name; every entry for an empty ``text``; at most ``limit``."""
        query = select(CallerRow).order_by(CallerRow.name, CallerRow.number)
        text = text.strip()
        if text:
            query = query.where(or_(*(column.icontains(text, autoescape=True) for column in (
                CallerRow.number, CallerRow.name, CallerRow.address, CallerRow.district))))
        with self._session() as session:
            rows = session.scalars(query.limit(max(1, min(limit, SEARCH_MAX))))
            return [_caller(r) for r in rows]

    def put(self, entry: CallerEntry, actor: str) -> RegisteredCaller:
        """Register ``entry``'s number, or replace what it says; who and when are kept."""
        try:
            return self._put(entry, actor)
        except RegistryUnavailable as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise
            return self._put(entry, actor)  # registered by another request meanwhile

    def _put(self, entry: CallerEntry, actor: str) -> RegisteredCaller:
        with self._session() as session:
            row, _added = self._write(session, entry, actor, _now())
            return _caller(row)

    def _write(self, session: Session, entry: CallerEntry, actor: str,
               when: datetime) -> tuple[CallerRow, bool]:
        """The row as ``entry`` says, and whether the number is new."""
        row = session.get(CallerRow, entry.number)
        added = row is None
        if row is None:
            row = CallerRow(number=entry.number)
            session.add(row)
        row.name, row.address = entry.name, entry.address
        row.district, row.notes = entry.district, entry.notes
        row.updated_at, row.updated_by = when, actor[:ACTOR_MAX]
        session.flush()
        return row, added

    def delete(self, number: str) -> bool:
        """Unregister ``number``; False when it was not registered."""
        if not _stored(number):
            return False
        with self._session() as session:
            row = session.get(CallerRow, number)
            if row is None:
                return False
            session.delete(row)
            return True

    def import_csv(self, text: str, actor: str) -> ImportReport:
        """Every line of the CSV, or none (``csvfile.BadCallersCsv`` names each bad line)."""
        entries = parse_csv(text)
        when = _now()
        with self._session() as session:
            added = sum(self._write(session, entry, actor, when)[1] for entry in entries)
        return ImportReport(added=added, updated=len(entries) - added)

    def export_csv(self) -> str:
        with self._session() as session:
            entries = [_caller(r).entry for r in session.scalars(select(CallerRow))]
        return export_csv(entries)


def _now() -> datetime:
    return datetime.now(UTC)
