"""Hostile input at the call path's two edges (issue 16, part 4): the FastAGI server's header
block and Asterisk's replies, and the AMI messages panoramisk hands us.

Whatever arrives, the parsers answer with a value or their own typed error (never another
exception), the server never hangs on a session, and it serves the next good one. The
limits themselves (cap, idle time-out, line length, duplicates) are test_agi_limits.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from panoramisk.message import Message

from ivr.agi.channel import AgiChannel
from ivr.agi.protocol import AgiError, AgiHeaderError, parse_headers, parse_reply
from ivr.agi.server import MAX_HEADER_LINE_BYTES, FastAgiServer, read_headers
from ivr.ami.board import QueueBoard, rebuild
from ivr.ami.client import events_of, reply_of
from ivr.ami.events import channel_variables, parse_event

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
GOOD = (b"agi_network: yes\nagi_network_script: emergency\n"
        b"agi_uniqueid: 1732350000.12\nagi_callerid: 0812345\n\n")
# Lines that look like Asterisk's and lines that are nothing like them.
agi_ish = st.sampled_from([b"agi_network_script: emergency", b"agi_uniqueid: 1.2",
                           b"agi_callerid: ", b"agi_x:", b": ", b"agi_", b"\x00", b"\xff\xfe",
                           b"agi_callerid: \xed\xa0\x80", b"200 result=1", b"HANGUP"])
line = st.one_of(agi_ish, st.binary(max_size=80).map(lambda b: b.replace(b"\n", b" ")))
header_block = st.lists(line, max_size=30).map(lambda lines: b"\n".join(lines))
reply_line = st.one_of(
    st.sampled_from(["200 result=0", "200 result=", "200 result=49", "200 result=abc",
                     "200 result=99999999999", "200 result=-1", "200 result=1 (",
                     "200 result=1 (timeout", "200 result=\u0661\u0662", "100 Trying...",
                     "520-Invalid", "510 Invalid", "HANGUP", "", "200 result=35 (dtmf)",
                     "200 result=1114112 (dtmf)", "200 result=\u0664\u0669 (dtmf)"]),
    st.text(max_size=60).map(lambda t: t.replace("\n", " ")))


@FUZZ
@given(st.text(max_size=200))
def test_parse_reply_gives_a_result_or_an_agi_error(text: str) -> None:
    with contextlib.suppress(AgiError):
        parse_reply(text)


@FUZZ
@given(st.lists(st.text(max_size=40), max_size=30))
def test_parse_headers_gives_a_dict_or_a_header_error(lines: list[str]) -> None:
    with contextlib.suppress(AgiHeaderError):
        assert all(k.startswith("agi_") for k in parse_headers(lines))


@FUZZ
@given(header_block, st.booleans())
def test_read_headers_ends_in_headers_or_a_typed_error(block: bytes, blank: bool) -> None:
    async def read() -> None:
        reader = asyncio.StreamReader()
        reader.feed_data(block + (b"\n\n" if blank else b""))
        reader.feed_eof()
        with contextlib.suppress(AgiHeaderError, EOFError):
            await asyncio.wait_for(read_headers(reader), 2)

    asyncio.run(read())


async def command_replies(replies: bytes) -> tuple[str, ...]:
    """A flow's commands against these replies: what each gave, or the AgiError's name."""
    reader = asyncio.StreamReader(limit=2**16)
    reader.feed_data(replies)
    reader.feed_eof()

    class Sink:
        def write(self, data: bytes) -> None: ...

        async def drain(self) -> None: ...

    channel = AgiChannel({"agi_uniqueid": "1.2"}, reader, Sink(), command_timeout=2)
    got: list[str] = []
    for command in (channel.stream_file("hello", "12"), channel.get_data("menu", 10, 2),
                    channel.record_file("/tmp/x", 5, 2), channel.get_variable("X")):
        try:
            got.append(await command)
        except AgiError as exc:
            got.append(type(exc).__name__)
    return tuple(got)


@FUZZ
@given(st.lists(reply_line, min_size=1, max_size=8))
def test_a_flow_gets_keys_or_agi_errors_from_any_reply(lines: list[str]) -> None:
    got = asyncio.run(command_replies("\n".join(lines).encode() + b"\n"))
    for key in got[:1] + got[2:3]:  # stream_file, record_file: one key or none
        assert key in ("", *"0123456789*#") or key.startswith("Agi")


def test_an_overlong_reply_line_is_an_agi_error() -> None:
    """A reply over the stream's buffer was a ValueError: no flow's AgiError fallback ran."""
    got = asyncio.run(command_replies(b"200 result=" + b"1" * 70_000 + b"\n200 result=0\n"))
    assert got[0] == "AgiError"


# --- the server over a real socket ------------------------------------------------------


async def session(port: int, data: bytes, read_for: float = 3.0) -> bytes:
    """Send ``data`` and hang up, then read until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        writer.write_eof()
        return await asyncio.wait_for(reader.read(), read_for)
    except ConnectionResetError:
        return b""
    finally:
        writer.close()


async def with_server(scenario: Any, header_timeout: float = 0.5,
                      command_timeout: float = 3.0) -> list[str]:
    ran: list[str] = []

    async def emergency(channel: AgiChannel) -> None:
        ran.append(channel.unique_id)
        await channel.answer()

    app = FastAgiServer({"emergency": emergency}, header_timeout=header_timeout,
                        command_timeout=command_timeout)
    server = await asyncio.start_server(app.handler, "127.0.0.1", 0)
    try:
        await scenario(server.sockets[0].getsockname()[1])
        assert app.active == 0 or await _drained(app)
    finally:
        server.close()
        await server.wait_closed()
    return ran


