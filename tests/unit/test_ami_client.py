"""The AMI link's edge: replies and QueueStatus lists become typed values; tasks are kept.

The link itself is tested against a fake Asterisk on a real loopback socket
(``ami_fixtures.FakeAsterisk``), through panoramisk as in production.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from ami_fixtures import CALLER_JOIN, FakeAsterisk, until
from panoramisk.message import Message

from ivr.ami import client as client_module
from ivr.ami.client import AmiClient, AmiLinkDown, AmiReply, TaskSet, events_of, reply_of
from ivr.ami.events import CallerJoined, QueueEvent, QueueSeen
from ivr.config import Settings


@pytest.mark.parametrize(
    ("raw", "reply"),
    [
        (Message({"Response": "Success", "Message": "Added interface to queue"}),
         AmiReply(True, "Added interface to queue")),
        (Message({"Response": "Error", "Message": "Unable to add interface: Already there"}),
         AmiReply(False, "Unable to add interface: Already there")),
        (Message({"Response": "Success", "Ping": "Pong"}), AmiReply(True, "")),
        (["not one reply"], AmiReply(False, "['not one reply']")),
    ],
)
def test_reply_of(raw: object, reply: AmiReply) -> None:
    assert reply_of(raw) == reply


def test_events_of_a_queuestatus_list_keeps_the_queue_events_in_order() -> None:
    reply = [
        Message({"Response": "Success", "EventList": "start"}),
        Message({"Event": "QueueParams", "Queue": "fire"}),
        Message({"Event": "QueueEntry", "Queue": "fire", "Position": "1",
                 "CallerIDNum": "0811", "Uniqueid": "1700000000.1", "Wait": "3"}),
        Message({"Event": "QueueStatusComplete", "EventList": "Complete"}),
    ]
    events = events_of(reply)
    assert [type(e) for e in events] == [QueueSeen, CallerJoined]
    assert events[1] == CallerJoined("fire", "1700000000.1", "0811", 1, 3.0)


def test_events_of_a_single_reply() -> None:
    assert events_of(Message({"Response": "Error", "Message": "Permission denied"})) == []


async def test_a_failing_task_is_logged_and_let_go(caplog: pytest.LogCaptureFixture) -> None:
    tasks = TaskSet("AMI test")

    async def broken() -> None:
        raise ConnectionError("redis went away")

    with caplog.at_level(logging.ERROR, logger="ivr.ami.client"):
        task = tasks.spawn(broken(), "saving the board")
        assert len(tasks) == 1
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0)  # the done callback
    assert len(tasks) == 0
    assert "AMI test: saving the board failed" in caplog.text
    assert "redis went away" in caplog.text


async def test_cancelled_tasks_are_not_failures(caplog: pytest.LogCaptureFixture) -> None:
    tasks = TaskSet("AMI test")
    task = tasks.spawn(asyncio.sleep(60), "waiting")
    tasks.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await asyncio.sleep(0)
    assert task.cancelled() and len(tasks) == 0
    assert "failed" not in caplog.text


async def test_an_action_without_a_link_is_refused_at_once() -> None:
    client = AmiClient(Settings(ami_host="127.0.0.1", ami_port=9, ami_secret="s3cret"))
    assert not client.linked
    assert not client.drop()
    with pytest.raises(AmiLinkDown):
        await client.send({"Action": "Ping"}, 1.0)
    with pytest.raises(AmiLinkDown):
        await client.queue_status(1.0)


@dataclass
class Heard:
    """What the client told its owner: logins, lost links, queue events."""

    logins: int = 0
    losses: list[Exception | None] = field(default_factory=list)
    events: list[QueueEvent] = field(default_factory=list)

    def login(self) -> None:
        self.logins += 1


Link = tuple[FakeAsterisk, AmiClient, Heard]
Start = Callable[[list[str]], Awaitable[Link]]


@pytest.fixture
async def start_link() -> AsyncIterator[Start]:
    made: list[tuple[FakeAsterisk, AmiClient]] = []

    async def start(replies: list[str]) -> Link:
        asterisk = FakeAsterisk(replies)
        await asterisk.start()
        heard = Heard()
        client = AmiClient(
            Settings(ami_host="127.0.0.1", ami_port=asterisk.port, ami_secret="s3cret"),
            on_login=heard.login, on_lost=heard.losses.append, on_event=heard.events.append)
        client.connect()
        made.append((asterisk, client))
        await until(lambda: heard.logins == 1 and client.linked, "the first login")
        return asterisk, client, heard

    yield start
    for asterisk, client in made:
        client.close()
        await asterisk.stop()


async def test_login_sends_the_configured_account(start_link: Start) -> None:
    asterisk, _, _ = await start_link(["whole"])
    login = asterisk.actions[0]
    assert (login["Action"], login["Username"], login["Secret"]) == ("Login", "hotline", "s3cret")


async def test_queue_status_over_the_wire(start_link: Start) -> None:
    _, client, _ = await start_link(["whole"])
    events = await client.queue_status(5.0)
    assert [type(e) for e in events] == [QueueSeen, CallerJoined]
    assert events[1] == CallerJoined("fire", "1700000000.1", "0811", 1, 3.0)


async def test_a_queue_status_never_completed_times_out(start_link: Start) -> None:
    _, client, _ = await start_link(["silent"])
    with pytest.raises(TimeoutError):
        await client.queue_status(0.3)


async def test_queueadd_is_resolved_by_its_single_reply(start_link: Start) -> None:
    # panoramisk takes "Added interface to queue" for the start of a list unless told not to.
    asterisk, client, _ = await start_link(["whole"])
    reply = await client.send({"Action": "QueueAdd", "Queue": "fire",
                               "Interface": "PJSIP/op1", "Penalty": "0"}, 2.0)
    assert reply == AmiReply(True, "Added interface to queue")
    assert asterisk.actions[-1]["Interface"] == "PJSIP/op1"


async def test_a_refused_action_is_a_failed_reply(start_link: Start) -> None:
    _, client, _ = await start_link(["whole"])
    reply = await client.send({"Action": "QueueRule"}, 2.0)
    assert reply == AmiReply(False, "Invalid/unknown command")


async def test_queue_events_reach_the_owner_typed(start_link: Start) -> None:
    asterisk, _, heard = await start_link(["whole"])
    await asterisk.push(CALLER_JOIN)
    await until(lambda: bool(heard.events), "the event")
    assert heard.events == [CallerJoined("fire", "1700000000.2", "0822", 2)]


async def test_a_dropped_link_is_reported_and_logged_in_again(start_link: Start) -> None:
    asterisk, client, heard = await start_link(["whole"])
    assert client.drop()
    await until(lambda: len(heard.losses) == 1, "the lost link reported")
    await until(lambda: heard.logins == 2 and client.linked, "a second login")
    assert asterisk.connections == 2
    assert (await client.send({"Action": "Ping"}, 2.0)).success


async def test_a_login_with_no_fullybooted_counts_once_the_wait_is_over(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "READY_WAIT_S", 0.3)
    asterisk = FakeAsterisk(["whole"], logins=["not-booted"])
    await asterisk.start()
    heard = Heard()
    client = AmiClient(Settings(ami_host="127.0.0.1", ami_port=asterisk.port,
                                ami_secret="s3cret"), on_login=heard.login)
    try:
        client.connect()
        await until(lambda: client.linked, "the login reply")
        assert heard.logins == 0  # not told before FullyBooted or the wait
        await until(lambda: heard.logins == 1, "the login told after the wait")
        assert asterisk.connections == 1
    finally:
        client.close()
        await asterisk.stop()


async def test_a_login_with_no_reply_is_dropped_and_tried_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "READY_WAIT_S", 0.3)
    asterisk = FakeAsterisk(["whole"], logins=["silent", "booted"])
    await asterisk.start()
    heard = Heard()
    client = AmiClient(Settings(ami_host="127.0.0.1", ami_port=asterisk.port,
                                ami_secret="s3cret"), on_login=heard.login)
    try:
        client.connect()
        await until(lambda: heard.logins == 1 and client.linked, "a second, answered login")
        assert asterisk.connections == 2
    finally:
        client.close()
        await asterisk.stop()
