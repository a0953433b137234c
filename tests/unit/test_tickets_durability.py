"""Durability: a bad spooled record, a long caller ID or a hanging database loses no ticket.

Real SQLite files and a real PostgreSQL (``tickets_pg``); the database "hangs" because another
connection holds it locked, as a stuck transaction or a long migration would.
"""

import asyncio
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from schema_fixtures import upgraded
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, ProgrammingError
from tickets_pg import database_url, postgres_server  # noqa: F401  (fixture)

from ivr.config import Settings
from ivr.db import make_engine
from ivr.flows.ports import CallReport
from ivr.schema.upgrade import upgrade_database
from ivr.tickets.desk import TicketDesk, build_ticket_desk
from ivr.tickets.errors import InvalidRequest, StoreUnavailable
from ivr.tickets.flusher import is_poison, next_flush_delay
from ivr.tickets.models import Incident, Ticket
from ivr.tickets.numbers import is_valid, ticket_number
from ivr.tickets.records import IncidentReport, NewTicket

AT = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)
TIMEOUT = 1.0
MARGIN = 2.0  # a shared 2-core test machine


def report(uid: str, caller: str = "0812000111") -> CallReport:
    return CallReport(caller, "id", "roads", f"/rec/{uid}.wav", uid)


def ticket(counter: int, **fields) -> NewTicket:
    return NewTicket(**{"number": ticket_number(counter), "token": f"tok{counter}",
                        "channel": "phone", "category": "roads", "received_at": AT, **fields})


def stored_tickets(desk: TicketDesk) -> list[Ticket]:
    with desk.service.sessions.begin() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)).unique())


@pytest.fixture
async def desk(database_url, tmp_path):  # noqa: F811
    desk = build_ticket_desk(upgraded(Settings(data_dir=tmp_path, database_url=database_url)))
    assert await desk.prepare()
    yield desk
    desk.close()


# --- item 3: column limits, poison records, a flush task that never dies ---------------------

async def test_an_80_digit_caller_id_still_makes_a_ticket(desk):
    number = await desk.open_from_call(report("long-cli", caller="9" * 80))
    stored = await desk.ticket(number)
    assert stored is not None and stored.caller_number == "9" * 64  # trimmed, not lost
    assert desk.spool.records() == []


async def test_a_112_call_with_over_long_ids_is_recorded(desk):
    desk.record_emergency_call("u" * 150, "9" * 80, "fire", "fire")
    await desk.drain()
    with desk.service.sessions.begin() as session:
        row = session.scalars(select(Incident)).one()
        assert (row.unique_id, row.caller_number) == ("u" * 100, "9" * 64)
    assert desk.spool.records() == []


async def test_an_over_long_field_from_another_channel_is_refused_by_name(desk):
    with pytest.raises(InvalidRequest, match="contact_name is longer than 200 characters"):
        await desk.submit(ticket(1_000_100, channel="api", contact_name="n" * 201), "api")
    assert desk.spool.records() == []


async def test_a_long_api_client_name_does_not_break_the_history(desk):
    actor = "open311:" + "c" * 200  # the api_keys table allows 200 characters of client
    number = await desk.submit(ticket(1_000_150, channel="api"), actor)
    assert (await desk.ticket(number)).history[0].actor == actor[:200]


async def test_an_oversized_spooled_record_and_the_next_both_land(desk):
    desk.spool.append(ticket(1_000_200, caller_number="9" * 80, source_ref="s" * 120))
    desk.spool.append(ticket(1_000_201))
    assert await desk.flush_spool() == 2
    assert desk.spool.records() == []
    assert [(t.number, t.caller_number) for t in stored_tickets(desk)] == [
        (ticket_number(1_000_200), "9" * 64), (ticket_number(1_000_201), "")]


async def test_a_poison_record_is_set_aside_and_the_next_lands(desk):
    naive = datetime(2024, 5, 6, 10, 0)  # a hand-edited line: no time zone
    desk.spool.append(ticket(1_000_300, received_at=naive))
    desk.spool.append(ticket(1_000_301))
    assert await desk.flush_spool() == 1
    assert [t.number for t in stored_tickets(desk)] == [ticket_number(1_000_301)]
    assert desk.spool.records() == []
    rejected = desk.spool.rejected_path.read_text()
    assert ticket_number(1_000_300) in rejected and "naive datetime" in rejected
    assert await desk.flush_spool() == 0  # set aside once, not offered again


async def until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def flushed(desk: TicketDesk, seconds: float = 10.0) -> None:
    """Flush until the spool is empty (a busy machine may need more than one pass)."""
    await desk.flush_spool()
    deadline = time.monotonic() + seconds
    while desk.spool.records():
        assert time.monotonic() < deadline, "the spool did not empty in time"
        await desk.flush_spool()


async def test_the_flush_task_survives_any_error(desk, caplog):
    desk.spool.path.mkdir(parents=True)  # the spool cannot be read: every flush fails
    task = asyncio.create_task(desk.keep_flushing(interval=0.02))
    try:
        await until(lambda: caplog.text.count("spool flush failed") >= 3 or task.done())
        assert not task.done()
        desk.spool.path.rmdir()
        desk.spool.append(ticket(1_000_400))
        await until(lambda: len(stored_tickets(desk)) == 1)
        assert not task.done()
    finally:
        task.cancel()


