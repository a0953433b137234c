"""The limits that protect the service (issue 16, part 4), each a clear error in the API's
one shape: the request body's size (413), live event streams over all users (503 with
Retry-After), the login back-off that always ends, and FastAGI sessions per address.
The per-user stream cap and the FastAGI total cap are test_web_security_inputs.py's and
test_agi_limits.py's."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from web_fixtures import ADMIN, FakeBoardSource, as_user, basic, start_client

from ivr.agi.channel import AgiChannel
from ivr.agi.server import FastAgiServer
from ivr.web.openapi import document
from ivr.web.throttle import MAX_DELAY_S, LoginThrottle, address_key, user_key


async def test_a_body_over_the_setting_is_a_json_413(tmp_path: Path) -> None:
    client = await start_client(tmp_path, web_max_body_bytes=4096)
    try:
        big = {"username": "x" * 5000, "role": "operator", "password": "p" * 12}
        reply = await client.post("/api/v1/users", json=big, headers=basic(*ADMIN))
        assert reply.status == 413, await reply.text()
        body = await reply.json()
        assert body["error_id"] == "body-too-large" and "4096" in body["message"]
        small = await client.post("/api/v1/users", json={**big, "username": "newbie"},
                                  headers=basic(*ADMIN))
        assert small.status == 201, await small.text()
    finally:
        await client.close()
    documented = document()["paths"]["/api/v1/users"]["post"]["responses"]
    assert "body-too-large" in documented["413"]["description"]


async def test_streams_over_the_service_s_cap_are_503_with_retry_after(tmp_path: Path) -> None:
    client = await start_client(tmp_path, FakeBoardSource(), web_max_streams=2)
    try:
        first = await client.get("/api/v1/events?want=console", headers=as_user("ani"))
        second = await client.get("/api/v1/events?want=board", headers=as_user("sri"))
        assert (first.status, second.status) == (200, 200)
        third = await client.get("/api/v1/events?want=console", headers=basic(*ADMIN))
        assert third.status == 503
        assert third.headers["Retry-After"].isdigit()
        assert (await third.json())["error_id"] == "streams-full"
        first.close()
        for _ in range(100):  # the slot comes back when the server notices the close
            again = await client.get("/api/v1/events?want=console", headers=basic(*ADMIN))
            if again.status == 200:
                again.close()
                break
            await asyncio.sleep(0.2)
        else:
            pytest.fail("a closed stream's slot never came back")
        second.close()
    finally:
        await client.close()


def test_a_hammered_admin_is_never_locked_out_for_good() -> None:
    now = [0.0]
    throttle = LoginThrottle(lambda: now[0])
    keys = (user_key(ADMIN[0]), address_key("203.0.113.9"))
    for _ in range(10_000):
        throttle.failed(keys)
    assert 0 < throttle.retry_after(keys) <= MAX_DELAY_S
    now[0] += MAX_DELAY_S
    assert throttle.retry_after([user_key(ADMIN[0]), address_key("198.51.100.1")]) == 0
    assert throttle.retry_after(keys) == 0  # the attacker's address too, after the cap


async def test_agi_sessions_per_address_are_capped_and_the_rest_are_served() -> None:
    ran: list[str] = []

    async def emergency(channel: AgiChannel) -> None:
        ran.append(channel.unique_id)

    app = FastAgiServer({"emergency": emergency}, max_per_address=2, header_timeout=5)
    server = await asyncio.start_server(app.handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(), 2) == b""  # closed at once
        writer.close()
        assert app.refused_address == 1 and app.by_address["127.0.0.1"] == 2
        idle[0][1].close()
        for _ in range(50):
            if app.by_address["127.0.0.1"] < 2:
                break
            await asyncio.sleep(0.02)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"agi_network_script: emergency\nagi_uniqueid: 9.1\n\n")
        assert await asyncio.wait_for(reader.read(), 2) == b""
        writer.close()
        assert ran == ["9.1"]
        idle[1][1].close()
    finally:
        server.close()
        await server.wait_closed()
