"""Call records: one row per queue call that ended waiting (answered or abandoned).

The AMI process writes them (``CallRecorder``, fed by ``QueueFollower.on_call_done``) through
the ticket desk, which spools a record while the database is away and writes it once the
database is back (``TicketDesk.record_call``); the web service reads them for the reports.
The table is in the hotline's one schema history (``ivr/schema``, revisions 0004 and 0009),
beside the tickets. A call is written once: one row per call, queue and join
(``insert_call``; the unique index ``uq_queue_calls_call``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, and_, case, func, literal, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..ami.board import WaitingCaller, wait_start
from ..ami.client import TaskSet
from ..ami.events import AgentAnswered, CallerAbandoned, QueueEvent, VirtualHoldSeen
from ..clock import day_of
from ..tickets.errors import StoreUnavailable
from .records import ABANDONED, ANSWERED, CallRecord, OperatorActivity, VirtualHoldStep
from .tables import insert_once, operator_activity, queue_calls, virtual_hold_steps
from .wall_targets import TrendCell

log = logging.getLogger(__name__)



def call_record(event: AgentAnswered | CallerAbandoned, caller: WaitingCaller | None,
                now: float) -> CallRecord:
    """The record of a call that stopped waiting at ``now`` (epoch s); ``caller`` is what
    the board knew of it from its join (None when the join was not seen). A 112 call's wait
    counts from its arrival at Asterisk (``board.wait_start``), not from joining this queue."""
    waited = float(event.hold_time_s)
    joined = now - waited
    if caller is not None:
        # Asterisk's HoldTime is whole seconds, cut down (15.7 s is "15"): the wait is timed
        # from the join the board saw, to the millisecond, as the wallboard's.
        joined = wait_start(event.queue, caller)
        waited = max(0.0, round(now - joined, 3))
    number = caller.caller_number if caller is not None else ""
    # The day and shift the call counts in follow the day clock (ivr/clock.py); the wait is
    # real seconds.
    joined = day_of(joined)
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

    def add(self, record: CallRecord) -> bool:
        """Write the record once; False if it was there already."""
        try:
            with self.engine.begin() as conn:
                return insert_call(conn, record)
        except IntegrityError:  # a concurrent write of the same call won
            return False

    async def calls_between(self, start: datetime, end: datetime) -> list[CallRecord]:
        """``between`` off the event loop; a database that fails is ``StoreUnavailable``."""
        try:
            return await asyncio.to_thread(self.between, start, end)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable(f"call records unavailable ({exc.__class__.__name__})"
                                   ) from exc

    def between(self, start: datetime, end: datetime) -> list[CallRecord]:
        """Calls that joined in ``[start, end)``, oldest first."""
        stmt = (select(queue_calls).where(queue_calls.c.joined_at >= start)
                .where(queue_calls.c.joined_at < end)
                .order_by(queue_calls.c.joined_at, queue_calls.c.id))
        with self.engine.connect() as conn:
            return [CallRecord(r.queue, r.unique_id, r.caller_number, r.joined_at, r.outcome,
                               r.waited_s, r.member, r.language, r.ticket)
                    for r in conn.execute(stmt)]


    async def activities_between(self, start: datetime, end: datetime
                                 ) -> list[OperatorActivity]:
        """Operators' activities that started in ``[start - 1 day, end)`` (a pause may reach
        into the period from before), off the event loop."""
        try:
            return await asyncio.to_thread(self._activities, start - timedelta(days=1), end)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable(f"operator figures unavailable ({exc.__class__.__name__})"
                                   ) from exc

    def _activities(self, start: datetime, end: datetime) -> list[OperatorActivity]:
        table = operator_activity
        stmt = (select(table).where(table.c.started_at >= start)
                .where(table.c.started_at < end).order_by(table.c.started_at, table.c.id))
        with self.engine.connect() as conn:
            return [OperatorActivity(r.operator, r.kind, r.started_at, r.seconds, r.reason,
                                     r.queue, r.unique_id) for r in conn.execute(stmt)]

    async def trend(self, starts: list[datetime], end: datetime) -> list[TrendCell]:
        """``trend_cells`` off the event loop; a database that fails is ``StoreUnavailable``."""
        try:
            return await asyncio.to_thread(self.trend_cells, starts, end)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable(f"call records unavailable ({exc.__class__.__name__})"
                                   ) from exc

    def trend_cells(self, starts: list[datetime], end: datetime) -> list[TrendCell]:
        """Per queue and bucket (``starts[i]`` .. the next start, the last up to ``end``):
        calls offered and answered within 15 s and 20 s. One GROUP BY over the indexed
        ``joined_at``; the bucket is a CASE on the starts (the same SQL on SQLite and
        PostgreSQL)."""
        c = queue_calls.c
        bucket: ColumnElement[int] = literal(0)
        if len(starts) > 1:
            bucket = case(*((c.joined_at < start, index)
                            for index, start in enumerate(starts[1:])), else_=len(starts) - 1)
        calls = (select(c.queue, bucket.label("bucket"), c.outcome, c.waited_s)
                 .where(c.joined_at >= starts[0], c.joined_at < end).subquery())

        def within(seconds: int) -> ColumnElement[int]:
            return func.sum(case((and_(calls.c.outcome == ANSWERED,
                                       calls.c.waited_s <= seconds), 1), else_=0))

        stmt = (select(calls.c.queue, calls.c.bucket, func.count(), within(15), within(20))
                .group_by(calls.c.queue, calls.c.bucket))
        with self.engine.connect() as conn:
            return [TrendCell(q, int(b), int(n), int(w15 or 0), int(w20 or 0))
                    for q, b, n, w15, w20 in conn.execute(stmt)]


class CallRecorder:
    """The follower's sink: hands each finished call to ``write`` off the follower's path.

    ``write`` is the ticket desk's ``record_call``: the database, or the spool while it is
    away. Only a spool that fails too (a full disk) loses a record, and that is logged as an
    error; the AMI follower (and so the wallboard) goes on regardless.
    """

    def __init__(self, write: Callable[[CallRecord], Awaitable[object]]) -> None:
        self.write = write
        self._writes: set[asyncio.Task[None]] = set()

    def call_done(self, event: AgentAnswered | CallerAbandoned, caller: WaitingCaller | None,
                  now: float) -> None:
        task = asyncio.get_running_loop().create_task(self._keep(call_record(event, caller,
                                                                            now)))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _keep(self, record: CallRecord) -> None:
        try:
            await self.write(record)
        except Exception:  # noqa: BLE001 - the follower must go on; the record is reported
            log.exception("call record of %s in %s lost", record.unique_id, record.queue)

    async def drain(self) -> None:
        """Wait for the writes under way (at shutdown, and in tests)."""
        if self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)


def insert_call(conn: Connection | Session, record: CallRecord) -> bool:
    """A call record, once per call, queue and join (``uq_queue_calls_call``)."""
    return insert_once(conn, queue_calls, {
        "unique_id": record.unique_id, "queue": record.queue, "joined_at": record.joined_at}, {
        "caller_number": record.caller_number, "outcome": record.outcome,
        "waited_s": record.waited_s, "member": record.member, "language": record.language,
        "ticket": record.ticket})


def insert_vhold_step(conn: Connection | Session, step: VirtualHoldStep) -> bool:
    """A virtual hold's step, once per hold, step and try (``uq_virtual_hold_steps_step``)."""
    return insert_once(conn, virtual_hold_steps, {
        "hold_id": step.hold_id, "step": step.step, "attempt": step.attempt}, {
        "caller_number": step.caller_number, "queue": step.queue, "at": step.at})


