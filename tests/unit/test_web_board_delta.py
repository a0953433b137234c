"""Wallboard deltas: only what changed is sent, and applying it gives the whole new body."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from test_web_live import T0, busy_board, next_event
from web_fixtures import FakeBoardSource, as_user

from ivr.ami.board import QueueBoard
from ivr.ami.events import CallerAbandoned, CallerJoined, MemberUpdated
from ivr.web.board_delta import apply_delta, board_delta, is_empty
from ivr.web.wallboard import wallboard_view

LEVELS = (15, 20, 30)


def test_a_join_sends_its_queue_only_and_applying_it_gives_the_new_body() -> None:
    board = busy_board()
    old = wallboard_view(board, T0 + 60, LEVELS)
    board.apply(CallerJoined("fire", "d", "0844", 2), T0 + 65)
    new = wallboard_view(board, T0 + 70, LEVELS)
    delta = board_delta(old, new)
    assert [q["name"] for q in delta["queues"]] == ["fire"]
    assert "operators" not in delta and "abandoned" not in delta
    assert apply_delta(old, delta) == new


def test_time_alone_is_no_change_and_kept_waits_move_on() -> None:
    board = busy_board()
    old = wallboard_view(board, T0 + 60, LEVELS)
    new = wallboard_view(board, T0 + 75, LEVELS)
    delta = board_delta(old, new)
    assert is_empty(delta)
    assert apply_delta(old, delta) == new  # 0833 waited 10 s, now 25 s; budi 60 s, now 75 s


def test_operators_abandons_and_new_queues() -> None:
    board = busy_board()
    old = wallboard_view(board, T0 + 60, LEVELS)
    board.apply(MemberUpdated("fire", "PJSIP/ani", "ani", "in_use", False, "", True), T0 + 61)
    board.apply(CallerJoined("ambulance", "e", "0855", 1), T0 + 62)
    board.apply(CallerAbandoned("fire", "c", 12), T0 + 62)
    new = wallboard_view(board, T0 + 62, LEVELS)
    delta = board_delta(old, new)
    assert [o["name"] for o in delta["operators"]] == ["ani"]
    assert delta["queues_order"] == ["ambulance", "fire", "police"]
    assert [q["name"] for q in delta["queues"]] == ["ambulance", "fire"]
    assert len(delta["abandoned"]) == 2
    assert apply_delta(old, delta) == new


async def test_the_delta_stream_sends_the_board_then_what_changed(
        client: TestClient, source: FakeBoardSource) -> None:
    reply = await client.get("/api/v1/events?want=board-delta", headers=as_user("sri"))
    first = await next_event(reply, "board")
    source.push(busy_board())
    assert (await next_event(reply, "board-delta"))["queues_order"] == ["fire", "police"]
    board = QueueBoard()
    board.apply(CallerJoined("fire", "a", "0811", 1), 0)
    source.push(board)
    delta = await next_event(reply, "board-delta")
    assert delta["queues_order"] == ["fire"] and delta["queues"][0]["waiting"] == 1
    assert first["queues"] == [] and delta["operators_order"] == []
    reply.close()


async def test_the_delta_stream_is_for_supervisors(client: TestClient) -> None:
    reply = await client.get("/api/v1/events?want=board-delta", headers=as_user("ani"))
    assert reply.status == 403
