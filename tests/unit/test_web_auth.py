"""Logins, sessions, CSRF, Basic and API tokens, and every role boundary of the web app."""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from web_fixtures import ADMIN, as_user, basic, log_in, settings_for, start_client

from ivr.app import web_app
from ivr.config import Settings


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    client = await start_client(tmp_path)
    yield client
    await client.close()


@pytest.mark.parametrize("path", ["/api/v1/queues", "/api/v1/wallboard", "/api/v1/console",
                                  "/api/v1/flows", "/api/v1/users", "/api/v1/operators",
                                  "/api/v1/events?want=board"])
async def test_anonymous_api_requests_get_401(client: TestClient, path: str) -> None:
    reply = await client.get(path)
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"].startswith("Basic")
    assert (await reply.json())["error_id"] == "login-required"


@pytest.mark.parametrize("path", ["/wallboard", "/console", "/admin/flows", "/"])
async def test_anonymous_page_requests_go_to_the_login_page(client: TestClient,
                                                            path: str) -> None:
    reply = await client.get(path, allow_redirects=False)
    assert reply.status == 303
    assert reply.headers["Location"] == f"/login?next={path}"


@pytest.mark.parametrize("path", ["/metrics", "/api/openapi.json", "/open311/v2/services.json",
                                  "/login", "/static/common.js"])
async def test_open_routes_need_no_login(client: TestClient, path: str) -> None:
    reply = await client.get(path)
    assert reply.status == 200, await reply.text()


async def test_healthz_stays_open(client: TestClient) -> None:
    reply = await client.get("/healthz")
    assert reply.status in (200, 503)  # no redis here: degraded, but not 401


@pytest.mark.parametrize(("user", "path", "status"), [
    ("ani", "/api/v1/queues", 200),          # operators may read the queues
    ("ani", "/api/v1/console", 200),
    ("ani", "/api/v1/wallboard", 403),       # the wallboard is for supervisors
    ("ani", "/api/v1/flows", 403),           # an operator cannot reach admin endpoints
    ("ani", "/api/v1/users", 403),
    ("ani", "/api/v1/tokens", 403),
    ("ani", "/api/v1/operators", 403),
    ("ani", "/api/v1/events?want=board", 403),
    ("sri", "/api/v1/wallboard", 200),
    ("sri", "/api/v1/queues", 200),
    ("sri", "/api/v1/flows", 403),           # a supervisor cannot edit (or read) flows
    ("sri", "/api/v1/users", 403),
    ("boss", "/api/v1/flows", 200),
    ("boss", "/api/v1/wallboard", 200),
    ("boss", "/api/v1/users", 200),
])
async def test_role_boundaries_over_basic(client: TestClient, user: str, path: str,
                                          status: int) -> None:
    reply = await client.get(path, headers=as_user(user))
    assert reply.status == status, await reply.text()


@pytest.mark.parametrize(("user", "status"), [("ani", 403), ("sri", 403), ("boss", 422)])
async def test_only_admins_may_install_flows(client: TestClient, user: str,
                                             status: int) -> None:
    reply = await client.put("/api/v1/flows/112", json={"text": "number: '112'\n"},
                             headers=as_user(user))
    assert reply.status == status


@pytest.mark.parametrize("path", ["/wallboard", "/admin/flows"])
async def test_operator_pages_are_forbidden(client: TestClient, path: str) -> None:
    await log_in(client, "ani", "operator-pass-1")
    reply = await client.get(path)
    assert reply.status == 403


async def test_wrong_basic_password_is_401_even_on_open_routes(client: TestClient) -> None:
    assert (await client.get("/api/v1/queues", headers=basic("ani", "nope"))).status == 401
    assert (await client.get("/metrics", headers=basic("ani", "nope"))).status == 401


