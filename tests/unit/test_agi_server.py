"""The FastAGI edge: header reading that ends on EOF, and routes whose failures stay inside."""

import asyncio
import logging

import pytest

from ivr.agi.channel import AgiChannel
from ivr.agi.protocol import AgiCommandError, AgiHangup, AgiHeaderError
from ivr.agi.server import MAX_HEADER_LINES, FastAgiServer, read_headers

HEADERS = (
    b"agi_network: yes\n"
    b"agi_network_script: emergency\n"
    b"agi_channel: PJSIP/pstn-trunk-00000003\n"
    b"agi_uniqueid: 1732350000.12\n"
    b"agi_callerid: 0812345\n"
    b"\n"
)


class WriterStub:
    """Enough of an asyncio.StreamWriter for the server and the channel."""

    def __init__(self) -> None:
        self.written = b""
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written += data

    async def drain(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> object:
        return ("127.0.0.1", 40000) if name == "peername" else None


def fed_reader(data: bytes, eof: bool = True) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    if eof:
        reader.feed_eof()
    return reader


def call(script: str = "emergency", unique_id: str = "1732350000.12") -> AgiChannel:
    headers = {"agi_network_script": script, "agi_uniqueid": unique_id}
    return AgiChannel(headers, fed_reader(b""), WriterStub())


async def test_read_headers_stops_at_blank_line() -> None:
    reader = fed_reader(HEADERS + b"200 result=0\n")
    headers = await read_headers(reader)
    assert headers == {
        "agi_network": "yes",
        "agi_network_script": "emergency",
        "agi_channel": "PJSIP/pstn-trunk-00000003",
        "agi_uniqueid": "1732350000.12",
        "agi_callerid": "0812345",
    }
    assert await reader.readline() == b"200 result=0\n"


async def test_read_headers_accepts_crlf() -> None:
    reader = fed_reader(b"agi_network_script: emergency\r\n\r\n")
    assert await read_headers(reader) == {"agi_network_script": "emergency"}


@pytest.mark.parametrize("data", [b"", b"agi_network: yes\n", b"agi_network: yes\nagi_uniq"])
async def test_read_headers_eof_before_blank_line_raises(data: bytes) -> None:
    with pytest.raises(EOFError):
        await asyncio.wait_for(read_headers(fed_reader(data)), 1.0)


async def test_read_headers_gives_up_on_endless_headers() -> None:
    data = b"agi_x: y\n" * (MAX_HEADER_LINES + 1) + b"\n"
    with pytest.raises(AgiHeaderError, match="too many"):
        await read_headers(fed_reader(data))


async def test_run_route_runs_the_flow_the_url_names() -> None:
    ran: list[str] = []

    async def emergency(channel: AgiChannel) -> None:
        ran.append(channel.unique_id)

    server = FastAgiServer({"emergency": emergency})
    await server.run_route(call(script="/emergency/"))
    assert ran == ["1732350000.12"]
    assert server.sessions == 1


async def test_run_route_accepts_a_callable_object() -> None:
    class Flow:
        def __init__(self) -> None:
            self.calls = 0

        async def __call__(self, channel: AgiChannel) -> None:
            self.calls += 1

    flow = Flow()
    server = FastAgiServer({"emergency": flow})
    await server.run_route(call())
    assert flow.calls == 1


async def test_run_route_unknown_path_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    ran: list[AgiChannel] = []

    async def emergency(channel: AgiChannel) -> None:
        ran.append(channel)

    server = FastAgiServer({"emergency": emergency})
    with caplog.at_level(logging.ERROR, logger="ivr.agi.server"):
        await server.run_route(call(script="police"))
    assert ran == []
    assert server.sessions == 0
    assert "no AGI route 'police'" in caplog.text
    assert "1732350000.12" in caplog.text


@pytest.mark.parametrize(
    ("error", "level", "words"),
    [
        (RuntimeError("flow bug"), logging.ERROR, "route crashed"),
        (KeyError("missing"), logging.ERROR, "route crashed"),
        (AgiCommandError("510 Invalid or unknown command"), logging.ERROR, "AGI failed"),
        (AgiHangup("caller hung up"), logging.INFO, "caller hung up"),
        (asyncio.CancelledError(), logging.WARNING, "handed back to the dialplan"),
    ],
)
async def test_run_route_failure_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture, error: Exception, level: int, words: str
) -> None:
    async def emergency(channel: AgiChannel) -> None:
        raise error

    server = FastAgiServer({"emergency": emergency})
    with caplog.at_level(logging.DEBUG, logger="ivr.agi"):
        await server.run_route(call(unique_id="1732350099.7"))
    # The flow's failure is logged by ivr.agi.route, the server's stop by ivr.agi.server.
    [record] = [r for r in caplog.records if r.name in ("ivr.agi.server", "ivr.agi.route")]
    assert record.levelno == level
    assert words in record.getMessage()
    assert "1732350099.7" in record.getMessage()


async def test_run_route_crash_logs_the_traceback(caplog: pytest.LogCaptureFixture) -> None:
    async def emergency(channel: AgiChannel) -> None:
        raise RuntimeError("flow bug")

    server = FastAgiServer({"emergency": emergency})
    with caplog.at_level(logging.ERROR, logger="ivr.agi.server"):
        await server.run_route(call())
    assert "RuntimeError: flow bug" in caplog.text


async def test_handler_closes_a_connection_without_headers() -> None:
    ran: list[AgiChannel] = []

    async def emergency(channel: AgiChannel) -> None:
        ran.append(channel)

    server = FastAgiServer({"emergency": emergency})
    writer = WriterStub()
    await server.handler(fed_reader(b"agi_network: yes\n"), writer)
    assert ran == []
    assert writer.closed


async def test_handler_runs_the_route_over_the_stream() -> None:
    async def emergency(channel: AgiChannel) -> None:
        await channel.answer()

    server = FastAgiServer({"emergency": emergency})
    writer = WriterStub()
    await server.handler(fed_reader(HEADERS + b"200 result=0\n"), writer)
    assert writer.written == b"ANSWER\n"
    assert writer.closed
    assert server.sessions == 1
