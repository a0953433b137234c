"""AgiChannel commands against a pre-fed reply stream."""

import asyncio

import pytest

from ivr.agi.channel import AgiChannel
from ivr.agi.protocol import AgiCommandError, AgiError, AgiHangup


class WriterStub:
    def __init__(self) -> None:
        self.written = b""

    def write(self, data: bytes) -> None:
        self.written += data

    async def drain(self) -> None:
        pass


def channel_with(replies: bytes, eof: bool = True,
                 **kwargs: float) -> tuple[AgiChannel, WriterStub]:
    reader = asyncio.StreamReader()
    reader.feed_data(replies)
    if eof:
        reader.feed_eof()
    writer = WriterStub()
    headers = {"agi_uniqueid": "1732350000.12", "agi_callerid": "0812345",
               "agi_network_script": "emergency"}
    return AgiChannel(headers, reader, writer, **kwargs), writer


@pytest.mark.parametrize(
    ("replies", "digits"),
    [
        (b"200 result=2\n", "2"),
        (b"200 result= (timeout)\n", ""),
        (b"200 result=12 (timeout)\n", "12"),
        (b"100 Trying...\n200 result=3\n", "3"),
        (b"100 Trying...\r\n100 Trying...\r\n200 result=1\r\n", "1"),
    ],
)
async def test_get_data(replies: bytes, digits: str) -> None:
    channel, writer = channel_with(replies)
    assert await channel.get_data("/sounds/id/emergency-menu", 5000, 1) == digits
    assert writer.written == b"GET DATA /sounds/id/emergency-menu 5000 1\n"


async def test_usage_block_raises_and_is_drained() -> None:
    replies = (
        b"520-Invalid command syntax.  Proper usage follows:\n"
        b"Usage: GET DATA <file to be streamed> [timeout] [maxdigits]\n"
        b"520 End of proper usage.\n"
        b"200 result=0\n"
    )
    channel, _ = channel_with(replies)
    with pytest.raises(AgiCommandError, match="520-Invalid command syntax"):
        await channel.command("GET DATA")
    # The next command reads its own reply, not the rest of the usage text.
    await channel.answer()
    assert not channel.hung_up


@pytest.mark.parametrize("replies", [b"510 Invalid or unknown command\n",
                                     b"511 Command Not Permitted on a dead channel\n"])
async def test_error_code_raises_command_error(replies: bytes) -> None:
    channel, _ = channel_with(replies)
    with pytest.raises(AgiCommandError):
        await channel.answer()
    assert not channel.hung_up


@pytest.mark.parametrize("replies", [b"", b"100 Trying...\n", b"HANGUP\n", b"200 result=-1\n"])
async def test_hangup_raises_and_blocks_further_commands(replies: bytes) -> None:
    channel, writer = channel_with(replies)
    with pytest.raises(AgiHangup):
        await channel.answer()
    assert channel.hung_up
    with pytest.raises(AgiHangup):
        await channel.answer()
    assert writer.written == b"ANSWER\n"


async def test_no_reply_in_time_is_an_agi_error() -> None:
    channel, _ = channel_with(b"", eof=False, command_timeout=0.05)
    with pytest.raises(AgiError, match="no reply to 'ANSWER'") as caught:
        await channel.answer()
    assert not isinstance(caught.value, AgiHangup)


async def test_the_time_out_is_per_command_not_per_session() -> None:
    """Five replies each 0.1 s after their command, with a 0.25 s time-out: 0.5 s in all,
    and no command timed out; the sixth, unanswered, is."""
    channel, _ = channel_with(b"", eof=False, command_timeout=0.25)
    reader = channel._reader
    assert isinstance(reader, asyncio.StreamReader)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(5):
        loop.call_later(0.1, reader.feed_data, b"200 result=1\n")
        await channel.set_variable("HOTLINE_NEXT", "queue")
    assert loop.time() - started >= 0.5
    with pytest.raises(AgiError, match="no reply to 'ANSWER' within 0.25 s"):
        await channel.answer()
    channel.close()


async def test_a_cancellation_during_a_command_stays_a_cancellation() -> None:
    channel, _ = channel_with(b"", eof=False, command_timeout=0.05)
    waiting = asyncio.create_task(channel.answer())
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.sleep(0.1)  # the session's timer finds no command waiting


