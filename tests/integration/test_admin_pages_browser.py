"""The admin pages in Chromium on the live stack (issue 15, points 4-6).

An admin adds an operator on /admin/operators; the roster service rewrites the operators'
PJSIP file and reloads PJSIP through AMI, so the operator's SIPp phone registers and, once the
admin ticks the shift running now on the /admin/roster grid, joins the queues at the
roster's next check and answers a 112 call: no restart. Then each role opens the pages and
calls the API of the roles above it: a 403 page for a person, the JSON error body for the API.
On /admin/users an admin adds a user, sets the role and agencies, issues and revokes a token,
resets the password and disables the account, each checked on save and kept in the history.
One stack for the module.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hotline import (
    Hotline,
    free_tcp_and_udp_port,
    media_port,
    service_log,
    wait_for_members,
    wait_until,
)
from sipp import Step
from sipp_operator import OperatorPhone

from ivr.roster.model import Roster

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
NEW_OPERATOR, SIP_PASSWORD = "rani", "rani-sip-secret-1"
SKILLS = "police fire ambulance lang:id"
PASSWORD = "admin-pages-pass-1"
# Who is refused what: each role, the pages of the roles above it and one API action.
REFUSED_PAGES = {
    "operator": ["/wallboard", "/reports", "/admin/users", "/admin/operators", "/admin/roster"],
    "supervisor": ["/admin/users", "/admin/operators", "/admin/roster", "/admin/flows"],
    "agency": ["/console", "/wallboard", "/admin/users", "/admin/roster"],
}
REFUSED_API = {
    "operator": ("GET", "/api/v1/operators"),
    "supervisor": ("POST", "/api/v1/roster/operators"),
    "agency": ("GET", "/api/v1/queues"),
}


def base(stack: Hotline) -> str:
    return f"http://127.0.0.1:{stack.ports['web']}"


def as_admin(stack: Hotline, method: str, path: str, body: Any = None) -> Any:
    login = f"{stack.env['IVR_ADMIN_USER']}:{stack.env['IVR_ADMIN_PASSWORD']}"
    request = urllib.request.Request(
        base(stack) + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Basic " + base64.b64encode(login.encode()).decode(),
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    """A hotline with no operator yet, and one web user of each role below admin."""
    hotline = Hotline(tmp_path_factory.mktemp("admin-pages"))
    hotline.start()
    for role in REFUSED_PAGES:
        as_admin(hotline, "POST", "/api/v1/users", {
            "username": f"a-{role}", "role": role, "password": PASSWORD,
            **({"agencies": ["public_works"]} if role == "agency" else {})})
    yield hotline
    hotline.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run scripts/setup-host.sh (make test does)")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def logged_in(chromium: Any, stack: Hotline, user: str, password: str) -> Any:
    """A fresh browser context's page, logged in as ``user`` (landed on the role's home)."""
    page = chromium.new_context().new_page()
    page.set_default_timeout(20_000)
    page.goto(base(stack) + "/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_selector("nav.site")
    return page


def shift_running_now(roster: Roster) -> tuple[date, str]:
    """The date and default shift running now in the city (an overnight one: its start)."""
    now = datetime.now(UTC)
    local = now.astimezone(roster.tz).date()
    for day in (local - timedelta(days=1), local):
        for name, shift in roster.shifts.items():
            begins, ends = shift.interval(day, roster.tz)
            if begins <= now < ends:
                return day, name
    raise AssertionError("no default shift runs now")


def test_an_admin_adds_an_operator_who_registers_and_answers_after_a_roster_tick(
        stack: Hotline, chromium: Any, tmp_path: Path) -> None:
    admin = logged_in(chromium, stack, stack.env["IVR_ADMIN_USER"],
                      stack.env["IVR_ADMIN_PASSWORD"])
    # The admin's home is the overview, its bar every page.
    assert admin.url == base(stack) + "/"
    for card in ("Console", "Wallboard", "Users", "Operators", "Roster", "Codes"):
        assert admin.locator("#cards a", has_text=card).count() == 1
    admin.click("nav.site >> text=Operators")
    # Checked on save: a password with a space is refused, beside its field.
    form = admin.locator("#operator-form")
    form.locator('[name="username"]').fill(NEW_OPERATOR)
    form.locator('[name="password"]').fill("has a space")
    form.locator('[name="skills"]').fill(SKILLS)
    admin.click("#save")
    admin.wait_for_selector('#form-result.error:has-text("phone password")')
    assert admin.locator('#operator-form [name="password"].bad').count() == 1
    form.locator('[name="password"]').fill(SIP_PASSWORD)
    form.locator('[name="name"]').fill("Rani Putri")
    admin.click("#save")
    admin.wait_for_selector(f'#operators tr[data-operator="{NEW_OPERATOR}"]')
    admin.wait_for_selector(f'#history li:has-text("{NEW_OPERATOR}: added")')
    # No restart: the roster service rewrites the PJSIP file and reloads; the phone registers.
    port, media = free_tcp_and_udp_port(), media_port()
    phone = OperatorPhone(NEW_OPERATOR, port, media, tmp_path, answer_after_ms=500,
                          registers=(stack.ports["sip"], SIP_PASSWORD))
    try:
        wait_until(lambda: "PJSIP reloaded" in service_log(stack, "roster"), 15,
                   "the roster service reloads PJSIP")
        phone.start()
        wait_until(phone.registered, 15, f"{NEW_OPERATOR}'s phone registers")
        # The roster grid: tick the shift running now; the queues follow at the next check.
        day, shift = shift_running_now(Roster())
        cell = (f'#grid td[data-operator="{NEW_OPERATOR}"][data-date="{day.isoformat()}"]'
                f'[data-shift="{shift}"] input')
        admin.click("nav.site >> text=Roster")
        admin.wait_for_selector("#grid tbody tr")
        admin.fill("#week", day.isoformat())
        admin.dispatch_event("#week", "change")
        admin.wait_for_selector(cell)
        admin.click(cell)
        admin.wait_for_selector(f'#grid-result.ok:has-text("{NEW_OPERATOR} on {shift}")')
        # The roster check, inline: the day's other shifts have nobody; this one is covered.
        warnings = admin.locator("#warnings li").all_inner_texts()
        assert any(w.startswith(f"{day} ") and "nobody on" in w for w in warnings), warnings
        assert not any(w.startswith(f"{day} {shift}:") for w in warnings), warnings
        wait_for_members(stack, "fire", {NEW_OPERATOR}, 10)
        call = stack.call("112", "081277700001", [Step(1500, "2")], 3000, tmp_path)
        assert call.wait(timeout=60) == 0
        assert phone.offered() == ["081277700001"]
        # Off again: the grid's untick empties the queue at the next check.
        admin.click(cell)
        wait_for_members(stack, "fire", set(), 10)
        admin.wait_for_selector(f'#history li:has-text("{NEW_OPERATOR} off {shift}")')
        # CSV through the page: a file with a bad line is refused whole, the line named.
        admin.fill("#import-text", f"operator,date,shift,skills\nnobody,{day},{shift},fire\n")
        admin.click("#import")
        admin.wait_for_selector('#import-problems li:has-text("line 2: unknown operator")')
    finally:
        phone.stop()


def test_an_admin_adds_a_user_sets_role_and_agencies_tokens_password_and_disables(
        stack: Hotline, chromium: Any) -> None:
    admin = logged_in(chromium, stack, stack.env["IVR_ADMIN_USER"],
                      stack.env["IVR_ADMIN_PASSWORD"])
    admin.click("nav.site >> text=Users")
    form = admin.locator("#add-form")
    form.locator('[name="username"]').fill("dewi")
    form.locator('[name="role"]').select_option("supervisor")
    form.locator('[name="password"]').fill("short")
    admin.click("#add")  # checked on save: refused, beside the field
    admin.wait_for_selector('#add-result.error:has-text("at least 8 characters")')
    form.locator('[name="password"]').fill("dewi-pass-123")
    admin.click("#add")
    row = admin.locator('#users tr[data-user="dewi"]')
    row.wait_for()
    row.locator('select[name="role"]').select_option("agency")
    row.locator('input[name="agencies"]').fill("no_such_agency")
    row.locator(".save-role").click()
    admin.wait_for_selector('#users-result.error:has-text("no agency no_such_agency")')
    row.locator('input[name="agencies"]').fill("public_works")
    row.locator(".save-role").click()
    admin.wait_for_selector('#users-result.ok:has-text("dewi: role agency")')
    token_form = admin.locator("#token-form")
    token_form.locator('[name="username"]').fill("dewi")
    token_form.locator('[name="label"]').fill("wall screen")
    token_form.locator("button").click()
    admin.wait_for_selector('#token-result.ok:has-text("shown only now")')
    admin.locator('#tokens tr:has-text("wall screen") .revoke').click()
    admin.wait_for_selector('#tokens tr:has-text("wall screen"):has-text("revoked")')
    row.locator('input[name="password"]').fill("dewi-new-pass-1")
    row.locator(".reset").click()
    admin.wait_for_selector('#users-result.ok:has-text("dewi: new password set")')
    row.locator(".disable").click()
    admin.wait_for_selector('#users-result.ok:has-text("dewi disabled")')
    admin.wait_for_selector('#history li:has-text("dewi: disabled")')
    history = admin.locator("#history li").all_inner_texts()
    for change in ("added as supervisor", "role supervisor → agency of public_works",
                   "password reset", "issued"):
        assert any(change in line and f"· {stack.env['IVR_ADMIN_USER']} ·" in line
                   for line in history), (change, history)
    users = {u["username"]: u for u in as_admin(stack, "GET", "/api/v1/users")["users"]}
    assert users["dewi"] == {"username": "dewi", "role": "agency", "active": False,
                             "agencies": ["public_works"]}


@pytest.mark.parametrize("role", sorted(REFUSED_PAGES))
def test_each_role_is_refused_the_pages_and_actions_above_it(
        stack: Hotline, chromium: Any, role: str) -> None:
    page = logged_in(chromium, stack, f"a-{role}", PASSWORD)
    bar = page.locator("nav.site a").all_inner_texts()
    assert "Users" not in bar and "Roster" not in bar
    for path in REFUSED_PAGES[role]:
        reply = page.goto(base(stack) + path)
        assert reply is not None and reply.status == 403, path
        assert page.locator("#refused").inner_text() == "403: not allowed"
        assert f"may not open {path}" in page.locator("#refusal").inner_text()
        assert re.search(r"needs the \w+ role", page.locator("#refusal").inner_text())
    method, path = REFUSED_API[role]
    answer = page.evaluate("""async ([method, path]) => {
        const r = await fetch(path, {method, headers: {"Content-Type": "application/json"},
                                     body: method === "GET" ? undefined : "{}"});
        return {status: r.status, body: await r.json()};
    }""", [method, path])
    assert answer["status"] == 403
    assert answer["body"]["error_id"] == "forbidden"
    assert set(answer["body"]) == {"error_id", "message", "details"}
