"""The catalog admin and the wall screen on the live stack (`ivr run` with Asterisk, redis and
the database), in headless Chromium: an admin adds a deadline tier, an agency and a category
pointing at both on /admin/catalog; the next Open311 request in that category goes to the new
agency with the new tier's deadline; the history lists the changes, and "Go back" on the
category retires it (Open311 then refuses it) and again restores it. The wall screen shows a
ticket made during the test in today's counts by kind, category and district, without a
reload. A 112 caller who gives up waiting in `fire` turns the fire queue red against NENA's
target, with the day's sparkline drawn from the call records."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hotline import Hotline
from sipp import Step
from test_web_browser import CHROMIUM, CHROMIUM_FLAGS

if TYPE_CHECKING:
    from playwright.sync_api import Page

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.integration

ADMIN_USER, ADMIN_PASSWORD = "catalogue", "catalog-test-pass-1"
OPEN311_KEY = "catalog-test-open311-key"
WAIT_MS = 20_000  # generous: two cores shared with other test runs


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    hotline = Hotline(tmp_path_factory.mktemp("catalog"), IVR_ADMIN_USER=ADMIN_USER,
                      IVR_ADMIN_PASSWORD=ADMIN_PASSWORD, IVR_OPEN311_API_KEYS=OPEN311_KEY)
    hotline.start()
    yield hotline
    hotline.stop()


@pytest.fixture
def page(stack: Hotline, tmp_path: Path) -> Iterator[Page]:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run scripts/setup-host.sh (make test does)")
    with playwright.sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS)
        context.set_default_timeout(WAIT_MS)
        tab = context.new_page()
        tab.on("dialog", lambda dialog: dialog.accept())  # "Go back on change 3?" - yes
        yield tab
        context.close()


def base(stack: Hotline) -> str:
    return f"http://127.0.0.1:{stack.ports['web']}"


def log_in(page: Page, stack: Hotline, target: str) -> None:
    page.goto(base(stack) + target)
    page.fill("#username", ADMIN_USER)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("#submit")
    page.wait_for_url(re.compile(re.escape(target) + "$"))


def open311_post(stack: Hotline, **fields: str) -> tuple[int, Any]:
    """A GeoReport v2 POST as an Open311 client sends it: (status, JSON reply)."""
    body = urllib.parse.urlencode({"api_key": OPEN311_KEY, **fields}).encode()
    request = urllib.request.Request(base(stack) + "/open311/v2/requests.json", data=body,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def saved(page: Page, kind: str) -> None:
    page.click(f"#{kind}-save")
    page.locator(f"#{kind}-result.good", has_text="saved").wait_for()


def go_back(page: Page, kind: str, code: str, summary: str) -> None:
    line = (page.locator("#history tbody tr").filter(has_text=kind).filter(has_text=code)
            .filter(has_text=summary).first)
    line.get_by_role("button", name="Go back").click()
    page.locator("#history-result.good", has_text="went back").wait_for()


def test_an_admin_adds_to_the_catalog_and_the_next_ticket_follows_it(stack: Hotline,
                                                                    page: Page) -> None:
    log_in(page, stack, "/admin/catalog")
    page.locator('#category-table tr[data-code="roads"]').wait_for()
    # A new tier: 5 hours.
    page.fill("#tier-code", "quick")
    page.fill("#tier-amount", "5")
    page.select_option("#tier-unit", "hours")
    saved(page, "tier")
    # A new agency working round the clock.
    page.fill("#agency-code", "parks")
    page.fill("#agency-name_en", "Parks and Trees Agency")
    page.uncheck("#agency-office_hours")
    page.fill("#agency-email", "parks@bandung.go.id")
    saved(page, "agency")
    # A bad category is refused, naming the field.
    page.fill("#category-code", "Fallen Trees")
    page.fill("#category-name", "Fallen trees")
    page.click("#category-save")
    page.locator("#category-result.bad", has_text="code").wait_for()
    assert "bad" in (page.get_attribute("#category-code", "class") or "")
    page.fill("#category-code", "fallen_trees")
    page.select_option("#category-agency", "parks")
    page.select_option("#category-tier", "quick")
    saved(page, "category")
    page.locator('#category-table tr[data-code="fallen_trees"]', has_text="parks").wait_for()

    status, made = open311_post(stack, service_code="fallen_trees",
                                description="A tree fell across Jl. Dago",
                                address_string="Jl. Dago 100")
    assert status == 200, made
    number = made[0]["service_request_id"]
    status, ticket = stack.get(f"/api/v1/tickets/{number}")
    assert status == 200, ticket
    assert (ticket["agency"], ticket["agency_name"], ticket["category"]) == (
        "parks", "Parks and Trees Agency", "fallen_trees")
    due = datetime.fromisoformat(ticket["due_at"]) - datetime.fromisoformat(
        ticket["created_at"])
    assert due == timedelta(hours=5)

    history = page.locator("#history tbody")
    for kind, code in (("category", "fallen_trees"), ("agency", "parks"), ("tier", "quick")):
        history.locator("tr", has_text=code).filter(has_text=kind).filter(
            has_text="added").wait_for()
    go_back(page, "category", "fallen_trees", "added")  # an added category: retired
    page.locator('#category-table tr.retired[data-code="fallen_trees"]').wait_for()
    history.locator("tr", has_text="fallen_trees").filter(has_text="retired").wait_for()
    status, refused = open311_post(stack, service_code="fallen_trees", description="again",
                                   address_string="Jl. Dago 101")
    assert status == 404 and "fallen_trees" in refused[0]["description"], refused
    go_back(page, "category", "fallen_trees", "retired")  # and back again
    page.locator('#category-table tr:not(.retired)[data-code="fallen_trees"]').wait_for()
    status, made = open311_post(stack, service_code="fallen_trees", description="another",
                                address_string="Jl. Dago 102")
    assert status == 200, made
    status, catalog = stack.get("/api/v1/catalog")
    assert [c["summary"] for c in catalog["changes"][:2]] == ["restored", "retired"]


def test_the_wall_screen_counts_a_new_ticket_without_a_reload(stack: Hotline,
                                                              page: Page) -> None:
    log_in(page, stack, "/wallscreen")
    page.wait_for_selector("#link.up")  # the queue figures' stream
    page.locator('#ws-kinds tr[data-key="complaint"]').wait_for()
    status, before = stack.get("/api/v1/wallscreen")
    assert status == 200, before

    def count(lines: list[dict[str, Any]], key: str) -> int:
        return next((line["received"] for line in lines if line["key"] == key), 0)

    status, made = stack.post("/api/v1/calls/catalog-test.1/ticket", {
        "kind": "complaint", "category": "roads", "subdistrict": "dago",
        "description": "Pothole by the school", "caller_number": "081277700123"})
    assert status == 201, made
    assert made["district"] == "coblong"  # from its sub-district
    expected = {"ws-kinds": ("complaint", count(before["by_kind"], "complaint") + 1),
                "ws-categories": ("roads", count(before["by_category"], "roads") + 1),
                "ws-districts": ("coblong", count(before["by_district"], "coblong") + 1)}
    for table, (key, received) in expected.items():
        page.locator(f'#{table} tr[data-key="{key}"] .received',
                     has_text=re.compile(f"^{received}$")).wait_for()
    page.locator("#ws-received", has_text=re.compile(f"^{before['received'] + 1}$")).wait_for()
    # A TV shows it all: nothing below the fold, at a TV's size and at the test's own.
    for width, height in ((1920, 1080), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
        assert page.evaluate("[...document.querySelectorAll('.ws-grid section')].every("
                             "s => s.getBoundingClientRect().bottom <= window.innerHeight)")


def test_a_112_queue_under_its_target_shows_red_with_the_days_sparkline(
        stack: Hotline, page: Page, tmp_path: Path) -> None:
    # No operator on shift here: the caller (key 2: fire) waits 3 s in fire and hangs up.
    call = stack.call("112", "081200000555", [Step(1500, "2")], 5000, tmp_path)
    log_in(page, stack, "/wallscreen")
    page.wait_for_selector("#link.up")
    assert call.wait(timeout=60) == 0
    fire = page.locator('#ws-queues [data-queue="fire"][data-state="red"]')
    fire.wait_for()  # the page polls the trends every 5 s
    assert fire.locator(".sl15 b").text_content() == "0%"
    status, trends = stack.get("/api/v1/wallscreen/trends")
    assert status == 200, trends
    line = next(q for q in trends["queues"] if q["queue"] == "fire")
    assert line["state"] == "red" and line["day"]["offered"] >= 1, line
    hours = len(trends["starts"])  # from the city day's midnight to now, hour by hour
    assert len(line["offered"]) == hours and line["offered"][-1] >= 1
    points = sum(1 for share in line["service_level_15"] if share is not None)
    chart = fire.locator("svg.sparkline")
    assert chart.locator("rect.offered").count() == hours
    assert chart.locator("circle.point").count() == points >= 1
    assert len(chart.locator("polyline.level").get_attribute("points").split()) == points
    # A queue nobody called has missed nothing.
    page.locator('#ws-queues [data-queue="police"][data-state="ok"]').wait_for()
    assert page.locator("#ws-queues .ws-queue").count() == 5
