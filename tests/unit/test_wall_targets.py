"""The wall screen's targets and trends (``ivr/reports/wall_targets.py``) and the GROUP BY
that feeds the trends (``CallStore.trend_cells``, on a real SQLite file)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ivr.db import make_engine
from ivr.reports.records import ABANDONED, ANSWERED, CallRecord
from ivr.reports.store import CallStore
from ivr.reports.wall_targets import (
    AMBER,
    OK,
    RED,
    TrendCell,
    bucket_starts,
    day_trends,
    target_state,
)
from ivr.schema.upgrade import upgrade_database

DAY = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # midnight in Jakarta


@pytest.mark.parametrize(("queue", "sl15", "sl20", "state"), [
    ("fire", 0.90, 0.95, OK),        # NENA exactly met
    ("fire", 1.0, 1.0, OK),
    ("fire", None, None, OK),        # nothing offered: nothing missed
    ("police", 0.89, 0.99, AMBER),   # 15 s one point short
    ("police", 0.85, 0.95, AMBER),   # 5 points short is still amber
    ("police", 0.84, 0.95, RED),     # 6 points short
    ("ambulance", 0.95, 0.94, AMBER),  # the 20 s target alone
    ("emergency", 0.95, 0.89, RED),
    ("emergency", 0.0, 0.0, RED),
    ("hotline", 0.80, 0.0, OK),      # the hotline has no 20 s target
    ("hotline", 0.76, None, AMBER),
    ("hotline", 0.74, 0.99, RED),
    ("hotline", None, None, OK),
])
def test_a_queue_is_as_bad_as_its_worst_target(queue: str, sl15: float | None,
                                                sl20: float | None, state: str) -> None:
    assert target_state(queue, sl15, sl20) == state


def test_the_hotline_target_is_the_setting() -> None:
    assert target_state("hotline", 0.90, None, hotline_percent=96) == RED
    assert target_state("hotline", 0.90, None, hotline_percent=95) == AMBER
    assert target_state("hotline", 0.90, None, hotline_percent=90) == OK
    assert target_state("fire", 0.90, 0.95, hotline_percent=100) == OK  # NENA stays


def test_buckets_run_hour_by_hour_from_the_day_start_to_now() -> None:
    assert bucket_starts(DAY, DAY) == [DAY]
    assert bucket_starts(DAY, DAY + timedelta(minutes=59)) == [DAY]
    starts = bucket_starts(DAY, DAY + timedelta(hours=2, minutes=1))
    assert starts == [DAY, DAY + timedelta(hours=1), DAY + timedelta(hours=2)]
    assert len(bucket_starts(DAY, DAY + timedelta(hours=23, minutes=59))) == 24


def test_the_trend_has_every_queue_every_bucket_and_the_days_state() -> None:
    starts = bucket_starts(DAY, DAY + timedelta(hours=2, minutes=30))
    cells = [TrendCell("fire", 0, 4, 4, 4), TrendCell("fire", 2, 6, 2, 3),
             TrendCell("hotline", 1, 5, 4, 5)]
    body = day_trends(cells, starts, ("fire", "police", "hotline"), 80, "2026-12-04")
    fire, police, hotline = body["queues"]
    assert fire["offered"] == [4, 0, 6]
    assert fire["service_level_15"] == [1.0, None, round(2 / 6, 4)]
    assert fire["day"] == {"offered": 10, "service_level_15": 0.6, "service_level_20": 0.7}
    assert fire["state"] == RED
    assert fire["targets"] == [{"within_s": 15, "percent": 90}, {"within_s": 20, "percent": 95}]
    assert police["offered"] == [0, 0, 0] and police["state"] == OK
    assert hotline["day"]["service_level_15"] == 0.8 and hotline["state"] == OK
    assert hotline["targets"] == [{"within_s": 15, "percent": 80}]
    assert body["starts"][0] == DAY.isoformat() and body["bucket_minutes"] == 60


def test_the_store_sums_calls_per_queue_and_hour(tmp_path: Path) -> None:
    store = CallStore(make_engine(f"sqlite:///{tmp_path}/db.sqlite3"))
    upgrade_database(store.engine)
    calls = [("fire", -1, ANSWERED, 3.0),  # yesterday: left out
             ("fire", 10, ANSWERED, 3.0), ("fire", 20, ANSWERED, 17.0),
             ("fire", 30, ABANDONED, 2.0), ("fire", 130, ANSWERED, 25.0),
             ("hotline", 70, ANSWERED, 15.0)]
    for n, (queue, minute, outcome, waited) in enumerate(calls):
        store.add(CallRecord(queue, f"u{n}", "0812", DAY + timedelta(minutes=minute), outcome,
                             waited))
    starts = bucket_starts(DAY, DAY + timedelta(hours=2, minutes=30))
    cells = store.trend_cells(starts, DAY + timedelta(days=1))
    assert sorted(cells, key=lambda c: (c.queue, c.bucket)) == [
        TrendCell("fire", 0, 3, 1, 2), TrendCell("fire", 2, 1, 0, 0),
        TrendCell("hotline", 1, 1, 1, 1)]
    assert store.trend_cells([DAY], DAY + timedelta(days=1))[0].bucket == 0
    store.engine.dispose()
