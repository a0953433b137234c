"""The FastAGI server's limits, driven by a real TCP client on loopback.

A cap on open sessions, a time-out on the header read, a bound on header lines and their
length, and a refusal of duplicate headers: each ends in a clean close and a log line, and
the dialplan's fallback then takes the call (for 112: a queue).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from ivr.agi.channel import AgiChannel
from ivr.agi.protocol import AgiHeaderError, parse_headers
from ivr.agi.server import HEADER_TIMEOUT, MAX_HEADER_LINE_BYTES, MAX_SESSIONS, FastAgiServer

HEADERS = (b"agi_network: yes\n"
           b"agi_network_script: emergency\n"
           b"agi_uniqueid: 1732350000.12\n"
           b"agi_callerid: 0812345\n")
Client = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Running:
    def __init__(self, app: FastAgiServer, port: int) -> None:
        self.app, self.port = app, port
        self.ran: list[str] = []

    async def connect(self) -> Client:
        return await asyncio.open_connection("127.0.0.1", self.port)


Start = Callable[..., Awaitable[Running]]


@pytest.fixture
async def start_server() -> AsyncIterator[Start]:
    servers: list[asyncio.Server] = []

    async def start(max_sessions: int = MAX_SESSIONS,
                    header_timeout: float = HEADER_TIMEOUT) -> Running:
        running: Running

        async def emergency(channel: AgiChannel) -> None:
            running.ran.append(channel.unique_id)
            await channel.answer()

        async def hotline(channel: AgiChannel) -> None:
            running.ran.append("hotline " + channel.unique_id)

        app = FastAgiServer({"emergency": emergency, "hotline": hotline},
                            max_sessions=max_sessions, header_timeout=header_timeout)
        server = await asyncio.start_server(app.handler, "127.0.0.1", 0)
        servers.append(server)
        running = Running(app, server.sockets[0].getsockname()[1])
        return running

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


async def closed_by_server(client: Client, within: float = 2.0) -> bool:
    """True when the server closes the connection (EOF) within ``within`` seconds."""
    reader, writer = client
    try:
        data = await asyncio.wait_for(reader.read(), within)
    except TimeoutError:
        return False
    finally:
        writer.close()
    return data == b""


async def test_connections_beyond_the_cap_are_closed_at_once_and_counted(
        start_server: Start, caplog: pytest.LogCaptureFixture) -> None:
    running = await start_server(max_sessions=2, header_timeout=30)
    idle = [await running.connect(), await running.connect()]
    await asyncio.sleep(0.1)
    assert running.app.active == 2
    with caplog.at_level(logging.WARNING, logger="ivr.agi.server"):
        assert await closed_by_server(await running.connect(), within=1.0)
    assert "cap of 2 sessions" in caplog.text
    assert running.app.refused_full == 1
    for _, writer in idle:
        writer.close()
    await asyncio.sleep(0.1)
    assert running.app.active == 0
    reader, writer = await running.connect()  # room again: a real call runs
    writer.write(HEADERS + b"\n")
    assert await asyncio.wait_for(reader.readline(), 2) == b"ANSWER\n"
    writer.write(b"200 result=0\n")
    assert await closed_by_server((reader, writer))
    assert running.ran == ["1732350000.12"]


async def test_an_idle_connection_is_closed_after_the_header_timeout(
        start_server: Start, caplog: pytest.LogCaptureFixture) -> None:
    running = await start_server(header_timeout=0.3)
    with caplog.at_level(logging.INFO, logger="ivr.agi.server"):
        client = await running.connect()
        client[1].write(b"agi_network: yes\n")  # and then nothing
        assert await closed_by_server(client, within=2.0)
    assert "no AGI headers" in caplog.text
    assert running.app.closed_idle == 1
    assert running.app.active == 0


@pytest.mark.parametrize("length", [70_000, MAX_HEADER_LINE_BYTES + 1])
async def test_an_overlong_header_line_closes_the_session_cleanly(
        start_server: Start, caplog: pytest.LogCaptureFixture, length: int) -> None:
    running = await start_server()
    loop_errors: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: loop_errors.append(ctx))
    with caplog.at_level(logging.WARNING, logger="ivr.agi.server"):
        reader, writer = await running.connect()
        writer.write(b"agi_network_script: " + b"x" * length + b"\n" + HEADERS + b"\n")
        assert await closed_by_server((reader, writer))
    assert "refused" in caplog.text and "header line" in caplog.text
    assert running.ran == []
    assert running.app.refused_headers == 1
    assert loop_errors == []


async def test_a_header_given_twice_refuses_the_session(
        start_server: Start, caplog: pytest.LogCaptureFixture) -> None:
    running = await start_server()
    with caplog.at_level(logging.WARNING, logger="ivr.agi.server"):
        reader, writer = await running.connect()
        writer.write(HEADERS + b"agi_network_script: hotline\n\n")
        assert await closed_by_server((reader, writer))
    assert "call 1732350000.12" in caplog.text
    assert "agi_network_script given twice" in caplog.text
    assert running.ran == []


def test_parse_headers_refuses_a_name_given_twice() -> None:
    with pytest.raises(AgiHeaderError, match="agi_callerid given twice") as caught:
        parse_headers(["agi_uniqueid: 17.1", "agi_callerid: 0811", "agi_callerid: 0822"])
    assert caught.value.unique_id == "17.1"


def test_the_session_cap_is_a_setting_of_at_least_one() -> None:
    from ivr.config import ConfigError, load_settings

    assert load_settings({}).agi_max_sessions == 500
    assert load_settings({"IVR_AGI_MAX_SESSIONS": "50"}).agi_max_sessions == 50
    with pytest.raises(ConfigError, match="IVR_AGI_MAX_SESSIONS"):
        load_settings({"IVR_AGI_MAX_SESSIONS": "0"})
