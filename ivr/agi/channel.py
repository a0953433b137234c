"""An AGI session as a few typed commands, each with a time-out.

Only this module writes to the AGI socket; flows call these methods. The time-out is one
timer per session, not one per command: the timer looks at when the command now waiting was
sent and sets itself again from there (a timer per command, ``asyncio.timeout``, cost more
per call: bench/README.md section 11).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .protocol import (
    AgiCommandError,
    AgiError,
    AgiHangup,
    AgiResult,
    digits_from,
    key_from,
    mset_argument,
    parse_reply,
    quote,
)

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)

# A command that plays audio can run as long as its prompt; this caps a stuck Asterisk.
COMMAND_TIMEOUT = 120.0


class LineReader(Protocol):
    """Where AGI replies come from (an ``asyncio.StreamReader``, or the classic launcher's
    stdin)."""

    async def readline(self) -> bytes: ...


class CommandWriter(Protocol):
    """Where AGI command lines go (an ``asyncio.StreamWriter``)."""

    def write(self, data: bytes) -> None: ...

    async def drain(self) -> None: ...


class AgiChannel:
    """One call's AGI session over a stream pair (the ``CallChannel`` of the flows)."""

    def __init__(
        self,
        headers: dict[str, str],
        reader: LineReader,
        writer: CommandWriter,
        *,
        command_timeout: float | None = COMMAND_TIMEOUT,
    ) -> None:
        """``command_timeout`` None: no time-out per command (the classic launcher, a process
        per call that runs without an event loop; Asterisk ends it when the call ends)."""
        self.headers = headers
        self._reader = reader
        self._writer = writer
        self._timeout = command_timeout
        self.hung_up = False
        self._asked_at: float | None = None  # loop time the command waiting was sent
        self._waiter: asyncio.Task[object] | None = None  # the task waiting for its reply
        self._watch: asyncio.TimerHandle | None = None
        self._timed_out = False

    @property
    def caller_number(self) -> str:
        number = self.headers.get("agi_callerid", "")
        return "" if number == "unknown" else number

    @property
    def unique_id(self) -> str:
        return self.headers.get("agi_uniqueid", "")

    @property
    def script(self) -> str:
        return self.headers.get("agi_network_script", "")

    async def command(self, text: str) -> AgiResult:
        """Send one command line and return its parsed ``200`` reply."""
        if self.hung_up:
            raise AgiHangup("caller already hung up")
        log.debug("%s > %s", self.unique_id, text)
        self._writer.write(text.encode() + b"\n")
        await self._writer.drain()
        try:
            if self._timeout is None:
                return await self._read_reply()
            return await self._reply_in_time(text, self._timeout)
        except AgiHangup:
            self.hung_up = True
            raise

    async def _reply_in_time(self, text: str, timeout_s: float) -> AgiResult:
        """The reply, or :class:`AgiError` when none came within ``timeout_s``."""
        import asyncio  # here: the classic launcher (no time-out) never imports asyncio

        loop = asyncio.get_running_loop()
        self._asked_at = loop.time()
        self._waiter = asyncio.current_task()
        if self._watch is None:
            self._watch = loop.call_at(self._asked_at + timeout_s, self._check_reply_time)
        try:
            return await self._read_reply()
        except asyncio.CancelledError:
            if not self._timed_out:
                raise
            self._timed_out = False
            assert self._waiter is not None
            if self._waiter.uncancel() > 0:  # cancelled from outside as well
                raise
            raise AgiError(f"no reply to {text!r} within {timeout_s} s") from None
        finally:
            self._asked_at = None

    def _check_reply_time(self) -> None:
        """The session's timer: time the command waiting now out, or set itself again."""
        import asyncio

        self._watch = None
        if self._asked_at is None or self._timeout is None:
            return  # no command waiting: the next one sets the timer
        due = self._asked_at + self._timeout
        loop = asyncio.get_running_loop()
        if loop.time() < due:
            self._watch = loop.call_at(due, self._check_reply_time)
        elif self._waiter is not None:
            self._timed_out = True
            self._waiter.cancel()

    def close(self) -> None:
        """The session is over: its timer goes (and with it the reference to this channel)."""
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None

    async def _read_reply(self) -> AgiResult:
        while True:
            try:
                raw = await self._reader.readline()
            except ValueError as exc:  # a line over the stream's buffer: not Asterisk speaking
                raise AgiError("an AGI reply line over the stream's buffer") from exc
            if not raw:
                raise AgiHangup("AGI session closed by Asterisk")
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            log.debug("%s < %s", self.unique_id, line)
            if line.startswith("100 "):
                continue
            if line.startswith("520-"):
                await self._drain_usage()
                raise AgiCommandError(line)
            return parse_reply(line)

    async def _drain_usage(self) -> None:
        while True:
            raw = await self._reader.readline()
            if not raw or raw.startswith(b"520 "):
                return

    async def answer(self) -> None:
        await self.command("ANSWER")

    async def stream_file(self, prompt: Path | str, escape_digits: str = "") -> str:
        """Play a prompt (path without extension); the key that interrupted it, if any."""
        return key_from(await self.command(f"STREAM FILE {prompt} {quote(escape_digits)}"))

    async def get_data(self, prompt: Path | str, timeout_ms: int, max_digits: int) -> str:
        """Play a prompt and collect up to max_digits keys; '' when none came in time."""
        result = await self.command(f"GET DATA {prompt} {timeout_ms} {max_digits}")
        return digits_from(result)

    async def record_file(self, path: Path | str, max_seconds: int, silence_seconds: int,
                          escape_digits: str = "#", beep: bool = True) -> str:
        """Record the caller into ``path``.wav (after a beep); ends on a key, silence or time."""
        result = await self.command(
            f"RECORD FILE {path} wav {quote(escape_digits)} {max_seconds * 1000} 0"
            f"{' BEEP' if beep else ''} s={silence_seconds}")
        # "200 result=35 (dtmf) endpos=…" names the key; after silence or the time limit
        # Asterisk puts other numbers in result, which are not keys.
        return key_from(result) if result.data == "dtmf" else ""

    async def set_variable(self, name: str, value: str) -> None:
        await self.command(f"SET VARIABLE {name} {quote(value)}")

    async def set_variables(self, values: Mapping[str, str]) -> None:
        """Several variables, in order, in one round trip (``EXEC MSet``) where each value
        is plain (``mset_argument``); else one ``SET VARIABLE`` each. A 112 caller's queue,
        priority, service, language and next step were five round trips (bench/README.md
        section 11)."""
        argument = mset_argument(values) if len(values) > 1 else None
        if argument is None:
            for name, value in values.items():
                await self.set_variable(name, value)
            return
        result = await self.command(f"EXEC MSet {quote(argument)}")
        if result.value == "-2":  # Asterisk's answer to EXEC of an unknown application
            raise AgiCommandError("Asterisk has no MSet application: variables not set")

    async def get_variable(self, name: str) -> str:
        result = await self.command(f"GET VARIABLE {name}")
        return result.data if result.value == "1" else ""

    async def verbose(self, message: str, level: int = 1) -> None:
        await self.command(f"VERBOSE {quote(message)} {level}")


__all__ = ["AgiChannel", "AgiCommandError", "AgiError", "AgiHangup", "CommandWriter",
           "LineReader"]
