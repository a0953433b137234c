"""A fake Asterisk speaking the AMI wire protocol on loopback, for the AMI link's tests.

It answers Login, Ping, QueueStatus and QueueAdd as Asterisk 22 does (wire examples below),
every other action with ``Response: Error``, and pushes events on demand.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

WAIT_S = 8.0  # generous: panoramisk reconnects 1 s after a drop (its minimum)

QUEUE_PARAMS = "Event: QueueParams\r\nQueue: fire\r\nMax: 0\r\nCalls: 1\r\n"
QUEUE_ENTRY = ("Event: QueueEntry\r\nQueue: fire\r\nPosition: 1\r\nCallerIDNum: 0811\r\n"
               "Uniqueid: 1700000000.1\r\nWait: 3\r\n")
CALLER_JOIN = ("Event: QueueCallerJoin\r\nPrivilege: agent,all\r\nQueue: fire\r\nPosition: 2\r\n"
               "Count: 2\r\nCallerIDNum: 0822\r\nUniqueid: 1700000000.2\r\n\r\n")


class FakeAsterisk:
    """An AMI peer on loopback; ``replies[n]`` says how connection n answers QueueStatus.

    ``whole``: the full reply. ``cut``: the ack and one event, then the link is closed.
    ``silent``: the ack and one event, then nothing more (the link stays up).
    ``actions`` is every action received, in order. ``logins[n]`` says how connection n
    answers its Login: ``booted`` (the reply, then FullyBooted: Asterisk up), ``not-booted``
    (the reply only), ``silent`` (no reply).
    """

    def __init__(self, replies: list[str], logins: list[str] | None = None) -> None:
        self.replies = replies
        self.logins = logins or ["booted"]
        self.connections = 0
        self.status_asked = 0
        self.actions: list[dict[str, str]] = []
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

    async def push(self, event: str) -> None:
        """Send an event on the newest connection."""
        writer = self.writers[-1]
        writer.write(event.encode())
        await writer.drain()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        mode = self.replies[min(self.connections, len(self.replies) - 1)]
        self.login_mode = self.logins[min(self.connections, len(self.logins) - 1)]
        self.connections += 1
        self.writers.append(writer)
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        try:
            while True:
                action = await read_action(reader)
                if action is None:
                    return
                self.actions.append(action)
                if not await self._answer(action, mode, writer):
                    return
        except ConnectionError:
            return

    async def _answer(self, action: dict[str, str], mode: str,
                      writer: asyncio.StreamWriter) -> bool:
        name, action_id = action.get("Action", "").lower(), action.get("ActionID", "")
        tag = f"ActionID: {action_id}\r\n"
        if name == "login" and self.login_mode == "silent":
            pass
        elif name == "login":
            booted = ("Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Ready\r\n\r\n"
                      if self.login_mode == "booted" else "")
            writer.write(f"Response: Success\r\n{tag}Message: Authentication accepted\r\n\r\n"
                         f"{booted}".encode())
        elif name == "ping":
            writer.write(f"Response: Success\r\n{tag}Ping: Pong\r\n\r\n".encode())
        elif name == "queueadd":
            writer.write(f"Response: Success\r\n{tag}Message: Added interface to queue\r\n\r\n"
                         .encode())
        elif name == "queuestatus":
            self.status_asked += 1
            writer.write(f"Response: Success\r\n{tag}EventList: start\r\n"
                         f"Message: Queue status will follow\r\n\r\n"
                         f"{QUEUE_PARAMS}{tag}\r\n".encode())
            if mode == "cut":
                await writer.drain()
                writer.close()
                return False
            if mode == "whole":
                writer.write(f"{QUEUE_ENTRY}{tag}\r\nEvent: QueueStatusComplete\r\n{tag}"
                             "EventList: Complete\r\nListItems: 2\r\n\r\n".encode())
        else:
            writer.write(f"Response: Error\r\n{tag}Message: Invalid/unknown command\r\n\r\n"
                         .encode())
        await writer.drain()
        return True


async def read_action(reader: asyncio.StreamReader) -> dict[str, str] | None:
    """The next action's headers, or None once the client has gone."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = raw.decode().strip().split("\r\n")
    return dict(line.split(": ", 1) for line in lines if ": " in line)


async def until(check: Callable[[], bool], what: str) -> None:
    """Wait (polling) until ``check()`` holds; fail after ``WAIT_S``."""
    deadline = time.monotonic() + WAIT_S
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT_S:.0f} s: {what}")
        await asyncio.sleep(0.05)
