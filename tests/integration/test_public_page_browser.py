"""The public performance page on the live stack (`ivr run`), in headless Chromium with no
login: two Open311 reports from a known citizen (number, name, address), one resolved by
the agency, and three call records (a 112 call answered in 12 s, one abandoned, a 12345
call answered in 25 s) written to the stack's own database as the AMI service writes them.
The page shows this month's figures and charts; the JSON and CSV downloads answer without a
login; neither the page nor the downloads carry the citizen's details."""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hotline import Hotline
from test_web_browser import CHROMIUM, CHROMIUM_FLAGS

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.integration

OPEN311_KEY = "public-page-test-key"
PHONE, FIRST, LAST, ADDRESS = "081277665544", "Dewi", "Kartikasari", "Jl. Melati 9"
WAIT_MS = 20_000  # two cores shared with other test runs


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    hotline = Hotline(tmp_path_factory.mktemp("public"), IVR_OPEN311_API_KEYS=OPEN311_KEY)
    hotline.start()
    yield hotline
    hotline.stop()


def anonymous(stack: Hotline, path: str, data: dict[str, str] | None = None) -> Any:
    """A request with no credentials at all: (status, body text)."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{stack.ports['web']}{path}",
                                     data=body)
    with urllib.request.urlopen(request, timeout=10) as reply:
        return reply.status, reply.read().decode()


def seed(stack: Hotline) -> None:
    for description in ("Broken street light", "Pothole near the school"):
        status, text = anonymous(stack, "/open311/v2/requests.json", {
            "api_key": OPEN311_KEY, "service_code": "roads", "description": description,
            "phone": PHONE, "first_name": FIRST, "last_name": LAST,
            "address_string": ADDRESS})
        assert status == 200, text
        number = json.loads(text)[0]["service_request_id"]
    status, body = stack.post(f"/api/v1/agency/tickets/{number}/accept", {})
    assert status == 200, body
    status, body = stack.post(f"/api/v1/agency/tickets/{number}/resolve", {"note": "filled"})
    assert status == 200, body
    joined = (datetime.now(UTC) - timedelta(seconds=40)).replace(tzinfo=None)
    with sqlite3.connect(stack.data_dir / "hotline.sqlite3", timeout=10) as db:
        db.executemany(
            "INSERT INTO queue_calls (queue, unique_id, caller_number, joined_at, outcome, "
            "waited_s, member, language, ticket) VALUES (?, ?, ?, ?, ?, ?, '', 'id', '')",
            [("police", "p1", PHONE, joined, "answered", 12.0),
             ("fire", "p2", PHONE, joined, "abandoned", 30.0),
             ("hotline", "p3", PHONE, joined, "answered", 25.0)])


def test_the_public_page_shows_the_month_without_login(stack: Hotline, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run scripts/setup-host.sh (make test does)")
    seed(stack)
    with playwright.sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS)
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{stack.ports['web']}/public")
        assert page.url.endswith("/public")  # not sent to the login page
        assert page.locator('[data-figure="112-offered"]').inner_text() == "2"
        assert page.locator('[data-figure="112-answered"]').inner_text() == "1"
        assert page.locator('[data-figure="12345-offered"]').inner_text() == "1"
        assert page.locator('[data-figure="received"]').inner_text() == "2"
        calls = page.locator('table[data-figure="calls"]').inner_text()
        assert "15s: 50 %" in calls and "20s: 50 %" in calls and "15s: 0 %" in calls
        assert "Public Works Agency" in page.locator("#agencies").inner_text()
        assert page.locator("svg.chart").count() >= 5
        month = page.locator('input[name="month"]').input_value()
        text = page.content()
        context.close()
    status, body = anonymous(stack, f"/api/v1/public/performance?month={month}")
    figures = json.loads(body)
    assert status == 200 and figures["tickets"]["received"] == 2
    [works] = [a for a in figures["agencies"] if a["agency"] == "public_works"]
    assert works["resolved"] == 1 and works["response_rate"] == 1.0
    status, table = anonymous(stack, f"/api/v1/public/performance.csv?month={month}")
    assert status == 200 and f"{month},calls,112,Emergency 112,offered,2" in table
    for published in (text, body, table):
        for secret in (PHONE, FIRST, LAST, ADDRESS, "street light"):
            assert secret not in published, secret
