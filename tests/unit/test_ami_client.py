"""The AMI link's edge: replies and QueueStatus lists become typed values; tasks are kept."""

from __future__ import annotations

import asyncio
import logging

import pytest
from panoramisk.message import Message

from ivr.ami.client import AmiClient, AmiLinkDown, AmiReply, TaskSet, events_of, reply_of
from ivr.ami.events import CallerJoined, QueueSeen
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
