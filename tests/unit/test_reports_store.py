"""Call records: the follower's sink, the queue_calls table, and a database that fails."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from schema_fixtures import upgraded

from ivr.ami.board import QueueBoard, WaitingCaller
from ivr.ami.events import AgentAnswered, CallerAbandoned, CallerJoined, CallerLeft
from ivr.ami.follower import QueueFollower
from ivr.config import Settings
from ivr.db import make_engine
from ivr.reports.store import ABANDONED, ANSWERED, CallRecorder, CallStore, call_record
from ivr.schema.upgrade import upgrade_database
from ivr.tickets.desk import build_ticket_desk

T0 = 1_795_000_000.0  # epoch seconds


class FakeLive:
    def __init__(self) -> None:
        self.saved: list[str] = []

    async def save_board(self, board: dict[str, Any], reason: str) -> None:
        self.saved.append(reason)

    async def load_board(self) -> QueueBoard:
        return QueueBoard()

    async def beat(self, service: str, details: dict[str, Any]) -> None:
        return None

    async def flatline(self, service: str) -> None:
        return None


def test_a_record_takes_the_join_from_the_board() -> None:
    caller = WaitingCaller("u1", "0812", T0, "en", "10000004")
    answered = call_record(AgentAnswered("fire", "u1", "ani", "0812", 9), caller, T0 + 9)
    assert (answered.outcome, answered.member, answered.waited_s, answered.language,
            answered.ticket) == (ANSWERED, "ani", 9.0, "en", "10000004")
    assert answered.joined_at == datetime.fromtimestamp(T0, UTC)
    unseen = call_record(CallerAbandoned("fire", "u2", 7), None, T0 + 7)
    assert (unseen.outcome, unseen.caller_number, unseen.joined_at) == (
        ABANDONED, "", datetime.fromtimestamp(T0, UTC))


def test_a_112_record_waits_from_arrival_a_hotline_one_from_its_queue() -> None:
    moved = WaitingCaller("u3", "0812", T0 + 6, arrived_at=T0)  # joined fire 6 s in
    answered = call_record(AgentAnswered("fire", "u3", "ani", "0812", 4), moved, T0 + 10)
    assert (answered.waited_s, answered.joined_at) == (10.0, datetime.fromtimestamp(T0, UTC))
    hotline = WaitingCaller("u4", "0813", T0 + 30, arrived_at=T0)  # 30 s in the menu first
    answered = call_record(AgentAnswered("hotline", "u4", "ani", "0813", 4), hotline, T0 + 34)
    assert (answered.waited_s, answered.joined_at) == (4.0, datetime.fromtimestamp(T0 + 30, UTC))


def test_a_wait_is_timed_to_the_millisecond_not_asterisks_whole_seconds() -> None:
    caller = WaitingCaller("u5", "0814", T0)
    answered = call_record(AgentAnswered("hotline", "u5", "ani", "0814", 15), caller, T0 + 15.04)
    assert answered.waited_s == 15.04  # HoldTime said 15: "within 15 s" it was not


def test_a_record_counts_in_the_day_of_the_day_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from ivr.clock import DayClock
    from ivr.reports import store as store_module

    clock = DayClock(720, T0, T0 - 3600)  # a day in 2 minutes, from an hour before T0
    monkeypatch.setattr(store_module, "day_of", clock.day)
    record = call_record(AgentAnswered("fire", "u6", "ani", "0815", 3),
                         WaitingCaller("u6", "0815", T0 + 10), T0 + 13)
    assert record.joined_at == datetime.fromtimestamp(T0 - 3600 + 10 * 720, UTC)
    assert record.waited_s == 3.0  # the wait stays real seconds


def test_the_store_writes_and_reads_between(tmp_path: Path) -> None:
    store = CallStore(make_engine(f"sqlite:///{tmp_path}/db.sqlite3"))
    upgrade_database(store.engine)
    for n, moment in enumerate((T0, T0 + 60, T0 + 7200)):
        store.add(call_record(CallerAbandoned("fire", f"u{n}", 5),
                              WaitingCaller(f"u{n}", "0812", moment), moment + 5))
    found = store.between(datetime.fromtimestamp(T0, UTC), datetime.fromtimestamp(T0 + 3600, UTC))
    assert [r.unique_id for r in found] == ["u0", "u1"]
    assert found[0].joined_at.tzinfo is not None
    store.engine.dispose()


async def test_the_follower_tells_the_sink_of_answered_and_abandoned_calls() -> None:
    live = FakeLive()
    follower = QueueFollower(Settings(), live)
    done: list[tuple[Any, WaitingCaller | None]] = []
    follower.on_call_done = lambda event, caller, now: done.append((event, caller))
    await follower.apply(CallerJoined("fire", "u1", "0812", 1, language="en", ticket="7"))
    await follower.apply(CallerJoined("fire", "u2", "0813", 2))
    await follower.apply(CallerLeft("fire", "u1"))  # Asterisk may say so before AgentConnect
    await follower.apply(AgentAnswered("fire", "u1", "ani", "0812", 4))
    await follower.apply(CallerAbandoned("fire", "u2", 9))
    assert [(type(e).__name__, c.caller_number if c else None) for e, c in done] == [
        ("AgentAnswered", "0812"), ("CallerAbandoned", "0813")]
    assert done[0][1] is not None and done[0][1].language == "en"
    assert not follower._joins


async def test_a_failing_sink_does_not_stop_the_board(caplog: pytest.LogCaptureFixture) -> None:
    live = FakeLive()
    follower = QueueFollower(Settings(board_coalesce_ms=0), live)  # each event saved at once

    def broken(*_: Any) -> None:
        raise RuntimeError("sink down")

    follower.on_call_done = broken
    await follower.apply(CallerJoined("fire", "u1", "0812", 1))
    await follower.apply(CallerAbandoned("fire", "u1", 3))
    await follower.apply(CallerJoined("fire", "u2", "0813", 1))
    assert live.saved[-1] == "CallerJoined"
    assert [c.unique_id for c in follower.board.queues["fire"].waiting] == ["u2"]
    assert "call-done sink failed" in caplog.text


async def test_a_record_that_cannot_be_kept_is_logged_and_the_recorder_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    async def disk_full(record) -> None:  # the database away and the spool failing too
        raise OSError(28, "No space left on device")

    recorder = CallRecorder(disk_full)
    caplog.set_level(logging.ERROR)
    recorder.call_done(CallerAbandoned("fire", "u1", 3), None, T0)
    await recorder.drain()
    assert "call record of u1 in fire lost" in caplog.text


async def test_the_recorder_writes_through_the_desk_and_its_spool(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/db.sqlite3")
    desk = build_ticket_desk(upgraded(settings))
    store = CallStore(desk.service.engine)
    recorder = CallRecorder(desk.record_call)
    try:
        recorder.call_done(AgentAnswered("fire", "u1", "ani", "0812", 4),
                           WaitingCaller("u1", "0812", T0), T0 + 4)
        await recorder.drain()
        window = datetime.fromtimestamp(T0 - 1, UTC), datetime.fromtimestamp(T0 + 1, UTC)
        rows = store.between(*window)
        assert [(r.member, r.outcome, r.waited_s) for r in rows] == [("ani", ANSWERED, 4.0)]
        desk.service.engine.dispose()
        (tmp_path / "db.sqlite3").rename(tmp_path / "away.sqlite3")  # the database is gone
        (tmp_path / "db.sqlite3").mkdir()  # ... and cannot be made again
        recorder.call_done(CallerAbandoned("fire", "u2", 3), WaitingCaller("u2", "0813", T0),
                           T0 + 3)
        await recorder.drain()
        assert [r.unique_id for r in desk.spool.records()] == ["u2"]
        (tmp_path / "db.sqlite3").rmdir()
        (tmp_path / "away.sqlite3").rename(tmp_path / "db.sqlite3")
        assert await desk.flush_spool() == 1
        assert [(r.unique_id, r.outcome) for r in store.between(*window)] == [
            ("u1", ANSWERED), ("u2", ABANDONED)]
    finally:
        desk.close()
