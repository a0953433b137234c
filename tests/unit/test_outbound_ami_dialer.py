"""The AMI dialler: the Originate action and OriginateResponse parsing (pure, table-tested),
then whole tries over a real loopback socket to a fake Asterisk, through panoramisk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from ami_fixtures import until

from ivr.config import Settings
from ivr.outbound.ami_dialer import (
    AmiDialer,
    NotDialable,
    check_pattern,
    dial_number,
    originate_action,
    try_result_of,
    variable_lines,
)
from ivr.outbound.model import CallRequest, TryResult

PATTERN = "PJSIP/{number}@outbound-trunk"
CALLER_ID = '"Hotline 112" <112>'


def request(number: str = "0811234", variables: dict[str, str] | None = None,
            context: str = "callback", ring_s: float = 25.0) -> CallRequest:
    return CallRequest("j1", number, "callback", 1, 3, context, "s",
                       {"HOTLINE_JOB": "j1"} if variables is None else variables, ring_s)


@pytest.mark.parametrize("number", ["0811234", "+49301234567", "112", "1" * 20])
def test_a_dialable_number_is_kept(number: str) -> None:
    assert dial_number(number) == number


@pytest.mark.parametrize("number", [
    "12;Dial", "", "+", "++49", "49+1", "0811 234", "0811-234", "1@other-trunk",
    "PJSIP/1", "0811\r\nAction: Hangup", "１２３", "1" * 21, "${SHELL}", "*100#",
])
def test_anything_else_is_refused(number: str) -> None:
    with pytest.raises(NotDialable):
        dial_number(number)


@pytest.mark.parametrize("pattern", ["PJSIP/outbound-trunk", "PJSIP/{number}\r\nAction: X"])
def test_a_bad_dial_pattern_is_refused(pattern: str) -> None:
    with pytest.raises(NotDialable):
        check_pattern(pattern)


def test_the_originate_action() -> None:
    action = originate_action(request(variables={"HOTLINE_JOB": "j1", "HOTLINE_TRY": "1"}),
                              PATTERN, CALLER_ID, "outbound-1")
    assert action == {
        "Action": "Originate", "ActionID": "outbound-1",
        "Channel": "PJSIP/0811234@outbound-trunk", "Context": "callback", "Exten": "s",
        "Priority": "1", "Timeout": "25000", "CallerID": '"Hotline 112" <112>',
        "Async": "true", "Variable": ["HOTLINE_JOB=j1", "HOTLINE_TRY=1"],
    }


def test_no_variables_no_variable_header() -> None:
    action = originate_action(request(variables={}, ring_s=0.5), PATTERN, CALLER_ID, "a")
    assert "Variable" not in action and action["Timeout"] == "500"


@pytest.mark.parametrize("call", [
    request(number="12;Dial"),
    request(context="callback\r\nAction: Hangup"),
])
def test_an_action_with_something_unsafe_is_not_built(call: CallRequest) -> None:
    with pytest.raises(NotDialable):
        originate_action(call, PATTERN, CALLER_ID, "a")


def test_a_caller_id_with_a_line_break_is_refused() -> None:
    with pytest.raises(NotDialable):
        originate_action(request(), PATTERN, "112\r\nAction: Hangup", "a")


@pytest.mark.parametrize(("variables", "lines"), [
    ({}, []),
    ({"A": "1", "__HOTLINE_TICKET": "T-2026-17"}, ["A=1", "__HOTLINE_TICKET=T-2026-17"]),
    ({"NOTE": "called back = ok"}, ["NOTE=called back = ok"]),
])
def test_variable_lines(variables: dict[str, str], lines: list[str]) -> None:
    assert variable_lines(variables) == lines


@pytest.mark.parametrize("variables", [
    {"A": "1,B=2"}, {"A": 'say "hi"'}, {"A": "back\\slash"}, {"A": "x\r\nAction: Hangup"},
    {"1A": "x"}, {"A-B": "x"}, {"": "x"}, {"A=B": "x"},
])
def test_unsafe_variables_are_refused(variables: dict[str, str]) -> None:
    with pytest.raises(NotDialable):
        variable_lines(variables)


@pytest.mark.parametrize(("event", "result"), [
    ({"Event": "OriginateResponse", "Response": "Success", "Reason": "4"},
     TryResult(True, "answered")),
    ({"Response": "Failure", "Reason": "0"}, TryResult(False, "failed")),
    ({"Response": "Failure", "Reason": "1"}, TryResult(False, "hung up")),
    ({"Response": "Failure", "Reason": "3"}, TryResult(False, "no answer")),
    ({"Response": "Failure", "Reason": "5"}, TryResult(False, "busy")),
    ({"Response": "Failure", "Reason": "8"}, TryResult(False, "congestion")),
    ({"Response": "Failure", "Reason": "2"}, TryResult(False, "failed")),
    ({"Response": "Failure"}, TryResult(False, "failed")),
    ({"Response": "Failure", "Reason": "4"}, TryResult(False, "failed")),
])
def test_try_result_of(event: dict[str, str], result: TryResult) -> None:
    assert try_result_of(event) == result


class OriginatingAsterisk:
    """An AMI peer on loopback answering Login, and Originate as scripted by ``outcomes``:

    ``answered``/``busy``/``no answer``: the ack and, in the same write, the
    OriginateResponse; ``refused``: ``Response: Error``; ``silent``: the ack only;
    ``stranger``: the ack and an OriginateResponse of another ActionID.
    ``actions`` keeps every action, a repeated header as a list.
    """

    EVENTS = {"answered": ("Success", "4"), "busy": ("Failure", "5"),
              "no answer": ("Failure", "3")}

    def __init__(self, outcomes: list[str]) -> None:
        self.outcomes = outcomes
        self.actions: list[dict[str, Any]] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for writer in self.writers:
            writer.close()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    @property
    def originates(self) -> list[dict[str, Any]]:
        return [a for a in self.actions if a.get("Action") == "Originate"]

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        try:
            while True:
                raw = await reader.readuntil(b"\r\n\r\n")
                action = headers(raw.decode())
                self.actions.append(action)
                writer.write(self._answer(action).encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    def _answer(self, action: dict[str, Any]) -> str:
        tag = f"ActionID: {action.get('ActionID', '')}\r\n"
        if action.get("Action") == "Login":
            return (f"Response: Success\r\n{tag}Message: Authentication accepted\r\n\r\n"
                    "Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Ready\r\n\r\n")
        if action.get("Action") != "Originate":
            return f"Response: Error\r\n{tag}Message: Invalid/unknown command\r\n\r\n"
        outcome = self.outcomes.pop(0)
        if outcome == "refused":
            return f"Response: Error\r\n{tag}Message: Extension does not exist.\r\n\r\n"
        ack = f"Response: Success\r\n{tag}Message: Originate successfully queued\r\n\r\n"
        if outcome == "silent":
            return ack
        if outcome == "stranger":
            tag = "ActionID: outbound-someone-else\r\n"
            outcome = "answered"
        response, reason = self.EVENTS[outcome]
        return (f"{ack}Event: OriginateResponse\r\nPrivilege: call,all\r\n{tag}"
                f"Response: {response}\r\nChannel: {action['Channel']}\r\n"
                f"Context: {action['Context']}\r\nExten: {action['Exten']}\r\n"
                f"Reason: {reason}\r\nUniqueid: <null>\r\nCallerIDNum: <unknown>\r\n\r\n")


def headers(raw: str) -> dict[str, Any]:
    """An action's headers; a repeated one becomes a list (as Asterisk reads them)."""
    found: dict[str, Any] = {}
    for line in raw.strip().split("\r\n"):
        key, _, value = line.partition(": ")
        if key in found:
            previous = found[key]
            found[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            found[key] = value
    return found


Start = Callable[[list[str]], Awaitable[tuple[OriginatingAsterisk, AmiDialer]]]


@pytest.fixture
async def start_dialer() -> AsyncIterator[Start]:
    made: list[tuple[OriginatingAsterisk, AmiDialer]] = []

    async def start(outcomes: list[str]) -> tuple[OriginatingAsterisk, AmiDialer]:
        asterisk = OriginatingAsterisk(outcomes)
        await asterisk.start()
        settings = Settings(ami_host="127.0.0.1", ami_port=asterisk.port, ami_user="outbound",
                            ami_secret="s3cret")
        dialer = AmiDialer(settings, dial_pattern=PATTERN, caller_id=CALLER_ID,
                           response_grace_s=0.3)
        dialer.start()
        made.append((asterisk, dialer))
        await until(lambda: dialer.ami.linked, "the login")
        return asterisk, dialer

    yield start
    for asterisk, dialer in made:
        dialer.stop()
        await asterisk.stop()


async def test_an_answered_try_over_the_wire(start_dialer: Start) -> None:
    asterisk, dialer = await start_dialer(["answered"])
    result = await dialer.dial(request(variables={"HOTLINE_JOB": "j1", "HOTLINE_TRY": "1"}))
    assert result == TryResult(True, "answered")
    sent = asterisk.originates[0]
    assert asterisk.actions[0]["Username"] == "outbound"
    assert (sent["Channel"], sent["Async"], sent["Timeout"]) == (
        "PJSIP/0811234@outbound-trunk", "true", "25000")
    assert sent["Variable"] == ["HOTLINE_JOB=j1", "HOTLINE_TRY=1"]  # one line each
    assert sent["ActionID"].startswith("outbound-")


async def test_each_try_has_its_own_action_id(start_dialer: Start) -> None:
    asterisk, dialer = await start_dialer(["busy", "no answer"])
    assert await dialer.dial(request()) == TryResult(False, "busy")
    assert await dialer.dial(request()) == TryResult(False, "no answer")
    first, second = asterisk.originates
    assert first["ActionID"] != second["ActionID"]


async def test_a_refused_originate_is_a_failed_try(start_dialer: Start) -> None:
    _, dialer = await start_dialer(["refused"])
    assert await dialer.dial(request()) == TryResult(False, "failed: Extension does not exist.")


async def test_no_originate_response_in_time_is_no_response(start_dialer: Start) -> None:
    _, dialer = await start_dialer(["silent"])
    assert await dialer.dial(request(ring_s=0.1)) == TryResult(False, "no response")


async def test_another_actions_response_is_not_taken_for_ours(start_dialer: Start) -> None:
    _, dialer = await start_dialer(["stranger"])
    assert await dialer.dial(request(ring_s=0.1)) == TryResult(False, "no response")


async def test_a_link_lost_while_waiting_is_link_down(start_dialer: Start) -> None:
    asterisk, dialer = await start_dialer(["silent"])
    waiting = asyncio.create_task(dialer.dial(request(ring_s=0.3)))
    await until(lambda: bool(asterisk.originates), "the originate")
    assert dialer.ami.drop()
    assert await waiting == TryResult(False, "link down")


async def test_an_undialable_number_sends_nothing(start_dialer: Start) -> None:
    asterisk, dialer = await start_dialer([])
    assert await dialer.dial(request(number="12;Dial")) == TryResult(False,
                                                                     "failed: not dialable")
    assert asterisk.originates == []


async def test_no_link_is_link_down_at_once() -> None:
    dialer = AmiDialer(Settings(ami_host="127.0.0.1", ami_port=9, ami_secret="s3cret"),
                       dial_pattern=PATTERN, caller_id=CALLER_ID)
    assert await asyncio.wait_for(dialer.dial(request()), 1.0) == TryResult(False, "link down")
