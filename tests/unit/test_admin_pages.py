"""The admin pages (issue 15): the navigation bar by role, the operators' and roster edits
checked on save, the phone accounts' rewrite and reload, roles, history, the 403 page."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from web_fixtures import as_user, log_in

from ivr.accounts import Role
from ivr.roster.asterisk_config import operators_conf
from ivr.roster.editing import (
    RosterEditRefused,
    checked_operator,
    week_grid,
    with_cell,
    with_operator,
    without_operator,
)
from ivr.roster.model import Assignment, Operator, Roster, Skills
from ivr.roster.phones import PhoneAccounts
from ivr.web.navigation import PAGES, links_for, nav_html
from ivr.web.refusal_page import with_bar

ADMIN = as_user("boss")
MONDAY = date(2026, 11, 30)
RANI = Operator("rani", "rani-secret-1", "Rani", Skills.parse("police fire ambulance"))


@pytest.mark.parametrize(("role", "pages"), [
    (Role.OPERATOR, ["/console"]),
    (Role.AGENCY, ["/scorecard", "/agency"]),
    (Role.SUPERVISOR, ["/console", "/wallboard", "/wallscreen", "/reports", "/scorecard",
                       "/incidents", "/agency", "/admin/callers"]),
    (Role.ADMIN, [link.path for link in PAGES]),
])
def test_the_bar_shows_exactly_the_pages_the_role_may_open(role: Role, pages: list[str]
                                                           ) -> None:
    assert sorted(link.path for link in links_for(role)) == sorted(pages)


def test_the_bar_marks_the_page_shown_and_goes_after_the_body_tag() -> None:
    bar = nav_html(Role.OPERATOR, "/console")
    assert '<a href="/console" aria-current="page">Console</a>' in bar
    assert with_bar('<html><body class="x"><main>', "<nav/>") == (
        '<html><body class="x"><nav/><main>')
    assert with_bar("no body here", "<nav/>") == "no body here"


@pytest.mark.parametrize(("field", "body", "message"), [
    ("username", {"username": "a b"}, "bad operator username"),
    ("password", {"username": "rani", "password": "short"}, "8-64"),
    ("password", {"username": "rani", "password": "semi;colon-1"}, "';'"),
    ("name", {"username": "rani", "password": "long-enough", "name": 'Ra"ni'}, "quotes"),
    ("name", {"username": "rani", "password": "long-enough", "name": "a\nb"}, "quotes"),
    ("contact", {"username": "rani", "password": "long-enough", "contact": "sip:x@y;z"},
     "sip:USER@HOST"),
    ("skills", {"username": "rani", "password": "long-enough", "skills": "swimming"},
     "unknown skill"),
])
def test_an_operator_that_could_break_the_pjsip_file_is_refused_naming_the_field(
        field: str, body: dict[str, str], message: str) -> None:
    with pytest.raises(RosterEditRefused) as refused:
        checked_operator(body, None)
    assert refused.value.details["field"] == field
    assert message in refused.value.message


def test_an_edit_without_a_password_keeps_the_old_one() -> None:
    edited = checked_operator({"username": "rani", "name": "Rani P", "skills": "fire"}, RANI)
    assert (edited.password, edited.name, str(edited.skills)) == ("rani-secret-1", "Rani P",
                                                                   "fire")


def test_adding_a_taken_name_and_removing_someone_on_the_roster_are_refused() -> None:
    roster = with_operator(Roster(), RANI, adding=True)
    with pytest.raises(RosterEditRefused, match="exists"):
        with_operator(roster, RANI, adding=True)
    working = Roster(operators=roster.operators, assignments=(
        Assignment(MONDAY, "rani", "night", RANI.skills),))
    with pytest.raises(RosterEditRefused, match="on the roster on 2026-11-30"):
        without_operator(working, "rani", MONDAY)
    gone = without_operator(working, "rani", date(2026, 12, 5))  # only past shifts left
    assert gone.operators == {} and gone.assignments == ()


def test_a_grid_tick_sets_one_cell_and_the_week_shows_it_with_the_check_s_warnings() -> None:
    roster = with_operator(Roster(), RANI, adding=True)
    roster, what = with_cell(roster, {"operator": "rani", "date": "2026-12-02",
                                      "shift": "morning", "working": True})
    assert what == "rani works morning on 2026-12-02 (ambulance fire police)"
    grid = week_grid(roster, MONDAY)
    assert grid["days"][0] == "2026-11-30" and len(grid["days"]) == 7
    assert grid["operators"][0]["cells"] == {"2026-12-02": {"morning": "ambulance fire police"}}
    assert {w["message"] for w in grid["warnings"]} == {
        "2026-12-02 afternoon: nobody on police, fire, ambulance",
        "2026-12-02 night: nobody on police, fire, ambulance"}
    roster, what = with_cell(roster, {"operator": "rani", "date": "2026-12-02",
                                      "shift": "morning", "working": False})
    assert roster.assignments == () and what == "rani off morning on 2026-12-02"
    with pytest.raises(RosterEditRefused) as refused:
        with_cell(roster, {"operator": "rani", "date": "2026-12-02", "shift": "noon"})
    assert refused.value.details["field"] == "shift"


async def test_the_phone_file_is_rewritten_and_pjsip_reloaded_once_per_change(
        tmp_path: Path) -> None:
    path = tmp_path / "pjsip_operators.conf"
    path.write_text(operators_conf([]))
    replies = [False, True]
    reloads: list[bool] = []

    async def reload() -> bool:
        reloads.append(True)
        return replies.pop(0)

    phones = PhoneAccounts(path, reload)
    await phones.sync(Roster())
    assert reloads == []  # nothing changed since the render
    roster = with_operator(Roster(), RANI, adding=True)
    await phones.sync(roster)
    assert "[rani]" in path.read_text() and path.stat().st_mode & 0o777 == 0o600
    await phones.sync(roster)  # the first reload failed: tried again
    await phones.sync(roster)
    assert len(reloads) == 2


async def test_an_admin_adds_edits_and_removes_an_operator_and_the_history_says_so(
        client: TestClient) -> None:
    body = {"username": "rani", "password": "rani-secret-1", "name": "Rani",
            "skills": "fire lang:id"}
    reply = await client.post("/api/v1/roster/operators", json=body, headers=ADMIN)
    assert reply.status == 201 and "password" not in await reply.json()
    reply = await client.put("/api/v1/roster/operators/rani",
                             json={"name": "Rani Putri", "skills": "fire"}, headers=ADMIN)
    assert reply.status == 200
    reply = await client.delete("/api/v1/roster/operators/rani", headers=ADMIN)
    assert reply.status == 200
    history = await (await client.get("/api/v1/admin/history?kind=operator",
                                      headers=ADMIN)).json()
    assert [(c["actor"], c["summary"]) for c in history["changes"]] == [
        ("boss", "removed"),
        ("boss", "name Rani → Rani Putri, skills fire lang:id → fire"),
        ("boss", "added (fire lang:id)")]
    assert "secret" not in json.dumps(history)


async def test_a_role_change_ends_the_sessions_and_the_last_admin_stays_admin(
        client: TestClient) -> None:
    reply = await client.put("/api/v1/users/ani/role", json={"role": "supervisor"},
                             headers=ADMIN)
    assert (reply.status, (await reply.json())["role"]) == (200, "supervisor")
    reply = await client.put("/api/v1/users/boss/role", json={"role": "operator"},
                             headers=ADMIN)
    assert (reply.status, (await reply.json())["error_id"]) == (409, "last-admin")
    history = await (await client.get("/api/v1/admin/history?kind=user", headers=ADMIN)).json()
    assert history["changes"][0]["summary"] == "role operator → supervisor"


async def test_pages_carry_the_bar_the_admin_s_home_is_the_overview_and_refusals_a_page(
        client: TestClient) -> None:
    await log_in(client, "boss", "admin-password-1")
    home = await client.get("/", allow_redirects=False)
    text = await home.text()
    assert home.status == 200 and 'id="cards"' in text and 'href="/admin/roster"' in text
    assert text.count('class="site"') == 1
    await log_in(client, "ani", "operator-pass-1")
    console = await (await client.get("/console")).text()
    assert '<nav class="site"' in console and "/admin/users" not in console
    refused = await client.get("/admin/users")
    page = await refused.text()
    assert refused.status == 403 and refused.content_type == "text/html"
    assert "403: not allowed" in page and "needs the admin role" in page
    assert '<nav class="site"' in page


async def test_without_a_rendered_config_folder_the_phones_are_left_alone(
        tmp_path: Path) -> None:
    async def reload() -> bool:
        raise AssertionError("no reload without the folder")

    phones = PhoneAccounts(tmp_path / "missing" / "pjsip_operators.conf", reload)
    await phones.sync(with_operator(Roster(), RANI, adding=True))
    assert not (tmp_path / "missing").exists()