async def _drained(app: FastAgiServer) -> bool:
    for _ in range(100):
        if app.active == 0:
            return True
        await asyncio.sleep(0.02)
    return False


async def then_a_good_session(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(GOOD)
    await writer.drain()
    assert await asyncio.wait_for(reader.readline(), 3) == b"ANSWER\n"
    writer.write(b"200 result=0\n")
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 3) == b""
    writer.close()


@settings(max_examples=40, deadline=None, derandomize=True)
@given(header_block)
def test_the_server_survives_any_header_block_and_serves_the_next_call(block: bytes) -> None:
    async def scenario(port: int) -> None:
        await session(port, block + b"\n\n")  # whatever it did, it ended
        await then_a_good_session(port)

    assert asyncio.run(with_server(scenario))[-1] == "1732350000.12"


@pytest.mark.parametrize("data", [
    b"agi_network_script: emergency\n" + b"x" * (MAX_HEADER_LINE_BYTES * 10),  # no newline
    b"agi_x: " + b"y" * 200_000 + b"\n\n",  # over the stream buffer
    b"agi_x: y\n" * 5000,  # endless lines
    b"\x00" * 1000 + b"\n\n",
], ids=["unterminated", "over-the-buffer", "endless", "nul"])
def test_oversized_headers_close_the_session_and_the_next_call_is_served(data: bytes) -> None:
    async def scenario(port: int) -> None:
        await session(port, data)
        await then_a_good_session(port)

    assert asyncio.run(with_server(scenario)) == ["1732350000.12"]


def test_a_slow_header_trickle_is_cut_at_the_header_timeout() -> None:
    """One byte every 0.1 s never ends a line: the time-out covers the whole block."""
    async def scenario(port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises((ConnectionError, OSError)):
            for _ in range(50):
                writer.write(b"a")
                await writer.drain()
                if reader.at_eof() or await _eof_within(reader, 0.1):
                    raise ConnectionResetError("closed by the server")
        assert loop.time() - started < 2.0
        writer.close()
        await then_a_good_session(port)

    assert asyncio.run(with_server(scenario)) == ["1732350000.12"]


async def _eof_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1), seconds) == b""
    except TimeoutError:
        return False


def test_a_slow_reply_is_cut_by_the_command_timeout_and_the_next_call_is_served() -> None:
    async def scenario(port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(GOOD)
        assert await asyncio.wait_for(reader.readline(), 3) == b"ANSWER\n"
        writer.write(b"200 res")  # and never the rest
        assert await asyncio.wait_for(reader.read(), 3) == b""
        writer.close()
        await then_a_good_session(port)

    assert asyncio.run(with_server(scenario, command_timeout=0.3)) == ["1732350000.12"] * 2


# --- AMI messages -------------------------------------------------------------------------

AMI_KEYS = ["Queue", "Uniqueid", "CallerIDNum", "Position", "Count", "Wait", "HoldTime",
            "RingTime", "Interface", "MemberName", "Name", "Location", "Status", "Paused",
            "InCall", "PausedReason", "ChanVariable", "LastCall", "Penalty", "Message",
            "Direction", "Digit", "Channel", "OriginalPosition", "Event", "ActionID"]
AMI_EVENTS = ["QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "QueueMemberAdded",
              "QueueMemberRemoved", "QueueMemberStatus", "QueueMemberPause", "QueueEntry",
              "QueueMember", "QueueParams", "AgentCalled", "AgentConnect", "AgentComplete",
              "AgentRingNoAnswer", "AgentDump", "DTMFEnd", "VarSet", "Nonsense", ""]
ami_value = st.one_of(st.text(max_size=30), st.sampled_from(
    ["", "-1", "1e400", "nan", "inf", "99999999999999999999", "0x10", "1.5", " 7 ", "\u0661",
     "PJSIP/", "HOTLINE_ARRIVED=nan", "HOTLINE_ARRIVED=1e999", "HOTLINE_LANGUAGE=",
     "a=b=c", "Received", "<unknown>"])).map(lambda v: v.replace("\r", " ").replace("\n", " "))
ami_line = st.one_of(
    st.tuples(st.sampled_from(AMI_KEYS), ami_value).map(lambda kv: f"{kv[0]}: {kv[1]}"),
    st.text(max_size=20).map(lambda t: t.replace("\r", "").replace("\n", "")))
ami_frame = st.tuples(st.sampled_from(["Event", "Response"]), st.sampled_from(AMI_EVENTS + [
    "Success", "Error", "Follows"]), st.lists(ami_line, max_size=15)).map(
    lambda f: "\r\n".join([f"{f[0]}: {f[1]}", *f[2]]))


def messages_of(frames: list[str]) -> list[Message]:
    """What panoramisk makes of each frame (repeated keys become lists)."""
    return [m for m in (Message.from_line(frame) for frame in frames) if m is not None]


@FUZZ
@given(st.lists(ami_frame, max_size=12))
def test_any_ami_frames_parse_and_rebuild_a_board(frames: list[str]) -> None:
    events = []
    for raw in messages_of(frames):
        channel_variables(raw)
        event = parse_event(raw)
        if event is not None:
            events.append(event)
    board = rebuild(events, 1_732_350_000.0)
    assert QueueBoard.from_dict(board.to_dict()).to_dict() == board.to_dict()


@FUZZ
@given(st.lists(ami_frame, max_size=4), st.booleans())
def test_any_ami_reply_is_read_without_a_crash(frames: list[str], one: bool) -> None:
    messages = messages_of(frames)
    reply: object = messages[0] if one and messages else messages
    reply_of(reply)
    events_of(reply)
