"""Registered callers over the web: supervisors keep the list (JSON and CSV), operators read
one number's entry for the console; errors have the one body; the page and the console box."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from web_fixtures import as_user, log_in, origin_of

from ivr.web.keys import CALLERS

SUPERVISOR, OPERATOR, ADMIN = as_user("sri"), as_user("ani"), as_user("boss")
CSV_TYPE = {"Content-Type": "text/csv"}
SITI = {"name": "Siti Aminah", "address": "Jl. Merdeka 12, RT 03/RW 05", "district": "Coblong",
        "notes": "lives alone, hard of hearing"}
CSV = ("number,name,address,district,notes\n"
       "081234567890,Siti Aminah,\"Jl. Merdeka 12, RT 03/RW 05\",Coblong,lives alone\n"
       "+6222123456,Budi Santoso,Jl. Dago 7,Coblong,\n")


async def put(client: TestClient, number: str, body: dict[str, Any],
              headers: dict[str, str] = SUPERVISOR) -> tuple[int, dict[str, Any]]:
    reply = await client.put(f"/api/v1/callers/{number}", json=body, headers=headers)
    return reply.status, await reply.json()


async def error_of(reply: Any) -> tuple[int, str, dict[str, Any]]:
    body = await reply.json()
    assert set(body) == {"error_id", "message", "details"}
    return reply.status, body["error_id"], body


async def test_a_supervisor_registers_and_an_operator_reads_it(client: TestClient) -> None:
    status, saved = await put(client, "081234567890", SITI)
    assert status == 200
    assert {k: saved[k] for k in SITI} == SITI and saved["updated_by"] == "web:sri"
    reply = await client.get("/api/v1/callers/081234567890", headers=OPERATOR)
    assert reply.status == 200
    assert await reply.json() == saved


async def test_an_unregistered_number_is_a_404_with_the_standard_body(
        client: TestClient) -> None:
    status, error_id, body = await error_of(
        await client.get("/api/v1/callers/0811999", headers=OPERATOR))
    assert (status, error_id) == (404, "no-such-caller")
    assert body["details"] == {"number": "0811999"}


async def test_a_plus_number_and_typed_separators(client: TestClient) -> None:
    status, saved = await put(client, "%2B62%20812-3456", SITI)
    assert (status, saved["number"]) == (200, "+628123456")
    reply = await client.get("/api/v1/callers/%2B628123456", headers=OPERATOR)
    assert (await reply.json())["name"] == "Siti Aminah"


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"address": "Jl. A 1"}, "name", "name is missing"),
    ({"name": "Siti"}, "address", "address is missing"),
    ({"name": "Siti", "address": "Jl. A 1", "district": "d" * 101}, "district",
     "district has at most 100 characters"),
    ({"name": ["Siti"], "address": "Jl. A 1"}, "name", "name is text"),
    ({"name": "Siti", "adress": "Jl. A 1"}, "adress",
     "unknown field 'adress' (fields: name, address, district, notes)"),
    ({"number": "0899", "name": "Siti", "address": "Jl. A 1"}, "number",
     "number is not the one in the path"),
])
async def test_a_bad_entry_names_the_field(client: TestClient, body: dict[str, Any],
                                           field: str, message: str) -> None:
    status, error = await put(client, "0812", body)
    assert (status, error["error_id"], error["details"], error["message"]) == (
        422, "invalid-caller", {"field": field}, message)
    assert (await client.get("/api/v1/callers/0812", headers=OPERATOR)).status == 404


async def test_the_number_in_the_body_may_repeat_the_path(client: TestClient) -> None:
    assert (await put(client, "0812", {"number": "0812", **SITI}))[0] == 200


async def test_search_edit_and_delete(client: TestClient) -> None:
    await put(client, "081234567890", SITI)
    await put(client, "0227001234", {"name": "Budi", "address": "Jl. Dago 7"})
    found = await (await client.get("/api/v1/callers?q=merdeka", headers=SUPERVISOR)).json()
    assert [c["number"] for c in found["callers"]] == ["081234567890"]
    assert found["more"] is False
    every = await (await client.get("/api/v1/callers", headers=ADMIN)).json()
    assert [c["name"] for c in every["callers"]] == ["Budi", "Siti Aminah"]
    status, edited = await put(client, "0227001234", {"name": "Budi", "address": "Jl. Baru"},
                               ADMIN)
    assert (status, edited["address"], edited["updated_by"]) == (200, "Jl. Baru", "web:boss")
    gone = await client.delete("/api/v1/callers/0227001234", headers=SUPERVISOR)
    assert (gone.status, await gone.json()) == (200, {"number": "0227001234", "deleted": True})
    again = await client.delete("/api/v1/callers/0227001234", headers=SUPERVISOR)
    assert (await error_of(again))[:2] == (404, "no-such-caller")


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/callers"), ("GET", "/api/v1/callers.csv"),
    ("PUT", "/api/v1/callers/0812"), ("DELETE", "/api/v1/callers/0812"),
    ("POST", "/api/v1/callers/import"), ("GET", "/admin/callers"),
])
async def test_operators_only_read_one_number(client: TestClient, method: str,
                                              path: str) -> None:
    reply = await client.request(method, path, json=SITI if method == "PUT" else None,
                                 headers=OPERATOR)
    if path.startswith("/admin/"):  # a page answers the 403 page, naming the role
        assert (reply.status, reply.content_type) == (403, "text/html")
        assert "403: not allowed" in await reply.text()
        return
    assert (await error_of(reply))[:2] == (403, "forbidden")


async def test_import_then_export_round_trips(client: TestClient) -> None:
    reply = await client.post("/api/v1/callers/import", data=CSV, headers={
        **SUPERVISOR, **CSV_TYPE})
    assert (reply.status, await reply.json()) == (200, {"added": 2, "updated": 0, "total": 2})
    exported = await client.get("/api/v1/callers.csv", headers=SUPERVISOR)
    assert exported.content_type == "text/csv"
    assert "attachment" in exported.headers["Content-Disposition"]
    text = await exported.text()
    assert text.splitlines() == ["number,name,address,district,notes",
                                 "+6222123456,Budi Santoso,Jl. Dago 7,Coblong,",
                                 '081234567890,Siti Aminah,"Jl. Merdeka 12, RT 03/RW 05",'
                                 "Coblong,lives alone"]
    again = await client.post("/api/v1/callers/import", data=text.encode("utf-8-sig"),
                              headers={**ADMIN, **CSV_TYPE})
    assert await again.json() == {"added": 0, "updated": 2, "total": 2}


async def test_a_bad_import_is_refused_whole_with_every_line(client: TestClient) -> None:
    bad = CSV + "08x,Ani,Jl. C 3,,\n0813,,Jl. D 4,,\n"
    reply = await client.post("/api/v1/callers/import", data=bad,
                              headers={**SUPERVISOR, **CSV_TYPE})
    status, error_id, body = await error_of(reply)
    assert (status, error_id) == (422, "bad-callers-csv")
    assert body["details"]["problems"] == [
        {"line": 4, "reason": "number is digits with an optional leading +"},
        {"line": 5, "reason": "name is missing"}]
    listed = await (await client.get("/api/v1/callers", headers=SUPERVISOR)).json()
    assert listed["callers"] == []  # not even the good lines


async def test_the_import_takes_only_csv(client: TestClient) -> None:
    as_json = await client.post("/api/v1/callers/import", json={"text": CSV},
                                headers=SUPERVISOR)
    assert (await error_of(as_json))[:2] == (415, "unsupported-media-type")


async def test_the_page_imports_with_its_session_and_csrf_token(client: TestClient) -> None:
    csrf = await log_in(client, "sri", "supervisor-pass-1")
    page = await client.get("/admin/callers")
    assert page.status == 200 and 'src="/static/callers.js"' in await page.text()
    same_site = {"Origin": origin_of(client), **CSV_TYPE}
    without = await client.post("/api/v1/callers/import", data=CSV, headers=same_site)
    assert (await error_of(without))[:2] == (403, "csrf")
    reply = await client.post("/api/v1/callers/import", data=CSV,
                              headers={**same_site, "X-CSRF-Token": csrf})
    assert reply.status == 200, await reply.text()
    evil = await client.put("/api/v1/callers/0812", json=SITI, headers={
        "X-CSRF-Token": csrf, "Origin": "http://evil.example"})
    assert (await error_of(evil))[:2] == (403, "cross-site")


async def test_a_database_that_fails_is_a_503(client: TestClient,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    broken = create_engine("sqlite:////nonexistent-folder/hotline.sqlite3")
    monkeypatch.setattr(client.server.app[CALLERS], "sessions", sessionmaker(broken))
    reply = await client.get("/api/v1/callers/0812", headers=OPERATOR)
    assert (await error_of(reply))[:2] == (503, "store-unavailable")


async def test_the_console_has_the_registered_caller_box(client: TestClient) -> None:
    page = await (await client.get("/console", headers=OPERATOR)).text()
    for box in ("registered", "registered-name", "registered-address", "registered-district",
                "registered-notes"):
        assert f'id="{box}"' in page
    script = await (await client.get("/static/console.js")).text()
    assert "/api/v1/callers/" in script
