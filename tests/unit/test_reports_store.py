"""Call records: the follower's sink, the queue_calls table, and a database that fails."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from ivr.ami.board import QueueBoard, WaitingCaller
from ivr.ami.events import AgentAnswered, CallerAbandoned, CallerJoined, CallerLeft
from ivr.ami.follower import QueueFollower
from ivr.config import Settings
from ivr.db import make_engine
from ivr.reports.store import ABANDONED, ANSWERED, CallRecorder, CallStore, call_record
from ivr.schema.upgrade import upgrade_database

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
    follower = QueueFollower(Settings(), live)

    def broken(*_: Any) -> None:
        raise RuntimeError("sink down")

    follower.on_call_done = broken
    await follower.apply(CallerJoined("fire", "u1", "0812", 1))
    await follower.apply(CallerAbandoned("fire", "u1", 3))
    await follower.apply(CallerJoined("fire", "u2", "0813", 1))
    assert live.saved[-1] == "CallerJoined"
    assert [c.unique_id for c in follower.board.queues["fire"].waiting] == ["u2"]
    assert "call-done sink failed" in caplog.text


async def test_a_database_that_fails_is_logged_and_the_recorder_goes_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    missing = tmp_path / "no-such-dir" / "db.sqlite3"  # sqlite cannot open it
    recorder = CallRecorder(CallStore(create_engine(f"sqlite:///{missing}")))
    caplog.set_level(logging.ERROR)
    recorder.call_done(CallerAbandoned("fire", "u1", 3), None, T0)
    await recorder.drain()
    assert "call record of u1 in fire not written" in caplog.text


async def test_the_recorder_writes_off_the_loop(tmp_path: Path) -> None:
    store = CallStore(make_engine(f"sqlite:///{tmp_path}/db.sqlite3"))
    upgrade_database(store.engine)
    recorder = CallRecorder(store)
    recorder.call_done(AgentAnswered("fire", "u1", "ani", "0812", 4),
                       WaitingCaller("u1", "0812", T0), T0 + 4)
    await recorder.drain()
    rows = store.between(datetime.fromtimestamp(T0 - 1, UTC),
                         datetime.fromtimestamp(T0 + 1, UTC))
    assert [(r.member, r.outcome, r.waited_s) for r in rows] == [("ani", ANSWERED, 4.0)]
    store.engine.dispose()
