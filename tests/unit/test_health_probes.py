"""``ivr health NAME``: the probes container health checks and systemd run, on real sockets."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from ivr.cli import HEALTH_NAMES, main
from ivr.config import Settings
from ivr.runtime.stack import health_probes, local_address


@pytest.mark.parametrize(("host", "reached"), [
    ("0.0.0.0", "127.0.0.1"), ("::", "::1"), ("127.0.0.1", "127.0.0.1"), ("fastagi", "fastagi")])
def test_a_server_on_every_address_is_reached_on_loopback(host: str, reached: str) -> None:
    assert local_address(host) == reached


def test_every_health_name_has_a_probe() -> None:
    assert set(health_probes(Settings())) == set(HEALTH_NAMES)


async def healthz_server(status: int) -> AsyncIterator[int]:
    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "x"}, status=status)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield port
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(("status", "up"), [(200, True), (503, False)])
async def test_web_is_up_only_when_healthz_says_200(status: int, up: bool) -> None:
    async for port in healthz_server(status):
        settings = Settings(web_host="0.0.0.0", web_port=port)
        assert await health_probes(settings)["web"]() is up


async def test_fastagi_is_up_while_its_port_accepts() -> None:
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = Settings(agi_host="0.0.0.0", agi_port=port)
    async with server:
        assert await health_probes(settings)["fastagi"]() is True
    server.close()
    await server.wait_closed()
    assert await health_probes(dataclasses.replace(settings))["fastagi"]() is False


def test_the_command_exits_1_when_the_service_is_down(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("IVR_WEB_HOST", "127.0.0.1")
    monkeypatch.setenv("IVR_WEB_PORT", "1")  # nothing listens on port 1
    assert main(["health", "web"]) == 1
    assert capsys.readouterr().out.strip() == "web: down"