async def test_login_sends_each_role_home_and_logout_ends_the_session(
        client: TestClient) -> None:
    await log_in(client, "sri", "supervisor-pass-1")
    assert (await client.get("/api/v1/wallboard")).status == 200
    page = await client.get("/wallboard")
    csrf = (await page.text()).split('name="csrf" content="')[1].split('"')[0]
    reply = await client.post("/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert reply.status == 303
    client.session.cookie_jar.clear()
    assert (await client.get("/api/v1/wallboard")).status == 401


async def test_wrong_password_on_the_form_is_refused(client: TestClient) -> None:
    page = await client.get("/login")
    token = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
    reply = await client.post("/login", data={"username": "ani", "password": "wrong-pass",
                                              "csrf_token": token}, allow_redirects=False)
    assert reply.status == 401
    assert "Wrong user name or password" in await reply.text()


async def test_login_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    await client.get("/login")
    reply = await client.post("/login", data={"username": "ani",
                                              "password": "operator-pass-1"},
                              allow_redirects=False)
    assert reply.status == 401
    assert "hotline_session" not in {c.key for c in client.session.cookie_jar}


async def test_session_writes_need_the_csrf_token(client: TestClient) -> None:
    csrf = await log_in(client, *ADMIN)
    body = {"username": "new-op", "role": "operator", "password": "new-op-pass"}
    refused = await client.post("/api/v1/users", json=body)
    assert refused.status == 403
    assert (await refused.json())["error_id"] == "csrf"
    wrong = await client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": "x" * 40})
    assert wrong.status == 403
    made = await client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": csrf})
    assert made.status == 201
    logout = await client.post("/logout", data={}, allow_redirects=False)
    assert logout.status == 403  # a form without the token


async def test_basic_writes_refuse_form_bodies_a_cross_site_page_could_send(
        client: TestClient) -> None:
    reply = await client.post("/api/v1/users", data={"username": "x", "role": "admin",
                                                     "password": "x" * 10},
                              headers=basic(*ADMIN))
    assert reply.status == 403


async def test_admin_issues_api_tokens_and_revokes_them(client: TestClient) -> None:
    issued = await client.post("/api/v1/tokens", json={"username": "sri", "label": "wall"},
                               headers=basic(*ADMIN))
    assert issued.status == 201
    body = await issued.json()
    bearer = {"Authorization": f"Bearer {body['token']}"}
    assert (await client.get("/api/v1/wallboard", headers=bearer)).status == 200
    assert (await client.get("/api/v1/flows", headers=bearer)).status == 403  # a supervisor's
    listed = await (await client.get("/api/v1/tokens", headers=basic(*ADMIN))).json()
    assert body["token"] not in str(listed)
    revoked = await client.delete(f"/api/v1/tokens/{body['id']}", headers=basic(*ADMIN))
    assert revoked.status == 200
    assert (await client.get("/api/v1/wallboard", headers=bearer)).status == 401


async def test_operators_cannot_issue_tokens(client: TestClient) -> None:
    reply = await client.post("/api/v1/tokens", json={"username": "ani"},
                              headers=as_user("ani"))
    assert reply.status == 403


async def test_login_does_not_redirect_off_site(client: TestClient) -> None:
    page = await client.get("/login?next=//evil.example/")
    assert 'value="/"' in await page.text()


async def test_first_admin_is_generated_once_and_kept_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, redis_port=1)
    client = TestClient(__import__("aiohttp.test_utils").test_utils.TestServer(
        web_app(settings)))
    await client.start_server()
    secret = tmp_path / "secrets" / "initial_admin_password"
    password = secret.read_text().strip()
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert (await client.get("/api/v1/flows", headers=basic("admin", password))).status == 200
    await client.close()
    client = TestClient(__import__("aiohttp.test_utils").test_utils.TestServer(
        web_app(settings)))
    await client.start_server()
    assert secret.read_text().strip() == password  # not made again
    await client.close()


async def test_configured_admin_writes_no_password_file(tmp_path: Path) -> None:
    client = TestClient(__import__("aiohttp.test_utils").test_utils.TestServer(
        web_app(settings_for(tmp_path))))
    await client.start_server()
    assert not (tmp_path / "secrets" / "initial_admin_password").exists()
    assert (await client.get("/api/v1/users", headers=basic(*ADMIN))).status == 200
    await client.close()
