"""The reports over HTTP: role boundaries, JSON, CSV, the page, bad queries."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient
from web_fixtures import as_user, start_client

from ivr.ami.board import WaitingCaller
from ivr.ami.events import AgentAnswered, CallerAbandoned
from ivr.flows.ports import CallReport
from ivr.reports.store import call_record
from ivr.web.keys import CALLS, TICKETS


def today() -> str:
    """The city's date now (not at import: a run may pass the city's midnight)."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    client = await start_client(tmp_path)
    now = datetime.now(UTC).timestamp()
    store = client.server.app[CALLS]
    await asyncio.to_thread(store.add, call_record(
        AgentAnswered("fire", "u1", "ani", "0812", 12), WaitingCaller("u1", "0812", now - 12),
        now))
    await asyncio.to_thread(store.add, call_record(
        CallerAbandoned("fire", "u2", 30), WaitingCaller("u2", "0813", now - 30), now))
    await client.server.app[TICKETS].open_from_call(
        CallReport("0812", "id", "utilities", None, "t1"))
    yield client
    await client.close()
    await asyncio.sleep(0)


@pytest.mark.parametrize("path", [
    "/api/v1/reports/calls", "/api/v1/reports/tickets?by=agency"])
async def test_reports_are_for_supervisors(client: TestClient, path: str) -> None:
    assert (await client.get(path)).status == 401
    assert (await client.get(path, headers=as_user("ani"))).status == 403
    assert (await client.get(path, headers=as_user("sri"))).status == 200
    assert (await client.get(path, headers=as_user("boss"))).status == 200


async def test_calls_by_queue_today(client: TestClient) -> None:
    reply = await client.get("/api/v1/reports/calls?by=queue", headers=as_user("sri"))
    body = await reply.json()
    assert (body["from"], body["to"], body["by"]) == (today(), today(), "queue")
    assert body["service_level_thresholds_s"] == [15, 20, 30]
    [fire] = body["lines"]
    assert {k: fire[k] for k in ("key", "offered", "answered", "abandoned",
                                 "service_level_15s", "average_speed_of_answer_s")} == {
        "key": "fire", "offered": 2, "answered": 1, "abandoned": 1,
        "service_level_15s": 0.5, "average_speed_of_answer_s": 12.0}
    assert body["total"]["offered"] == 2


async def test_calls_of_one_queue(client: TestClient) -> None:
    """``&queue=``: one queue's lines, e.g. a queue per shift (the simulated day's table)."""
    fire = await (await client.get("/api/v1/reports/calls?by=day&queue=fire",
                                   headers=as_user("sri"))).json()
    assert [(x["offered"], x["answered"]) for x in fire["lines"]] == [(2, 1)]
    police = await (await client.get("/api/v1/reports/calls?by=day&queue=police",
                                     headers=as_user("sri"))).json()
    assert [x["offered"] for x in police["lines"]] == [0]


async def test_calls_by_day_and_shift_list_every_period(client: TestClient) -> None:
    days = await (await client.get("/api/v1/reports/calls?from=2026-01-01&to=2026-01-03",
                                   headers=as_user("sri"))).json()
    assert [x["key"] for x in days["lines"]] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    shifts = await (await client.get(
        "/api/v1/reports/calls?from=2026-01-01&to=2026-01-01&by=shift",
        headers=as_user("sri"))).json()
    assert [x["key"] for x in shifts["lines"]] == [
        "2026-01-01 morning", "2026-01-01 afternoon", "2026-01-01 night"]


async def test_csv_by_format_or_accept(client: TestClient) -> None:
    for path, headers in (("/api/v1/reports/calls?by=queue&format=csv", {}),
                          ("/api/v1/reports/calls?by=queue", {"Accept": "text/csv"})):
        reply = await client.get(path, headers={**as_user("sri"), **headers})
        assert reply.status == 200
        assert reply.content_type == "text/csv"
        assert "attachment" in reply.headers["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(await reply.text())))
        assert [(r["key"], r["offered"], r["abandoned"], r["service_level_20s"]) for r in rows
                ] == [("fire", "2", "1", "0.5")]


async def test_tickets_report(client: TestClient) -> None:
    body = await (await client.get("/api/v1/reports/tickets?by=category",
                                   headers=as_user("sri"))).json()
    assert [(x["key"], x["opened"], x["resolved"], x["overdue"]) for x in body["lines"]] == [
        ("utilities", 1, 0, 0)]
    reply = await client.get("/api/v1/reports/tickets?by=day&format=csv",
                             headers=as_user("sri"))
    lines = (await reply.text()).splitlines()
    assert lines[0] == "key,label,opened,resolved,overdue"
    assert lines[1:] == [f"{today()},{today()},1,0,0"]


@pytest.mark.parametrize("query", [
    "from=2026-02-30", "from=2026-03-02&to=2026-03-01", "by=week", "by=category"])
async def test_bad_queries_get_400(client: TestClient, query: str) -> None:
    reply = await client.get(f"/api/v1/reports/calls?{query}", headers=as_user("sri"))
    assert reply.status == 400
    assert (await reply.json())["error_id"] == "bad-query"


async def test_the_page_draws_bars_and_links_csv(client: TestClient) -> None:
    assert (await client.get("/reports", headers=as_user("ani"))).status == 403
    reply = await client.get("/reports", headers=as_user("sri"))
    assert reply.status == 200
    page = await reply.text()
    assert '<tr data-key="fire"><th>fire</th>' in page
    assert 'class="bar answered" style="width:50.0%"' in page
    assert 'class="bar abandoned" style="width:50.0%"' in page
    day = today()
    assert f"/api/v1/reports/calls?from={day}&amp;to={day}&amp;by=shift&amp;format=csv" in page
    for title in ("Calls by day", "Calls by shift", "Calls by queue", "Tickets by day",
                  "Tickets by category", "Tickets by agency"):
        assert title in page
    assert "<script" not in page
    bad = await client.get("/reports?from=nonsense", headers=as_user("sri"))
    assert bad.status == 400 and "YYYY-MM-DD" in await bad.text()
