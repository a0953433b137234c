"""What the flows need from the outside, as protocols: the call, speech, the ticket desk.

``ivr.agi.channel.AgiChannel`` is the call, ``ivr.speech.Speech`` the speech and
``ivr.tickets.desk.TicketDesk`` the desk; tests give fakes of the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol


class PromptPlayer(Protocol):
    """A call that can be played a prompt (what the speaker needs)."""

    async def stream_file(self, prompt: Path | str, escape_digits: str = "") -> str:
        """Play a prompt (path without extension); the key that interrupted it, if any."""
        ...


class CallChannel(PromptPlayer, Protocol):
    """One call as the flow engine drives it."""

    @property
    def unique_id(self) -> str: ...

    @property
    def caller_number(self) -> str: ...

    async def get_data(self, prompt: Path | str, timeout_ms: int, max_digits: int) -> str:
        """Play a prompt and collect up to max_digits keys; '' when none came in time."""
        ...

    async def record_file(self, path: Path | str, max_seconds: int, silence_seconds: int,
                          escape_digits: str = "#", beep: bool = True) -> str:
        """Record the caller into ``path``.wav; the key that ended it, if any."""
        ...

    async def set_variable(self, name: str, value: str) -> None: ...

    async def set_variables(self, values: Mapping[str, str]) -> None:
        """Several variables, in order (one round trip where the channel can)."""
        ...


@dataclass(frozen=True)
class Heard:
    """The words speech made of a recording ('' for none, or when speech could not run)."""

    text: str


@dataclass(frozen=True)
class SpokenChoice:
    """The menu option the caller said (None: none, or not surely enough) and what was heard."""

    option: str | None
    recognition: Heard


@dataclass(frozen=True)
class EmergencyCheck:
    """The configured emergency phrases heard in a recording (empty if none)."""

    words: tuple[str, ...]
    recognition: Heard


@dataclass(frozen=True)
class CallReport:
    """A report recorded in a call, as the ticket desk opens a ticket from it."""

    caller_number: str
    language: str
    category: str
    recording_path: str | None
    unique_id: str
    # What the flow knows beyond the recording (e.g. emergency words heard in it).
    description: str = ""


@dataclass(frozen=True)
class TicketStatusView:
    """What a caller asking after their ticket is told."""

    number: str
    status: str
    agency: str
    agency_name: str
    due_at: datetime


class SpeechPort(Protocol):
    """What the flows need from speech recognition (``ivr.speech.Speech`` provides it)."""

    def languages(self) -> frozenset[str]: ...

    async def choose(self, audio: str, language: str,
                     options: Mapping[str, Sequence[str]]) -> SpokenChoice: ...

    async def spot_emergency(self, audio: str, language: str) -> EmergencyCheck: ...

    async def transcribe(self, audio: str, language: str) -> Heard: ...


class TicketDeskPort(Protocol):
    """What the flows need from the ticket desk (``ivr.tickets.desk.TicketDesk``)."""

    async def open_from_call(self, report: CallReport) -> str: ...

    async def status_by_number(self, number: str) -> TicketStatusView | None: ...

    def record_emergency_call(self, unique_id: str, caller_number: str, service: str,
                              queue: str) -> None:
        """Hand over a 112 call's incident record: the desk keeps it (database or spool)
        without the caller waiting for it, and never raises for it."""
        ...

    async def attach_transcript(self, number: str, transcript: str) -> bool:
        """Add a recording's transcript to its ticket; False when it could not be stored."""
        ...