async def test_closing_the_session_stops_its_timer() -> None:
    channel, _ = channel_with(b"200 result=1\n", eof=False, command_timeout=60)
    await channel.answer()
    assert channel._watch is not None and not channel._watch.cancelled()
    watch = channel._watch
    channel.close()
    assert watch.cancelled()


@pytest.mark.parametrize(("replies", "key"), [(b"200 result=0\n", ""), (b"200 result=49\n", "1"),
                                              (b"200 result=35\n", "#")])
async def test_stream_file_returns_the_interrupting_key(replies: bytes, key: str) -> None:
    channel, writer = channel_with(replies)
    assert await channel.stream_file("/sounds/id/emergency-menu", "123") == key
    assert writer.written == b'STREAM FILE /sounds/id/emergency-menu "123"\n'


@pytest.mark.parametrize(
    ("replies", "key"),
    [(b"200 result=0 (timeout) endpos=40000\n", ""), (b"200 result=35 (dtmf) endpos=8000\n", "#")],
)
async def test_record_file_returns_the_key_that_ended_it(replies: bytes, key: str) -> None:
    channel, writer = channel_with(replies)
    assert await channel.record_file("/data/recordings/r1", 60, 3) == key
    assert writer.written == b'RECORD FILE /data/recordings/r1 wav "#" 60000 0 BEEP s=3\n'


async def test_record_file_hangup_raises() -> None:
    channel, _ = channel_with(b"200 result=-1 (hangup) endpos=0\n")
    with pytest.raises(AgiHangup):
        await channel.record_file("/data/recordings/r1", 60, 3)


async def test_set_variable_quotes_the_value() -> None:
    channel, writer = channel_with(b"200 result=1\n")
    await channel.set_variable("HOTLINE_QUEUE", "fire")
    assert writer.written == b'SET VARIABLE HOTLINE_QUEUE "fire"\n'


async def test_plain_variables_go_in_one_mset_round_trip_in_their_order() -> None:
    channel, writer = channel_with(b"200 result=0\n")
    await channel.set_variables({"HOTLINE_QUEUE": "fire", "QUEUE_PRIO": "10",
                                 "HOTLINE_NEXT": "emergency"})
    assert writer.written == (b'EXEC MSet "HOTLINE_QUEUE=fire,QUEUE_PRIO=10,'
                              b'HOTLINE_NEXT=emergency"\n')


@pytest.mark.parametrize("value", ["a,b", "a|b", '"x"', "two words", "${EVIL}", "a\\b", "é"])
async def test_a_value_mset_would_misread_goes_one_set_variable_each(value: str) -> None:
    channel, writer = channel_with(b"200 result=1\n200 result=1\n")
    await channel.set_variables({"HOTLINE_TRANSFER": value, "HOTLINE_NEXT": "transfer"})
    first, second = writer.written.decode().splitlines()
    assert first.startswith("SET VARIABLE HOTLINE_TRANSFER ")
    assert second == 'SET VARIABLE HOTLINE_NEXT "transfer"'


async def test_one_variable_is_a_plain_set_variable() -> None:
    channel, writer = channel_with(b"200 result=1\n")
    await channel.set_variables({"HOTLINE_NEXT": "hangup"})
    assert writer.written == b'SET VARIABLE HOTLINE_NEXT "hangup"\n'


async def test_an_asterisk_without_mset_is_a_command_error() -> None:
    channel, _ = channel_with(b"200 result=-2\n")
    with pytest.raises(AgiCommandError, match="no MSet"):
        await channel.set_variables({"HOTLINE_QUEUE": "fire", "HOTLINE_NEXT": "queue"})


@pytest.mark.parametrize(("replies", "value"), [(b"200 result=1 (ambulance)\n", "ambulance"),
                                                (b"200 result=0\n", "")])
async def test_get_variable(replies: bytes, value: str) -> None:
    channel, _ = channel_with(replies)
    assert await channel.get_variable("HOTLINE_SERVICE") == value


@pytest.mark.parametrize(("callerid", "number"), [("0812345", "0812345"), ("unknown", ""),
                                                  (None, "")])
async def test_caller_number(callerid: str | None, number: str) -> None:
    headers = {} if callerid is None else {"agi_callerid": callerid}
    channel = AgiChannel(headers, asyncio.StreamReader(), WriterStub())
    assert channel.caller_number == number
