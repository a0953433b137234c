"""Wallboard figures, the live event stream, the operator console and /metrics."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from web_fixtures import FakeBoardSource, as_user

from ivr.ami.board import QueueBoard
from ivr.ami.events import (
    AgentAnswered,
    AgentRinging,
    CallerAbandoned,
    CallerJoined,
    CallerLeft,
    MemberUpdated,
)
from ivr.tickets.records import NewTicket
from ivr.web.keys import TICKETS
from ivr.web.wallboard import wallboard_view

T0 = 1_732_350_000.0


def busy_board() -> QueueBoard:
    board = QueueBoard()
    board.apply(MemberUpdated("fire", "PJSIP/ani", "ani", "not_in_use", False, "", False), T0)
    board.apply(MemberUpdated("police", "PJSIP/budi", "budi", "not_in_use", True, "lunch",
                              False), T0)
    board.apply(CallerJoined("fire", "a", "0811", 1), T0)
    board.apply(AgentAnswered("fire", "a", "ani", "0811", 12), T0 + 12)
    board.apply(CallerLeft("fire", "a"), T0 + 12)
    board.apply(CallerJoined("fire", "b", "0822", 1), T0 + 20)
    board.apply(CallerAbandoned("fire", "b", 25), T0 + 45)
    board.apply(CallerJoined("fire", "c", "0833", 1, language="en", ticket="77"), T0 + 50)
    return board


def test_wallboard_figures() -> None:
    view = wallboard_view(busy_board(), T0 + 60, (15, 20, 30))
    fire = next(q for q in view["queues"] if q["name"] == "fire")
    assert (fire["waiting"], fire["longest_wait_s"], fire["answered"], fire["abandoned"]) == (
        1, 10, 1, 1)
    assert fire["service_level"] == {"15": 0.5, "20": 0.5, "30": 0.5}
    assert fire["average_speed_of_answer_s"] == 12
    assert fire["abandon_rate"] == 0.5
    # 10 s in `fire` without a key: a silent 112 caller.
    assert fire["callers"][0] == {"caller_number": "0833", "waited_s": 10, "language": "en",
                                  "ticket": "77", "keyed": False, "virtual": False,
                                  "silent": True}
    assert view["abandoned"] == [{"queue": "fire", "caller_number": "0822", "at": T0 + 45,
                                  "waited_s": 25, "callback": ""}]
    budi = next(o for o in view["operators"] if o["name"] == "budi")
    assert (budi["paused"], budi["paused_reason"], budi["in_state_s"]) == (True, "lunch", 60)
    ani = next(o for o in view["operators"] if o["name"] == "ani")
    assert ani["call"] == "connected"


async def next_event(reply: ClientResponse, name: str) -> dict[str, Any]:
    """The data of the next ``name`` event on a server-sent-event stream."""
    event = ""
    while True:
        line = (await asyncio.wait_for(reply.content.readline(), 10)).decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == name:
            data: dict[str, Any] = json.loads(line[6:])
            return data


async def test_the_board_stream_pushes_each_change(client: TestClient,
                                                   source: FakeBoardSource) -> None:
    reply = await client.get("/api/v1/events?want=board", headers=as_user("sri"))
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/event-stream")
    first = await next_event(reply, "board")
    assert first["queues"] == []
    board = QueueBoard()
    board.apply(CallerJoined("fire", "a", "0811", 1), 0)
    source.push(board)
    pushed = await next_event(reply, "board")
    assert pushed["queues"][0]["name"] == "fire" and pushed["queues"][0]["waiting"] == 1
    reply.close()


async def test_the_console_pops_up_the_offered_call_with_its_tickets(
        tmp_path: Path, client: TestClient, source: FakeBoardSource) -> None:
    desk = client.server.app[TICKETS]
    number = await desk.open_from_call(_report("0811000222", str(tmp_path / "rec.wav")))
    reply = await client.get("/api/v1/events?want=console", headers=as_user("ani"))
    assert (await next_event(reply, "console"))["call"] is None
    board = QueueBoard()
    board.apply(CallerJoined("hotline", "x1", "0811000222", 1, language="en", ticket=number),
                0)
    board.apply(AgentRinging("hotline", "x1", "ani", "0811000222"), 1)
    source.push(board)
    popped = await next_event(reply, "console")
    assert popped["call"]["caller_number"] == "0811000222"
    assert popped["call"]["state"] == "ringing" and popped["call"]["language"] == "en"
    assert popped["ticket"]["number"] == number
    assert [t["number"] for t in popped["earlier"]] == [number]
    reply.close()
    changed = await client.post(f"/api/v1/tickets/{number}/status",
                                json={"status": "in_progress", "note": "called back"},
                                headers=as_user("ani"))
    assert changed.status == 200, await changed.text()
    body = await changed.json()
    assert body["status"] == "in_progress"
    assert body["history"][-1]["note"] == "called back"
    assert body["history"][-1]["actor"] == "web:ani"
    refused = await client.post(f"/api/v1/tickets/{number}/status",
                                json={"status": "received"}, headers=as_user("ani"))
    assert refused.status == 422


def _report(caller: str, recording: str) -> Any:
    from ivr.flows.ports import CallReport

    return CallReport(unique_id="u-1", caller_number=caller, language="en",
                      category="roads", recording_path=recording)


async def test_metrics_in_prometheus_text(client: TestClient, source: FakeBoardSource) -> None:
    source.board = busy_board()
    desk = client.server.app[TICKETS]
    await desk.submit(NewTicket(number="", token="t1", channel="web", category="roads",
                                received_at=datetime.now(UTC)), actor="test")
    reply = await client.get("/metrics")
    assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = await reply.text()
    assert 'hotline_queue_waiting_calls{queue="fire"} 1' in text
    assert 'hotline_queue_answered_today{queue="fire"} 1' in text
    assert 'hotline_queue_service_level_ratio{queue="fire",threshold_seconds="15"} 0.5' in text
    assert 'hotline_operators{state="paused"} 1' in text
    assert 'hotline_tickets{status="received"} 1' in text
    assert "# TYPE hotline_queue_abandoned_today gauge" in text
