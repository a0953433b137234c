"""Coalesced board saves: at most one per interval, the latest state wins, none lost."""

from __future__ import annotations

import asyncio

import pytest

from ivr.ami.publisher import BoardPublisher, merged_reason, publish_delay


@pytest.mark.parametrize(("now", "last", "interval", "delay"), [
    (10.0, float("-inf"), 0.1, 0.0),  # never saved: at once
    (10.0, 9.5, 0.1, 0.0),            # the last save is old: at once
    (10.0, 9.95, 0.1, 0.05),          # within the interval: what is left of it
    (10.0, 10.0, 0.1, 0.1),
    (10.0, 10.0, 0.0, 0.0),           # no interval: never waits
])
def test_publish_delay(now: float, last: float, interval: float, delay: float) -> None:
    assert publish_delay(now, last, interval) == pytest.approx(delay)


@pytest.mark.parametrize(("pending", "reason", "merged"), [
    ("", "CallerJoined", "CallerJoined"),
    ("CallerJoined", "CallerLeft", "CallerLeft+1"),
    ("CallerLeft+1", "MemberUpdated", "MemberUpdated+2"),
])
def test_merged_reason(pending: str, reason: str, merged: str) -> None:
    assert merged_reason(pending, reason) == merged


class Board:
    """A board whose state is a counter; saves record the state they saw."""

    def __init__(self) -> None:
        self.state = 0
        self.saved: list[tuple[int, str]] = []

    async def save(self, reason: str) -> None:
        self.saved.append((self.state, reason))


async def test_a_burst_is_saved_at_once_then_once_more_with_the_latest_state() -> None:
    board = Board()
    publisher = BoardPublisher(board.save, 0.05)
    for n in range(1, 101):
        board.state = n
        await publisher.changed(f"e{n}")
        await asyncio.sleep(0)
    await asyncio.sleep(0.12)
    assert len(board.saved) <= 3
    assert board.saved[-1] == (100, "e100+" + board.saved[-1][1].split("+")[1])
    assert publisher.saves == len(board.saved)


async def test_no_interval_saves_every_change_before_the_next() -> None:
    board = Board()
    publisher = BoardPublisher(board.save, 0.0)
    for n in range(1, 4):
        board.state = n
        await publisher.changed("e")
    assert board.saved == [(1, "e"), (2, "e"), (3, "e")]


async def test_flush_saves_what_is_pending_at_shutdown() -> None:
    board = Board()
    publisher = BoardPublisher(board.save, 10.0)
    await publisher.changed("first")
    await asyncio.sleep(0.01)  # the first change is saved at once
    board.state = 7
    await publisher.changed("last")  # waits 10 s for its turn
    await publisher.flush()
    assert board.saved == [(0, "first"), (7, "last")]


async def test_a_failed_save_is_logged_and_the_next_change_saves_again(
        caplog: pytest.LogCaptureFixture) -> None:
    saved: list[str] = []

    async def flaky(reason: str) -> None:
        if not saved:
            saved.append("failed")
            raise ConnectionError("redis went away")
        saved.append(reason)

    publisher = BoardPublisher(flaky, 0.01)
    await publisher.changed("a")
    await asyncio.sleep(0.02)
    await publisher.changed("b")
    await asyncio.sleep(0.03)
    assert saved == ["failed", "b"]
    assert "live board not saved (a)" in caplog.text
