"""The catalog admin over the web app: admins save and go back, operators read what the
ticket desk offers, supervisors read the wall screen; refusals name the field."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from web_fixtures import as_user

SUPERVISOR, OPERATOR, ADMIN = as_user("sri"), as_user("ani"), as_user("boss")


async def send(client: TestClient, method: str, path: str, body: Any = None,
               headers: dict[str, str] = ADMIN) -> tuple[int, dict[str, Any]]:
    reply = await client.request(method, path, json=body, headers=headers)
    return reply.status, await reply.json()


async def test_an_admin_adds_an_agency_and_category_and_operators_see_it(
        client: TestClient) -> None:
    status, body = await send(client, "POST", "/api/v1/catalog/agencies", {
        "code": "parks", "name_en": "Parks Agency", "office_hours": True})
    assert status == 201, body
    assert body["entry"]["name_id"] == "Parks Agency" and body["change"]["summary"] == "added"
    status, body = await send(client, "POST", "/api/v1/catalog/categories", {
        "code": "trees", "name": "Trees", "agency": "parks", "tier": "general"})
    assert status == 201, body
    status, listed = await send(client, "GET", "/api/v1/catalog/categories", headers=OPERATOR)
    trees = next(c for c in listed["categories"] if c["code"] == "trees")
    assert trees == {"code": "trees", "name": "Trees", "agency": "parks",
                     "agency_name": "Parks Agency", "tier": "general",
                     "deadline": "7 working days", "description": "", "group": ""}
    status, catalog = await send(client, "GET", "/api/v1/catalog")
    assert [c["code"] for c in catalog["changes"]] == ["trees", "parks"]
    parks = next(a for a in catalog["agencies"] if a["code"] == "parks")
    assert parks["name_id"] == "Parks Agency"
    agency_added = catalog["changes"][1]
    assert agency_added["after"] == parks  # as stored: going back compares exactly this
    assert set(catalog) == {"categories", "agencies", "districts", "tiers", "holidays",
                            "changes"}


async def test_a_bad_save_is_a_400_naming_the_field(client: TestClient) -> None:
    status, body = await send(client, "POST", "/api/v1/catalog/categories", {
        "code": "trees", "name": "Trees", "agency": "parks", "tier": "general"})
    assert (status, body["error_id"], body["details"]) == (400, "catalog-invalid",
                                                           {"field": "agency"})
    status, body = await send(client, "PUT", "/api/v1/catalog/tiers/urgent",
                              {"amount": 2, "unit": "minutes"})
    assert (status, body["details"]) == (400, {"field": "unit"})
    status, body = await send(client, "POST", "/api/v1/catalog/categories", {
        "code": "trees", "name": "T", "agency": "public_works", "tier": "general"},
        headers=SUPERVISOR)
    assert (status, body["error_id"]) == (403, "forbidden")


async def test_retire_and_go_back_over_the_api(client: TestClient) -> None:
    status, retired = await send(client, "DELETE", "/api/v1/catalog/categories/complex")
    assert (status, retired["entry"]["active"], retired["change"]["summary"]) == (
        200, False, "retired")
    _, listed = await send(client, "GET", "/api/v1/catalog/categories", headers=OPERATOR)
    assert "complex" not in {c["code"] for c in listed["categories"]}
    status, back = await send(client, "POST",
                              f"/api/v1/catalog/changes/{retired['change']['id']}/revert")
    assert (status, back["entry"]["active"], back["change"]["summary"]) == (200, True,
                                                                            "restored")
    status, again = await send(client, "POST",
                               f"/api/v1/catalog/changes/{retired['change']['id']}/revert")
    assert (status, again["error_id"]) == (409, "catalog-changed-since")


async def test_operators_read_the_districts_with_their_sub_districts(
        client: TestClient) -> None:
    status, body = await send(client, "GET", "/api/v1/districts", headers=OPERATOR)
    assert status == 200
    coblong = next(d for d in body["districts"] if d["code"] == "coblong")
    assert coblong == {"code": "coblong", "name": "Coblong", "subdistricts": [
        {"code": "dago", "name": "Dago"}, {"code": "lebakgede", "name": "Lebakgede"},
        {"code": "sekeloa", "name": "Sekeloa"}]}
    assert [d["code"] for d in body["districts"]] == ["cicendo", "coblong", "sukajadi"]


async def test_the_wall_screen_and_the_catalog_page(client: TestClient) -> None:
    status, body = await send(client, "GET", "/api/v1/wallscreen", headers=SUPERVISOR)
    assert status == 200 and body["received"] == 0 and body["poll_s"] == 5
    assert [k["key"] for k in body["by_kind"]][0] == "consultation"
    status, body = await send(client, "GET", "/api/v1/wallscreen", headers=OPERATOR)
    assert status == 403
    page = await client.get("/admin/catalog", headers=ADMIN)
    assert page.status == 200 and "/static/catalog.js" in await page.text()
    screen = await client.get("/wallscreen", headers=SUPERVISOR)
    assert screen.status == 200 and "/static/wallscreen.js" in await screen.text()
