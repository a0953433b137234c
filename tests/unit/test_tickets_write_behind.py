"""Records written behind (112 incidents, call records): the calls of a moment share one
write; none is lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from schema_fixtures import upgraded
from sqlalchemy import select
from tickets_pg import database_url, postgres_server  # noqa: F401  (fixture)

from ivr.config import Settings
from ivr.reports.records import CallRecord
from ivr.reports.tables import queue_calls
from ivr.tickets.desk import build_ticket_desk
from ivr.tickets.errors import StoreUnavailable
from ivr.tickets.models import Incident
from ivr.tickets.records import IncidentReport
from ivr.tickets.write_behind import WriteBehind, batches

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def report(n: int) -> IncidentReport:
    return IncidentReport(f"112-{n}", "0812", "fire", "fire", T0)


def test_batches_keep_the_order_and_the_size() -> None:
    waiting = [report(n) for n in range(5)]
    assert [[r.unique_id for r in b] for b in batches(waiting, 2)] == [
        ["112-0", "112-1"], ["112-2", "112-3"], ["112-4"]]
    assert batches([], 2) == []


class Store:
    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.writes: list[list[str]] = []
        self.spooled: list[str] = []

    async def store(self, batch: list[IncidentReport]) -> None:
        if self.fail is not None:
            raise self.fail
        self.writes.append([r.unique_id for r in batch])

    async def spool(self, batch: list[IncidentReport]) -> None:
        self.spooled.extend(r.unique_id for r in batch)


def writer(store: Store, window_s: float = 0.02,
           max_batch: int = 500) -> WriteBehind[IncidentReport]:
    return WriteBehind("112 incidents", store.store, store.spool,
                          lambda exc: isinstance(exc, StoreUnavailable), window_s, max_batch)


async def test_the_calls_of_a_moment_share_one_write_and_each_learns_it_is_kept() -> None:
    store = Store()
    incidents = writer(store)
    await asyncio.gather(*(incidents.write(report(n)) for n in range(30)))
    assert store.writes == [[f"112-{n}" for n in range(30)]]
    await incidents.write(report(99))  # a later call: its own write
    assert store.writes[-1] == ["112-99"]


async def test_records_that_come_during_a_write_wait_for_the_next_window_together() -> None:
    """Under load the write itself takes time: what comes meanwhile is one batch after a
    window, not a write per record as soon as the previous write ends."""
    store = Store()
    slow_store = store.store

    async def slow(batch: list[IncidentReport]) -> None:
        await asyncio.sleep(0.3)
        await slow_store(batch)

    incidents = WriteBehind("112 incidents", slow, store.spool, lambda exc: False, 0.2)

    async def call_at(delay_s: float, n: int) -> None:
        await asyncio.sleep(delay_s)
        await incidents.write(report(n))

    # 0: first record; its batch is written from 0.2 to 0.5; 0.25 comes during that write,
    # 0.6 during the next window.
    await asyncio.gather(call_at(0, 0), call_at(0.25, 1), call_at(0.6, 2))
    assert store.writes == [["112-0"], ["112-1", "112-2"]]


async def test_a_big_moment_is_cut_into_batches() -> None:
    store = Store()
    await asyncio.gather(*(writer(store, max_batch=10).write(report(n)) for n in range(1)))
    incidents = writer(store, max_batch=10)
    await asyncio.gather(*(incidents.write(report(n)) for n in range(25)))
    assert [len(w) for w in store.writes[1:]] == [10, 10, 5]


@pytest.mark.parametrize("failure", [StoreUnavailable("database away"),
                                     RuntimeError("a bug in the write")])
async def test_a_failed_write_spools_the_whole_batch(failure: Exception,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    store = Store(fail=failure)
    incidents = writer(store)
    await asyncio.gather(*(incidents.write(report(n)) for n in range(3)))
    assert store.spooled == ["112-0", "112-1", "112-2"]
    assert "spooled" in caplog.text


async def test_drain_writes_what_waits_without_waiting_for_the_window() -> None:
    store = Store()
    incidents = writer(store, window_s=60.0)
    waiting = asyncio.create_task(incidents.write(report(1)))
    await asyncio.sleep(0)
    await asyncio.wait_for(incidents.drain(), 1.0)
    assert store.writes == [["112-1"]]
    await asyncio.wait_for(waiting, 1.0)


async def test_records_put_without_waiting_share_the_write_of_their_moment() -> None:
    store = Store()
    incidents = writer(store, window_s=0.05)
    for n in range(3):
        incidents.put(report(n))  # the 112 flow's hand-over: returns at once
    await incidents.write(report(3))  # one that waits learns when the moment is kept
    assert store.writes == [["112-0", "112-1", "112-2", "112-3"]]


async def test_after_a_drain_records_wait_for_their_window_again() -> None:
    store = Store()
    incidents = writer(store, window_s=0.3)
    incidents.put(report(1))
    await incidents.drain()
    incidents.put(report(2))
    await asyncio.sleep(0.1)
    assert store.writes == [["112-1"]]  # 112-2 waits for its window, not written at once
    await asyncio.sleep(0.4)
    assert store.writes == [["112-1"], ["112-2"]]


async def test_a_cancelled_caller_does_not_take_its_record_along() -> None:
    store = Store()
    incidents = writer(store)
    waiting = asyncio.create_task(incidents.write(report(1)))
    await asyncio.sleep(0)
    waiting.cancel()
    await incidents.drain()
    assert store.writes == [["112-1"]]


async def test_the_desk_writes_a_moment_of_112_calls_once_each(database_url: str,  # noqa: F811
                                                               tmp_path: Path) -> None:
    desk = build_ticket_desk(upgraded(Settings(data_dir=tmp_path, database_url=database_url)))
    try:
        desk.record_emergency_call("112-0", "0812", "fire", "fire")
        await desk.drain()  # already there for the batch below
        for n in range(12):
            desk.record_emergency_call(f"112-{n % 5}", "9" * 80, "fire", "fire")
        await desk.drain()
        with desk.service.sessions.begin() as session:
            rows = session.scalars(select(Incident).order_by(Incident.unique_id)).all()
            assert [(r.unique_id, r.outcome) for r in rows] == [
                (f"112-{n}", "queued") for n in range(5)]
            assert rows[0].caller_number == "0812" and rows[1].caller_number == "9" * 64
        assert desk.spool.records() == []
    finally:
        await desk.drain()
        desk.close()


async def test_the_desk_writes_a_moment_of_call_records_once_each(database_url: str,  # noqa: F811
                                                                  tmp_path: Path) -> None:
    desk = build_ticket_desk(upgraded(Settings(data_dir=tmp_path, database_url=database_url)))

    def record(n: int) -> CallRecord:
        return CallRecord("fire", f"c-{n % 4}", "0812", T0, "abandoned", 3.0)

    try:
        await desk.record_call(record(0))  # already there when the moment comes
        await asyncio.gather(*(desk.record_call(record(n)) for n in range(10)))
        with desk.service.sessions.begin() as session:
            ids = session.scalars(select(queue_calls.c.unique_id)).all()
        assert sorted(ids) == ["c-0", "c-1", "c-2", "c-3"]
        assert desk.spool.records() == []
    finally:
        await desk.drain()
        desk.close()
