"""The AGI reply parser against the lines Asterisk really sends."""

import pytest

from ivr.agi.protocol import (
    AgiCommandError,
    AgiHangup,
    AgiResult,
    digits_from,
    parse_headers,
    parse_reply,
    quote,
)


@pytest.mark.parametrize(
    ("line", "value", "data"),
    [
        ("200 result=0", "0", ""),
        ("200 result=2", "2", ""),
        ("200 result=2\n", "2", ""),
        ("200 result=49\r\n", "49", ""),
        ("200 result= (timeout)", "", "timeout"),
        ("200 result=12 (timeout)", "12", "timeout"),
        ("200 result=1 (ambulance)", "1", "ambulance"),
    ],
)
def test_parse_reply_result(line: str, value: str, data: str) -> None:
    assert parse_reply(line) == AgiResult(value=value, data=data)


@pytest.mark.parametrize(
    ("line", "timed_out"),
    [("200 result= (timeout)", True), ("200 result=12 (timeout)", True), ("200 result=2", False)],
)
def test_parse_reply_timed_out(line: str, timed_out: bool) -> None:
    assert parse_reply(line).timed_out is timed_out


@pytest.mark.parametrize(
    "line",
    ["200 result=-1", "HANGUP", "HANGUP\n", "200 result=1 (hangup)"],
)
def test_parse_reply_hangup(line: str) -> None:
    with pytest.raises(AgiHangup):
        parse_reply(line)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("510 Invalid or unknown command", "510 Invalid or unknown command"),
        ("511 Command Not Permitted on a dead channel",
         "511 Command Not Permitted on a dead channel"),
        ("", "empty reply (session closed)"),
    ],
)
def test_parse_reply_command_error(line: str, message: str) -> None:
    with pytest.raises(AgiCommandError) as caught:
        parse_reply(line)
    assert not isinstance(caught.value, AgiHangup)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("result", "digits"),
    [
        (AgiResult("2"), "2"),
        (AgiResult("12", "timeout"), "12"),
        (AgiResult("*#0"), "*#0"),
        (AgiResult("", "timeout"), ""),
        (AgiResult("abc"), ""),
        (AgiResult("1a"), ""),
    ],
)
def test_digits_from(result: AgiResult, digits: str) -> None:
    assert digits_from(result) == digits


def test_parse_headers_keeps_agi_lines_only() -> None:
    lines = [
        "agi_network: yes",
        "agi_network_script: emergency",
        "agi_callerid: 0812345",
        "agi_calleridname: Budi: Jakarta",
        "agi_arg_1: ",
        "not_agi: x",
        "agi_broken_without_separator",
    ]
    assert parse_headers(lines) == {
        "agi_network": "yes",
        "agi_network_script": "emergency",
        "agi_callerid": "0812345",
        "agi_calleridname": "Budi: Jakarta",
        "agi_arg_1": "",
    }


@pytest.mark.parametrize(
    ("argument", "quoted"),
    [
        ("", '""'),
        ("12", '"12"'),
        ("hello world", '"hello world"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("a\\b", '"a\\\\b"'),
        ("two\nlines", '"two lines"'),
    ],
)
def test_quote(argument: str, quoted: str) -> None:
    assert quote(argument) == quoted


def test_parse_reply_keeps_parentheses_inside_the_data() -> None:
    # GET VARIABLE CALLERID(all) answers "200 result=1 (%s)" with the raw value.
    reply = parse_reply('200 result=1 ("Budi (home)" <0812345>)')
    assert reply.data == '"Budi (home)" <0812345>'
