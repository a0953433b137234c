"""Session epochs, logout, disabling accounts and passwords (issue 19, items 7 and 12)."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine, text
from web_fixtures import ADMIN, USERS_, as_user, basic, bearer, issue_token, log_in, start_client

from ivr.app import web_app
from ivr.config import Settings
from ivr.passwords import hash_password
from ivr.web.sessions import SESSION_COOKIE, Signer

ANI_PASSWORD = USERS_["ani"][1]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    client = await start_client(tmp_path)
    yield client
    await client.close()


def session_cookie(client: TestClient) -> str:
    return next(c.value for c in client.session.cookie_jar if c.key == SESSION_COOKIE)


async def with_cookie(client: TestClient, method: str, path: str, cookie: str,
                      body: dict[str, str] | None = None, csrf: str = "") -> int:
    """The status of a request made with exactly this session cookie (none from the jar)."""
    client.session.cookie_jar.clear()
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}", "X-CSRF-Token": csrf}
    reply = await client.request(method, path, headers=headers, json=body,
                                 allow_redirects=False)
    return reply.status


async def test_an_old_cookie_is_refused_after_logout(client: TestClient) -> None:
    csrf = await log_in(client, *ADMIN)
    cookie = session_cookie(client)
    assert await with_cookie(client, "GET", "/api/v1/users", cookie) == 200
    assert await with_cookie(client, "POST", "/logout", cookie, csrf=csrf) == 303
    assert await with_cookie(client, "GET", "/api/v1/users", cookie) == 401
    assert await with_cookie(client, "POST", "/api/v1/tokens", cookie,
                             {"username": ADMIN[0]}, csrf) == 401


async def test_changing_my_password_ends_my_other_sessions(client: TestClient) -> None:
    await log_in(client, "ani", ANI_PASSWORD)
    elsewhere = session_cookie(client)
    client.session.cookie_jar.clear()
    csrf = await log_in(client, "ani", ANI_PASSWORD)
    wrong = await client.post("/api/v1/me/password", json={
        "old_password": "not-it-at-all", "new_password": "new-ani-pass-2"},
        headers={"X-CSRF-Token": csrf})
    assert wrong.status == 403
    short = await client.post("/api/v1/me/password", json={
        "old_password": ANI_PASSWORD, "new_password": "short"}, headers={"X-CSRF-Token": csrf})
    assert short.status == 422
    changed = await client.post("/api/v1/me/password", json={
        "old_password": ANI_PASSWORD, "new_password": "new-ani-pass-2"},
        headers={"X-CSRF-Token": csrf})
    assert changed.status == 200, await changed.text()
    assert (await client.get("/api/v1/console")).status == 200  # this page got a new cookie
    here = session_cookie(client)
    assert await with_cookie(client, "GET", "/api/v1/console", elsewhere) == 401
    assert await with_cookie(client, "GET", "/api/v1/console", here) == 200
    assert (await client.get("/api/v1/console", headers=basic("ani", ANI_PASSWORD))
            ).status == 401
    assert (await client.get("/api/v1/console", headers=basic("ani", "new-ani-pass-2"))
            ).status == 200


async def test_a_disabled_user_loses_sessions_basic_tokens_and_login(
        client: TestClient) -> None:
    token_id, token = await issue_token(client, "ani")
    await log_in(client, "ani", ANI_PASSWORD)
    cookie = session_cookie(client)
    assert (await client.get("/api/v1/console", headers=as_user("ani"))).status == 200
    disabled = await client.post("/api/v1/users/ani/disable", headers=basic(*ADMIN))
    assert disabled.status == 200
    assert (await disabled.json())["active"] is False
    assert await with_cookie(client, "GET", "/api/v1/console", cookie) == 401
    assert (await client.get("/api/v1/console", headers=as_user("ani"))).status == 401
    assert (await client.get("/api/v1/console", headers=bearer(token))).status == 401
    tokens = (await (await client.get("/api/v1/tokens", headers=basic(*ADMIN))).json())
    assert [t["revoked"] for t in tokens["tokens"] if t["id"] == token_id] == [True]
    listed = (await (await client.get("/api/v1/users", headers=basic(*ADMIN))).json())
    assert {"username": "ani", "role": "operator", "active": False,
            "agencies": []} in listed["users"]
    client.session.cookie_jar.clear()
    page = await client.get("/login")
    csrf = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
    refused = await client.post("/login", data={"username": "ani", "password": ANI_PASSWORD,
                                                "csrf_token": csrf}, allow_redirects=False)
    assert refused.status == 401
    enabled = await client.post("/api/v1/users/ani/enable", headers=basic(*ADMIN))
    assert enabled.status == 200
    assert (await client.get("/api/v1/console", headers=as_user("ani"))).status == 200
    assert (await client.get("/api/v1/console", headers=bearer(token))).status == 401


async def test_an_admin_resets_a_password_and_the_old_sessions_end(client: TestClient) -> None:
    await log_in(client, "sri", USERS_["sri"][1])
    cookie = session_cookie(client)
    reset = await client.post("/api/v1/users/sri/password", json={"password": "reset-pass-3"},
                              headers=basic(*ADMIN))
    assert reset.status == 200, await reset.text()
    assert await with_cookie(client, "GET", "/api/v1/wallboard", cookie) == 401
    assert (await client.get("/api/v1/wallboard", headers=basic("sri", "reset-pass-3"))
            ).status == 200
    assert (await client.post("/api/v1/users/sri/password", json={"password": "x"},
                              headers=basic(*ADMIN))).status == 422


@pytest.mark.parametrize(("path", "who", "status"), [
    ("/api/v1/users/boss/disable", ADMIN, 409),           # the last enabled admin
    ("/api/v1/users/nobody/disable", ADMIN, 404),
    ("/api/v1/users/nobody/password", ADMIN, 404),
    ("/api/v1/users/sri/disable", ("ani", ANI_PASSWORD), 403),
    ("/api/v1/users/ani/password", ("sri", USERS_["sri"][1]), 403),
])
async def test_account_changes_refused(client: TestClient, path: str, who: tuple[str, str],
                                       status: int) -> None:
    reply = await client.post(path, json={"password": "long-enough-1"}, headers=basic(*who))
    assert reply.status == status, await reply.text()


def test_a_cookie_without_an_epoch_is_refused() -> None:
    signer = Signer("secret")
    body = base64.urlsafe_b64encode(json.dumps({"u": "boss", "n": "ab", "t": 100}).encode())
    old = f"{body.decode()}.{signer._mac(body.decode())}"
    assert signer.read_session(old, 101) is None
    fresh = signer.read_session(signer.session_cookie("boss", 3, 100), 101)
    assert fresh is not None and fresh.epoch == 3


OLD_SCHEMA = (
    "CREATE TABLE web_users (id INTEGER PRIMARY KEY AUTOINCREMENT, username VARCHAR(64) "
    "UNIQUE, role VARCHAR(20), password_hash VARCHAR(300), active BOOLEAN, created_at DATETIME)",
    "CREATE TABLE web_api_tokens (id INTEGER PRIMARY KEY AUTOINCREMENT, digest VARCHAR(64) "
    "UNIQUE, username VARCHAR(64) REFERENCES web_users(username), label VARCHAR(200), "
    "created_at DATETIME, revoked BOOLEAN)",
)


async def test_a_database_made_before_session_epochs_is_upgraded_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The column is added; an N=2**14 hash still logs in and is stored again as N=2**15."""
    monkeypatch.setattr("ivr.passwords.SCRYPT_N", 2**14)
    old_hash = hash_password(ADMIN[1])
    monkeypatch.undo()
    engine = create_engine(f"sqlite:///{tmp_path / 'hotline.sqlite3'}")
    with engine.begin() as connection:
        for statement in OLD_SCHEMA:
            connection.execute(text(statement))
        connection.execute(text("INSERT INTO web_users (username, role, password_hash, active, "
                                "created_at) VALUES ('boss', 'admin', :h, 1, "
                                "'2024-01-01 00:00:00')"), {"h": old_hash})
    client = await start_client(tmp_path)
    try:
        assert (await client.get("/api/v1/users", headers=basic(*ADMIN))).status == 200
        await log_in(client, *ADMIN)
        assert (await client.get("/api/v1/users")).status == 200
    finally:
        await client.close()
    with engine.begin() as connection:
        stored, epoch = connection.execute(text(
            "SELECT password_hash, session_epoch FROM web_users WHERE username = 'boss'")).one()
    engine.dispose()
    assert stored.startswith("scrypt$32768$8$1$") and epoch == 0


async def test_the_generated_admin_password_is_not_logged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    umask = os.umask(0)
    try:
        client = TestClient(TestServer(web_app(Settings(data_dir=tmp_path, redis_port=1))))
        await client.start_server()
    finally:
        os.umask(umask)
    try:
        secret = tmp_path / "secrets" / "initial_admin_password"
        password = secret.read_text().strip()
        assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(secret.parent).st_mode) == 0o700
        assert password not in caplog.text
        assert str(secret) in caplog.text
        assert (await client.get("/api/v1/users", headers=basic("admin", password))
                ).status == 200
    finally:
        await client.close()