@pytest.mark.parametrize(("error", "poison"), [
    (DataError("INSERT", {}, Exception("value too long")), True),
    (IntegrityError("INSERT", {}, Exception("not null")), True),
    (InvalidRequest("description is longer than 4000 characters"), True),
    (ValueError("naive datetime given to a UTC column"), True),
    (OperationalError("SELECT", {}, Exception("server closed the connection")), False),
    (TimeoutError(), False),
    (StoreUnavailable("down moments ago"), False),
    (ProgrammingError("SELECT", {}, Exception("no such table")), False),  # not the record
])
def test_is_poison(error, poison):
    assert is_poison(error) is poison


@pytest.mark.parametrize(("previous", "failed", "expected"), [
    (30.0, False, 30.0), (30.0, True, 60.0), (60.0, True, 120.0), (480.0, True, 600.0),
    (600.0, True, 600.0), (600.0, False, 30.0),
])
def test_next_flush_delay(previous, failed, expected):
    assert next_flush_delay(previous, failed, interval=30.0, ceiling=600.0) == expected


# --- item 4: a hanging database holds no caller beyond the time-out ---------------------------

class LockedSqlite:
    """A SQLite database another connection holds under an exclusive lock (all I/O waits)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.holder: sqlite3.Connection | None = None

    def lock(self) -> None:
        self.holder = sqlite3.connect(self.path, isolation_level=None)
        self.holder.execute("BEGIN EXCLUSIVE")

    def unlock(self) -> None:
        if self.holder is not None:
            self.holder.rollback()
            self.holder.close()
            self.holder = None


@pytest.fixture
async def hanging(tmp_path):
    """(desk, lock) on SQLite with a 20 s busy time-out: a locked database hangs 20 s."""
    path = tmp_path / "db" / "hotline.sqlite3"
    path.parent.mkdir()
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 20})
    upgrade_database(engine)
    desk = build_ticket_desk(Settings(data_dir=tmp_path / "data"), engine)
    desk.db_timeout = TIMEOUT
    assert await desk.prepare()
    lock = LockedSqlite(path)
    yield desk, lock
    lock.unlock()
    desk.close()
    engine.dispose()


async def test_ten_callers_on_a_hanging_database_are_answered_in_time(hanging):
    desk, lock = hanging
    lock.lock()
    started = time.monotonic()
    numbers = await asyncio.gather(*(desk.open_from_call(report(f"c{i}")) for i in range(10)))
    elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT + MARGIN, f"callers waited {elapsed:.1f} s"
    assert len(set(numbers)) == 10 and all(is_valid(n) for n in numbers)
    assert {r.number for r in desk.spool.records()} == set(numbers)
    lock.unlock()  # the abandoned writes may land now; the flush makes it exactly once
    await flushed(desk)
    with desk.service.sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 10


async def test_an_append_is_not_delayed_by_a_slow_drain(hanging):
    desk, lock = hanging
    for counter in range(1_000_500, 1_000_503):
        desk.spool.append(ticket(counter))
    in_database = threading.Event()
    event.listen(desk.service.engine, "before_cursor_execute",
                 lambda *args: in_database.set())
    lock.lock()
    flush = asyncio.create_task(desk.flush_spool())
    assert await asyncio.to_thread(in_database.wait, 10)  # the drain now waits on the lock
    started = time.monotonic()
    await asyncio.to_thread(desk.spool.append, IncidentReport("112-a", "", "fire", "fire", AT))
    assert time.monotonic() - started < 0.5
    started = time.monotonic()
    desk.record_emergency_call("112-b", "0812", "fire", "fire")  # through the desk
    await desk.drain()
    assert time.monotonic() - started < TIMEOUT + MARGIN
    assert await flush == 0  # the database never answered: nothing written, nothing lost
    assert len(desk.spool.records()) == 5


async def test_postgres_statement_timeout_frees_the_database_threads(tmp_path):
    url = postgres_server().new_database()
    engine = make_engine(url, statement_timeout_s=2)
    upgrade_database(engine)
    desk = build_ticket_desk(Settings(data_dir=tmp_path), engine)
    desk.db_timeout = TIMEOUT
    try:
        assert await desk.prepare()
        with make_engine(url).connect() as holder:
            holder.execute(text("LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            numbers = await asyncio.gather(*(desk.open_from_call(report(f"p{i}"))
                                             for i in range(10)))
            assert time.monotonic() - started < TIMEOUT + MARGIN
            assert {r.number for r in desk.spool.records()} == set(numbers)
            # PostgreSQL cancels the stuck statements, so the pool takes work again.
            assert await desk.workers.database(2 + MARGIN + 2, lambda: "free") == "free"
            holder.rollback()
        await flushed(desk)
        assert len(stored_tickets(desk)) == 10
    finally:
        desk.close()
        engine.dispose()


def test_postgres_engine_settings():
    engine = make_engine(postgres_server().new_database())
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "10s"
            params = conn.connection.dbapi_connection.info.get_parameters()
            assert (params["keepalives"], params["keepalives_idle"]) == ("1", "10")
            assert "tcp_user_timeout" in params
    finally:
        engine.dispose()
