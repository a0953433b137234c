"""Cross-site writes, body types, the redirect after login and the headers of every response
(issue 19, items 1 and 6 and the response headers), through the real server."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from web_fixtures import ADMIN, basic, bearer, issue_token, log_in, origin_of, start_client

from ivr.web.csrf import Write, cross_site, write_refusal
from ivr.web.pages import TEMPLATES, safe_next
from ivr.web.security_headers import SECURITY_HEADERS

NEW_ADMIN = {"username": "mallory", "role": "admin", "password": "mallory-pass-1"}
NO_TYPE = {"skip_auto_headers": ["Content-Type"]}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    client = await start_client(tmp_path)
    yield client
    await client.close()


async def user_names(client: TestClient) -> set[str]:
    listed = await (await client.get("/api/v1/users", headers=basic(*ADMIN))).json()
    return {u["username"] for u in listed["users"]}


# -- item 1: what a page of another site can make a browser send -----------------------------

@pytest.mark.parametrize(("headers", "status", "error"), [
    ({"Origin": "https://evil.example"}, 403, "cross-site"),   # the reported request
    ({}, 403, "csrf"),                                          # a no-cors fetch of a Blob
    ({"Sec-Fetch-Site": "cross-site"}, 403, "cross-site"),
    ({"Origin": "null"}, 403, "cross-site"),                    # a sandboxed frame
])
async def test_basic_write_without_a_content_type_is_refused(
        client: TestClient, headers: dict[str, str], status: int, error: str) -> None:
    reply = await client.post("/api/v1/users", data=json.dumps(NEW_ADMIN).encode(),
                              headers={**basic(*ADMIN), **headers}, **NO_TYPE)
    assert reply.status == status, await reply.text()
    assert (await reply.json())["error_id"] == error
    assert "mallory" not in await user_names(client)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
async def test_basic_and_token_writes_refuse_bodies_a_cross_site_form_can_send(
        client: TestClient, content_type: str) -> None:
    _, token = await issue_token(client, ADMIN[0])
    for credentials in (basic(*ADMIN), bearer(token)):
        reply = await client.post("/api/v1/users", data=json.dumps(NEW_ADMIN),
                                  headers={**credentials, "Content-Type": content_type})
        assert reply.status == 403, await reply.text()
        assert (await reply.json())["error_id"] == "csrf"
    assert "mallory" not in await user_names(client)


async def test_other_body_types_are_415(client: TestClient) -> None:
    reply = await client.post("/api/v1/users", data=json.dumps(NEW_ADMIN),
                              headers={**basic(*ADMIN), "Content-Type": "application/xml"})
    assert reply.status == 415
    assert (await reply.json())["error_id"] == "unsupported-media-type"


async def test_cross_site_json_write_with_a_token_is_refused(client: TestClient) -> None:
    _, token = await issue_token(client, ADMIN[0])
    reply = await client.post("/api/v1/users", json=NEW_ADMIN,
                              headers={**bearer(token), "Origin": "https://evil.example"})
    assert reply.status == 403


async def test_a_bodyless_cross_site_write_is_refused(client: TestClient) -> None:
    reply = await client.post("/api/v1/flows/112/rollback",
                              headers={**basic(*ADMIN), "Origin": "http://evil.example"})
    assert reply.status == 403
    assert (await reply.json())["error_id"] == "cross-site"


@pytest.mark.parametrize("headers", [
    {},                                                     # curl, scripts
    {"Sec-Fetch-Site": "same-origin"},
    {"Origin": "ORIGIN"},                                   # our own page's fetch
    {"Origin": "https://hotline.example", "X-Forwarded-Host": "hotline.example"},
])
async def test_scripts_and_same_origin_json_writes_still_work(
        client: TestClient, headers: dict[str, str]) -> None:
    headers = {k: v.replace("ORIGIN", origin_of(client)) for k, v in headers.items()}
    reply = await client.post("/api/v1/users", json=NEW_ADMIN,
                              headers={**basic(*ADMIN), **headers})
    assert reply.status == 201, await reply.text()


async def test_a_session_write_from_another_origin_is_refused_even_with_the_token(
        client: TestClient) -> None:
    csrf = await log_in(client, *ADMIN)
    evil = await client.post("/api/v1/users", json=NEW_ADMIN,
                             headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"})
    assert evil.status == 403
    ours = await client.post("/api/v1/users", json=NEW_ADMIN,
                             headers={"X-CSRF-Token": csrf, "Origin": origin_of(client),
                                      "Sec-Fetch-Site": "same-origin"})
    assert ours.status == 201


async def test_the_pages_logout_form_still_works(client: TestClient) -> None:
    csrf = await log_in(client, *ADMIN)
    reply = await client.post("/logout", data={"csrf_token": csrf},
                              headers={"Origin": origin_of(client)}, allow_redirects=False)
    assert reply.status == 303


async def test_the_roster_takes_csv(client: TestClient) -> None:
    reply = await client.put("/api/v1/roster.csv", data="operator,date,shift,skills\n",
                             headers={**basic(*ADMIN), "Content-Type": "text/csv"})
    assert reply.status not in (403, 415), await reply.text()


@pytest.mark.parametrize(("write", "refused"), [
    (Write("POST", "/api/v1/users", "h:8080", origin="http://h:8080"), None),
    (Write("POST", "/api/v1/users", "h", origin="https://h:443"), None),
    (Write("POST", "/api/v1/users", "H:8080", origin="http://h:8080"), None),
    (Write("POST", "/api/v1/users", "h:8080", origin="http://h:8081"), "cross-site"),
    (Write("POST", "/api/v1/users", "h:8080", origin="http://h.evil:8080"), "cross-site"),
    (Write("POST", "/api/v1/users", "h:8080", origin="file://"), "cross-site"),
    (Write("GET", "/api/v1/users", "h", origin="http://evil"), None),  # reads are not writes
    (Write("POST", "/x", "h", content_type="application/json", has_body=True), None),
    (Write("POST", "/x", "h", content_type=None, has_body=True), "csrf"),
    (Write("POST", "/x", "h", content_type="text/csv", has_body=True),
     "unsupported-media-type"),
    (Write("PUT", "/api/v1/roster.csv", "h", content_type="text/csv", has_body=True), None),
    (Write("POST", "/x", "h", content_type="text/plain", has_body=False), None),
])
def test_write_refusal(write: Write, refused: str | None) -> None:
    found = write_refusal(write, "basic")
    assert (found.error_id if found else None) == refused


def test_a_session_may_post_forms_then_its_csrf_token_is_checked() -> None:
    form = Write("POST", "/logout", "h", content_type="application/x-www-form-urlencoded",
                 has_body=True)
    assert write_refusal(form, "session") is None
    assert write_refusal(form, "basic") is not None
    assert not cross_site(Write("POST", "/", "h"))


# -- item 6: no open redirect after login ----------------------------------------------------

@pytest.mark.parametrize(("target", "safe"), [
    ("/wallboard", "/wallboard"), ("/reports?from=2024-01-01&to=2024-01-02",) * 2,
    ("/\t/evil.example/", "/"), ("//evil.example/", "/"), ("/\\evil.example", "/"),
    ("\\\\evil.example", "/"), ("https://evil.example/", "/"), ("javascript:alert(1)", "/"),
    ("/\n/evil.example", "/"), ("/\x00", "/"), ("", "/"), ("wallboard", "/"),
    (" //evil.example", "/"), ("/\u0085/evil", "/"),
])
def test_safe_next(target: str, safe: str) -> None:
    assert safe_next(target) == safe


async def test_login_with_a_tab_in_next_stays_on_the_site(client: TestClient) -> None:
    page = await client.get("/login?next=/%09/evil.example/")
    assert 'name="next" value="/"' in await page.text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert token is not None
    reply = await client.post("/login", data={"username": ADMIN[0], "password": ADMIN[1],
                                              "csrf_token": token.group(1),
                                              "next": "/\t/evil.example/"},
                              allow_redirects=False)
    assert reply.status == 303
    assert reply.headers["Location"] == "/"  # the admin's home: the overview


# -- headers on every response ---------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/login", 200), ("GET", "/static/common.js", 200), ("GET", "/metrics", 200),
    ("GET", "/api/v1/queues", 401), ("GET", "/wallboard", 303), ("GET", "/static/nope", 404),
    ("GET", "/api/openapi.json", 200), ("POST", "/api/v1/flows/112/check", 403),
    ("GET", "/api/v1/flows/112", 200),
])
async def test_every_response_has_the_security_headers(client: TestClient, method: str,
                                                       path: str, status: int) -> None:
    reply = await client.request(method, path, headers=basic(*ADMIN) if "flows" in path
                                 else {}, data=b"x" if method == "POST" else None,
                                 allow_redirects=False, **NO_TYPE)
    assert reply.status == status
    for name, value in SECURITY_HEADERS.items():
        assert reply.headers.get(name) == value, name
    assert "script-src 'self'" in reply.headers["Content-Security-Policy"]


async def test_the_event_stream_has_them_too(client: TestClient) -> None:
    reply = await client.get("/api/v1/events?want=board", headers=basic(*ADMIN))
    assert reply.status == 200
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["X-Frame-Options"] == "DENY"
    reply.close()


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_pages_have_no_inline_script_or_style_element(template: str) -> None:
    """``script-src 'self'`` and ``style-src-elem 'self'`` would block them."""
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", text)
    assert "<style" not in text
    assert not re.search(r"\son[a-z]+=", text)  # no onclick= handlers either
