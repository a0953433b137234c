"""The admin pages' history: every save of a user, an operator or the roster, newest first.

Blocking (the web edge runs it in a worker thread). The summary is written by the route that
saved, in words an admin reads ("role operator → supervisor"); passwords never go in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from .models import AdminChange

KINDS = ("user", "operator", "roster")
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class AdminEdit:
    at: datetime
    actor: str
    kind: str
    subject: str
    summary: str


class AdminHistory:
    def __init__(self, engine: Engine) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def record(self, actor: str, kind: str, subject: str, summary: str) -> None:
        with self.sessions.begin() as session:
            session.add(AdminChange(at=datetime.now(UTC).replace(tzinfo=None), actor=actor,
                                    kind=kind, subject=subject[:100], summary=summary[:500]))

    def recent(self, kind: str, limit: int = HISTORY_LIMIT) -> list[AdminEdit]:
        with self.sessions.begin() as session:
            rows = session.scalars(select(AdminChange).where(AdminChange.kind == kind)
                                   .order_by(AdminChange.id.desc()).limit(limit))
            return [AdminEdit(r.at, r.actor, r.kind, r.subject, r.summary) for r in rows]
