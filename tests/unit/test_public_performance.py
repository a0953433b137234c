"""The public performance page: the pure figures with exact numbers (services, ticket
counts, resolution times), the SVG bars, and the page, JSON and CSV over HTTP with no login,
on a real SQLite database seeded with a known caller, none of whose details may appear."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient
from web_fixtures import start_client

from ivr.ami.board import WaitingCaller
from ivr.ami.events import AgentAnswered, CallerAbandoned
from ivr.reports.periods import Period
from ivr.reports.public import (
    Count,
    Received,
    Resolution,
    agency_figures,
    performance_rows,
    service_calls,
    service_of,
    ticket_counts,
)
from ivr.reports.records import ABANDONED, ANSWERED, CallRecord
from ivr.reports.scorecard import ScoreLine
from ivr.reports.store import call_record
from ivr.reports.svg_charts import BAR_W, Bar, bar_chart, bar_width
from ivr.tickets.wrapups import desk_form
from ivr.web.access import needed_role
from ivr.web.keys import CALLS, TICKETS
from ivr.web.public_page import duration

TZ = "Asia/Jakarta"  # UTC+7
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), TZ)
PHONE, NAME, ADDRESS = "081299887766", "Siti Rahmawati", "Jl. Kenanga 17"


def at(day: int, hour: int = 3, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(("queue", "service"), [
    ("police", "112"), ("fire", "112"), ("ambulance", "112"), ("emergency", "112"),
    ("hotline", "12345"), ("training", None)])
def test_each_queue_belongs_to_its_public_number(queue, service) -> None:
    assert service_of(queue) == service


def call(queue: str, waited: float, outcome: str = ANSWERED, day: int = 5) -> CallRecord:
    return CallRecord(queue, f"u{queue}{waited}{day}", PHONE, at(day), outcome, waited)


def test_calls_per_service_with_the_nena_levels() -> None:
    records = [call("police", 10), call("fire", 18), call("emergency", 40),
               call("ambulance", 5, ABANDONED),
               call("hotline", 14), call("hotline", 16),
               call("training", 1),  # neither service
               # 30 Nov 18:00 UTC is 1 Dec in Jakarta: not November's.
               CallRecord("hotline", "late", PHONE, at(30, 18), ANSWERED, 1)]
    emergency, hotline = service_calls(records, NOVEMBER)
    assert (emergency.service, emergency.levels_s) == ("112", (15, 20))
    assert (emergency.line.offered, emergency.line.answered, emergency.line.abandoned) == (
        4, 3, 1)
    assert emergency.line.service_level == {15: 1 / 4, 20: 2 / 4}  # the abandoned count too
    assert (hotline.service, hotline.levels_s) == ("12345", (15,))
    assert (hotline.line.offered, hotline.line.service_level) == (2, {15: 0.5})


def test_no_calls_still_lists_both_services() -> None:
    lines = service_calls([], NOVEMBER)
    assert [(x.service, x.line.offered, x.line.service_level) for x in lines] == [
        ("112", 0, {15: None, 20: None}), ("12345", 0, {15: None})]


STATUSES = (("received", "received"), ("resolved", "resolved"), ("closed", "closed"))


def test_tickets_by_category_district_and_status() -> None:
    counts = ticket_counts(
        [Received("roads", "coblong", "received", 3), Received("roads", "", "resolved", 1),
         Received("water", "coblong", "resolved", 2), Received("water", "cicendo", "odd", 1)],
        {"roads": "Roads", "water": "Water"}, {"coblong": "Coblong"}, STATUSES)
    assert counts.received == 7
    assert counts.by_category == [Count("roads", "Roads", 4), Count("water", "Water", 3)]
    assert counts.by_district == [Count("coblong", "Coblong", 5),
                                  Count("", "No district", 1), Count("cicendo", "cicendo", 1)]
    assert counts.by_status == [Count("received", "received", 3),
                                Count("resolved", "resolved", 3), Count("closed", "closed", 0),
                                Count("odd", "odd", 1)]  # a status unknown here still counts


def test_mean_resolution_time_per_agency_beside_the_scorecard() -> None:
    score = [ScoreLine("env", "Environment", 2, 1, 1, 1), ScoreLine("pw", "Public Works",
                                                                     0, 0, 0, 0)]
    done = [Resolution("env", "Environment", at(1), at(2)),  # 24 h
            Resolution("env", "Environment", at(1), at(1, 15)),  # 12 h
            Resolution("old", "Old Agency", at(3), at(3, 5))]  # retired: still shown
    env, old, pw = agency_figures(score, done)
    assert (env.agency, env.resolved, env.average_resolution_hours) == ("env", 2, 18.0)
    assert (env.score.response_rate, env.score.resolution_rate) == (0.5, 1.0)
    assert (old.agency_name, old.resolved, old.average_resolution_hours) == (
        "Old Agency", 1, 2.0)
    assert old.score.response_rate is None
    assert (pw.resolved, pw.average_resolution_hours, pw.score.satisfaction) == (0, None, None)


@pytest.mark.parametrize(("hours", "text"), [(None, "–"), (5.25, "5.2 h"), (47.9, "47.9 h"),
                                             (72, "3.0 days")])
def test_durations_read_in_hours_or_days(hours, text) -> None:
    assert duration(hours) == text


def test_svg_bars_are_their_share_of_the_scale_and_escaped() -> None:
    assert bar_width(5, 10) == BAR_W / 2
    assert bar_width(None, 10) == bar_width(3, 0) == 0
    assert bar_width(20, 10) == BAR_W  # never beyond the scale
    svg = bar_chart("Roads <&>", [Bar("<b>", 1, "1"), Bar("x", 2, "2", target=1.5)])
    assert svg.startswith('<svg class="chart" role="img" aria-label="Roads &lt;&amp;&gt;"')
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert f'width="{BAR_W}.0"' in svg or f'width="{BAR_W}"' in svg
    assert "<line" in svg  # the target tick
    assert bar_chart("empty", []) == ""


def test_the_csv_rows_are_one_figure_each() -> None:
    body = {"month": "2026-11",
            "calls": [{"service": "112", "name": "Emergency 112", "offered": 2}],
            "tickets": {"received": 1, "by_category": [{"key": "roads", "name": "Roads",
                                                        "count": 1}],
                        "by_district": [], "by_status": []},
            "agencies": [{"agency": "pw", "agency_name": "PW", "resolved": 0}]}
    assert [tuple(r.values()) for r in performance_rows(body)] == [
        ("2026-11", "calls", "112", "Emergency 112", "offered", 2),
        ("2026-11", "tickets", "all", "Tickets received", "received", 1),
        ("2026-11", "tickets_by_category", "roads", "Roads", "count", 1),
        ("2026-11", "agencies", "pw", "PW", "resolved", 0)]


@pytest.mark.parametrize("path", ["/public", "/api/v1/public/performance",
                                  "/api/v1/public/performance.csv"])
def test_the_public_routes_need_no_login(path) -> None:
    assert needed_role("GET", path) is None
    assert needed_role("POST", path) is not None  # reading only


# --- over HTTP, on a real database -----------------------------------------------------------


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    """Two 112 calls and one 12345 call from a known number; two tickets with the caller's
    name, number and address, one resolved."""
    client = await start_client(tmp_path)
    app = client.server.app
    now = datetime.now(UTC).timestamp()
    for event, waited in ((AgentAnswered("police", "c1", "ani", PHONE, 12), 12),
                          (CallerAbandoned("fire", "c2", 30), 30),
                          (AgentAnswered("hotline", "c3", "ani", PHONE, 25), 25)):
        await asyncio.to_thread(app[CALLS].add, call_record(
            event, WaitingCaller(event.unique_id, PHONE, now - waited), now))
    desk = app[TICKETS]
    made = [await desk.open_at_desk(desk_form(f"c{i}", {
        "kind": "complaint", "category": category, "description": f"{NAME} says hello",
        "caller_number": PHONE, "contact_name": NAME, "address": ADDRESS,
        "district": district}), "ani")
        for i, (category, district) in enumerate((("roads", "coblong"), ("roads", "")))]
    await desk.change_status(made[0], "in_progress", "web:rina", "")
    await desk.change_status(made[0], "resolved", "web:rina", "filled")
    yield client
    await client.close()
    await asyncio.sleep(0)


async def test_the_json_without_login(client: TestClient) -> None:
    reply = await client.get("/api/v1/public/performance")
    assert reply.status == 200
    body = await reply.json()
    assert body["month"] == datetime.now(ZoneInfo(TZ)).strftime("%Y-%m")  # this city month
    emergency, hotline = body["calls"]
    assert emergency == {"service": "112", "name": "Emergency 112", "offered": 2,
                         "answered": 1, "abandoned": 1, "service_level_15s": 0.5,
                         "service_level_20s": 0.5}
    assert hotline == {"service": "12345", "name": "City hotline 12345", "offered": 1,
                       "answered": 1, "abandoned": 0, "service_level_15s": 0.0}
    tickets = body["tickets"]
    assert tickets["received"] == 2
    assert [(c["key"], c["count"]) for c in tickets["by_category"]] == [("roads", 2)]
    assert sorted((c["name"], c["count"]) for c in tickets["by_district"]) == [
        ("Coblong", 1), ("No district", 1)]
    status = {c["key"]: c["count"] for c in tickets["by_status"]}
    assert (status["resolved"], status["received"], status["closed"]) == (1, 1, 0)
    [works] = [a for a in body["agencies"] if a["agency"] == "public_works"]
    assert works["resolved"] == 1 and works["average_resolution_hours"] is not None
    assert works["resolution_rate"] == 1.0 and works["satisfaction"] is None


async def test_csv_and_page_without_login(client: TestClient) -> None:
    reply = await client.get("/api/v1/public/performance.csv")
    assert reply.status == 200 and reply.content_type == "text/csv"
    assert "attachment" in reply.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await reply.text())))
    found = {(r["section"], r["key"], r["measure"]): r["value"] for r in rows}
    assert found[("calls", "112", "offered")] == "2"
    assert found[("calls", "112", "service_level_20s")] == "0.5"
    assert found[("tickets_by_category", "roads", "count")] == "2"
    page = await client.get("/public")
    assert page.status == 200
    text = await page.text()
    assert '<span data-figure="112-offered">2</span>' in text
    assert '<span data-figure="received">2</span>' in text
    assert '<svg class="chart"' in text and "<script" not in text
    assert "/api/v1/public/performance.csv?month=" in text
    assert "Public Works Agency" in text


async def test_no_caller_detail_is_published(client: TestClient) -> None:
    texts = [await (await client.get(path)).text() for path in (
        "/public", "/api/v1/public/performance", "/api/v1/public/performance.csv")]
    assert all(texts)
    for text in texts:
        for secret in (PHONE, PHONE[-8:], NAME, NAME.split()[0], ADDRESS, "says hello"):
            assert secret not in text, secret


@pytest.mark.parametrize("month", ["2026-13", "26-11", "november", "2026-1x"])
async def test_a_bad_month_is_a_400(client: TestClient, month: str) -> None:
    reply = await client.get(f"/api/v1/public/performance?month={month}")
    assert reply.status == 400
    body = await reply.json()
    assert body["error_id"] == "bad-query" and "YYYY-MM" in body["message"]
    page = await client.get(f"/public?month={month}")
    assert page.status == 400 and "YYYY-MM" in await page.text()


async def test_another_month_is_empty_and_the_tracking_page_links_here(
        client: TestClient) -> None:
    past = (datetime.now(UTC) - timedelta(days=400)).strftime("%Y-%m")
    body = await (await client.get(f"/api/v1/public/performance?month={past}")).json()
    assert body["month"] == past
    assert [c["offered"] for c in body["calls"]] == [0, 0]
    assert body["tickets"]["received"] == 0
    tickets = await client.server.app[TICKETS].by_caller(PHONE)
    token = tickets[0].token
    track = await (await client.get(f"/t/{token}")).text()
    assert '<a id="performance" href="/public">' in track
