"""The AMI follower recovers from a link cut in the middle of a QueueStatus reply.

A fake Asterisk speaks the AMI wire protocol on loopback (banner, Login, Ping, QueueStatus,
events); the real follower and panoramisk talk to it over TCP. panoramisk never resolves an
action whose reply was cut, so without a time-out and a cancel the follower would hold its
lock for good: no heartbeat, no event applied.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from ami_fixtures import CALLER_JOIN, FakeAsterisk, until

from ivr.ami.follower import RESYNC_TIMEOUT_S, STUCK_AFTER_S, QueueFollower, link_state
from ivr.config import Settings


class MemoryLive:
    """The follower's redis side, in memory: the stored board and the heartbeats.

    Errors put in ``save_errors`` / ``beat_errors`` are raised by the next saves / beats.
    """

    def __init__(self) -> None:
        self.boards: list[tuple[str, dict[str, Any]]] = []
        self.beats: dict[str, dict[str, Any]] = {}
        self.save_errors: list[Exception] = []
        self.beat_errors: list[Exception] = []

    async def save_board(self, board: dict[str, Any], reason: str) -> None:
        if self.save_errors:
            raise self.save_errors.pop()
        self.boards.append((reason, board))

    async def load_board(self) -> dict[str, Any]:
        return {"queues": {}, "abandoned": []}

    async def beat(self, service: str, details: dict[str, Any]) -> None:
        if self.beat_errors:
            raise self.beat_errors.pop()
        self.beats[service] = details

    async def flatline(self, service: str) -> None:
        self.beats.pop(service, None)


def waiting(follower: QueueFollower) -> list[str]:
    queue = follower.board.queues.get("fire")
    return [c.caller_number for c in queue.waiting] if queue else []


Start = Callable[..., Awaitable[tuple[FakeAsterisk, QueueFollower, MemoryLive]]]


@pytest.fixture
async def start_follower() -> AsyncIterator[Start]:
    made: list[tuple[FakeAsterisk, QueueFollower]] = []

    async def start(replies: list[str], *, resync_timeout_s: float = RESYNC_TIMEOUT_S,
                    stuck_after_s: float = STUCK_AFTER_S) -> tuple[
            FakeAsterisk, QueueFollower, MemoryLive]:
        asterisk = FakeAsterisk(replies)
        await asterisk.start()
        live = MemoryLive()
        settings = Settings(ami_host="127.0.0.1", ami_port=asterisk.port, ami_secret="s3cret")
        follower = QueueFollower(settings, live, resync_timeout_s=resync_timeout_s,
                                 stuck_after_s=stuck_after_s)
        follower.start()
        made.append((asterisk, follower))
        return asterisk, follower, live

    yield start
    for asterisk, follower in made:
        follower.stop()
        await asterisk.stop()


async def test_a_link_cut_mid_queuestatus_is_followed_by_a_resync_and_new_events(
        start_follower: Start, caplog: pytest.LogCaptureFixture) -> None:
    asterisk, follower, live = await start_follower(["cut", "whole"])
    await until(lambda: asterisk.connections == 2, "a reconnection after the cut")
    await until(lambda: follower.synced, "a resync on the new link")
    assert waiting(follower) == ["0811"]
    assert await follower.beat_once() == "synced"
    assert live.beats["ami"]["asterisk"] == "up"

    await asterisk.push(CALLER_JOIN)
    await until(lambda: waiting(follower) == ["0811", "0822"], "the new caller on the board")
    assert live.boards[-1][0] == "CallerJoined"
    assert "failed" not in caplog.text


async def test_a_queuestatus_never_completed_times_out_and_the_link_is_made_again(
        start_follower: Start) -> None:
    asterisk, follower, live = await start_follower(["silent", "whole"], resync_timeout_s=0.5)
    await until(lambda: asterisk.status_asked == 1, "the first QueueStatus")
    assert await follower.beat_once() == "syncing"
    assert "ami" not in live.beats
    await until(lambda: asterisk.connections == 2, "the follower logging in again")
    await until(lambda: follower.synced, "a resync on the new link")
    assert await follower.beat_once() == "synced"
    await asterisk.push(CALLER_JOIN)
    await until(lambda: waiting(follower) == ["0811", "0822"], "the new caller on the board")


async def test_a_follower_logged_in_without_a_board_for_too_long_relinks(
        start_follower: Start, caplog: pytest.LogCaptureFixture) -> None:
    # The resync outlives the stuck watchdog: the heartbeat loop is what drops the link.
    asterisk, follower, live = await start_follower(
        ["silent", "whole"], resync_timeout_s=60, stuck_after_s=0.3)
    await until(lambda: asterisk.status_asked == 1, "the first QueueStatus")
    await asyncio.sleep(0.35)
    with caplog.at_level(logging.ERROR, logger="ivr.ami.follower"):
        assert await follower.beat_once() == "stuck"
    assert "no synced queue board" in caplog.text
    assert "ami" not in live.beats
    await until(lambda: follower.synced, "a resync after the relink")
    assert asterisk.connections == 2


async def test_redis_away_while_an_event_applies_keeps_the_board_and_saves_it_when_back(
        start_follower: Start, caplog: pytest.LogCaptureFixture) -> None:
    asterisk, follower, live = await start_follower(["whole"])
    await until(lambda: follower.synced, "the first resync")
    ended: list[str] = []
    follower.listeners.append(lambda event, now: ended.append(type(event).__name__))
    live.save_errors.append(ConnectionError("redis went away"))
    with caplog.at_level(logging.WARNING, logger="ivr.ami.follower"):
        await asterisk.push(CALLER_JOIN)
        await until(lambda: "queue board not stored" in caplog.text, "the failure logged")
    assert waiting(follower) == ["0811", "0822"] and ended == ["CallerJoined"]
    assert await follower.beat_once() == "synced"  # redis back: the heartbeat saves the board
    assert live.boards[-1][0] == "redis back"
    await asterisk.push(CALLER_JOIN.replace("0822", "0833").replace(".2\r\n", ".3\r\n"))
    await until(lambda: "0833" in waiting(follower), "the next event applied")
    assert "failed" not in caplog.text


@pytest.mark.parametrize(("linked", "synced", "unsynced_for", "state"), [
    (False, False, 99.0, "down"),
    (True, True, 0.0, "synced"),
    (True, False, 5.0, "syncing"),
    (True, False, 30.0, "stuck"),
])
def test_link_state(linked: bool, synced: bool, unsynced_for: float, state: str) -> None:
    assert link_state(linked, synced, unsynced_for, stuck_after_s=30.0) == state


async def test_the_heartbeat_loop_outlives_a_redis_restart(
        start_follower: Start, monkeypatch: pytest.MonkeyPatch) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    monkeypatch.setattr("ivr.ami.follower.PING_EVERY_S", 0.05)
    asterisk, follower, live = await start_follower(["whole"])
    live.beat_errors.extend([RedisConnectionError("redis restarting")] * 3)
    loop = asyncio.create_task(follower.keep_heartbeat())
    try:
        await until(lambda: "ami" in live.beats, "a heartbeat once redis is back")
    finally:
        loop.cancel()
    assert live.beat_errors == []
