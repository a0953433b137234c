"""Call records: one row per queue call that ended waiting (answered or abandoned).

The AMI process writes them (``CallRecorder``, fed by ``QueueFollower.on_call_done``); the web
service reads them for the reports. The table has its own metadata, made with ``create_all``
at start, in the tickets' database (``settings.effective_database_url``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from ..ami.board import WaitingCaller
from ..ami.events import AgentAnswered, CallerAbandoned
from ..tickets.models import UtcDateTime

log = logging.getLogger(__name__)

ANSWERED, ABANDONED = "answered", "abandoned"

metadata = MetaData()

queue_calls = Table(
    "queue_calls", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("queue", String(80), nullable=False, index=True),
    Column("unique_id", String(100), nullable=False, index=True),
    Column("caller_number", String(64), nullable=False, default=""),
    Column("joined_at", UtcDateTime, nullable=False, index=True),
    Column("outcome", String(20), nullable=False),
    Column("waited_s", Float, nullable=False),
    Column("member", String(200), nullable=False, default=""),
    Column("language", String(8), nullable=False, default=""),
    Column("ticket", String(32), nullable=False, default=""),
)


@dataclass(frozen=True)
class CallRecord:
    queue: str
    unique_id: str
    caller_number: str
    joined_at: datetime  # aware
    outcome: str  # answered, abandoned
    waited_s: float
    member: str = ""
    language: str = ""
    ticket: str = ""


def call_record(event: AgentAnswered | CallerAbandoned, caller: WaitingCaller | None,
                now: float) -> CallRecord:
    """The record of a call that stopped waiting at ``now`` (epoch s); ``caller`` is what
    the board knew of it from its join (None when the join was not seen)."""
    waited = float(event.hold_time_s)
    joined = caller.joined_at if caller is not None else now - waited
    number = caller.caller_number if caller is not None else ""
    language = caller.language if caller is not None else ""
    ticket = caller.ticket if caller is not None else ""
    if isinstance(event, AgentAnswered):
        return CallRecord(event.queue, event.unique_id, event.caller_number or number,
                          datetime.fromtimestamp(joined, UTC), ANSWERED, waited, event.member,
                          event.language or language, event.ticket or ticket)
    return CallRecord(event.queue, event.unique_id, number, datetime.fromtimestamp(joined, UTC),
                      ABANDONED, waited, "", language, ticket)


class CallStore:
    """The ``queue_calls`` table (blocking; call from a thread)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ready = False

    def create_schema(self) -> None:
        metadata.create_all(self.engine, checkfirst=True)
        self._ready = True

    def add(self, record: CallRecord) -> None:
        if not self._ready:  # the database may have been away at start
            self.create_schema()
        with self.engine.begin() as conn:
            conn.execute(insert(queue_calls).values(
                queue=record.queue, unique_id=record.unique_id,
                caller_number=record.caller_number, joined_at=record.joined_at,
                outcome=record.outcome, waited_s=record.waited_s, member=record.member,
                language=record.language, ticket=record.ticket))

    def between(self, start: datetime, end: datetime) -> list[CallRecord]:
        """Calls that joined in ``[start, end)``, oldest first."""
        if not self._ready:
            self.create_schema()
        stmt = (select(queue_calls).where(queue_calls.c.joined_at >= start)
                .where(queue_calls.c.joined_at < end)
                .order_by(queue_calls.c.joined_at, queue_calls.c.id))
        with self.engine.connect() as conn:
            return [CallRecord(r.queue, r.unique_id, r.caller_number, r.joined_at, r.outcome,
                               r.waited_s, r.member, r.language, r.ticket)
                    for r in conn.execute(stmt)]


class CallRecorder:
    """The follower's sink: writes each finished call off the event loop.

    A database that fails is logged and the call's record is lost; the AMI follower (and so
    the wallboard) goes on regardless.
    """

    def __init__(self, store: CallStore) -> None:
        self.store = store
        self._writes: set[asyncio.Task[None]] = set()

    async def prepare(self) -> None:
        try:
            await asyncio.to_thread(self.store.create_schema)
        except (SQLAlchemyError, OSError) as exc:
            log.error("call records: cannot create queue_calls yet (%s); will retry", exc)

    def call_done(self, event: AgentAnswered | CallerAbandoned, caller: WaitingCaller | None,
                  now: float) -> None:
        task = asyncio.get_running_loop().create_task(self.write(call_record(event, caller,
                                                                             now)))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def write(self, record: CallRecord) -> None:
        try:
            await asyncio.to_thread(self.store.add, record)
        except (SQLAlchemyError, OSError) as exc:
            log.error("call record of %s in %s not written: %s", record.unique_id,
                      record.queue, exc)

    async def drain(self) -> None:
        """Wait for the writes under way (at shutdown, and in tests)."""
        if self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)