def insert_operator_activity(conn: Connection | Session, activity: OperatorActivity) -> bool:
    """An operator's handled call, missed offer or pause, once (``uq_operator_activity_once``)."""
    return insert_once(conn, operator_activity, {
        "operator": activity.operator[:200], "kind": activity.kind,
        "unique_id": activity.unique_id[:100], "started_at": activity.started_at}, {
        "seconds": activity.seconds, "reason": activity.reason[:80],
        "queue": activity.queue[:80]})


class VirtualHoldRecorder:
    """The follower's listener for virtual hold steps: each is written through ``write`` (the
    ticket desk's ``record_vhold_step``: the database, or the spool) off the follower's path."""

    def __init__(self, write: Callable[[VirtualHoldStep], Awaitable[object]]) -> None:
        self.write = write
        self._tasks = TaskSet("virtual hold records", log)

    def on_event(self, event: QueueEvent, now: float) -> None:
        if not isinstance(event, VirtualHoldSeen) or not event.hold_id:
            return
        step = VirtualHoldStep(event.hold_id, event.step, event.caller_number, event.queue,
                               datetime.fromtimestamp(now, UTC), event.attempt)
        self._tasks.spawn(self._keep(step), f"virtual hold {event.hold_id} {event.step}")

    async def _keep(self, step: VirtualHoldStep) -> None:
        await self.write(step)
