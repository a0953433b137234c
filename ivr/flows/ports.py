"""What the flows need from the ticket desk, as a protocol (the tickets package provides it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class CallReport:
    caller_number: str
    language: str
    category: str
    recording_path: str | None
    unique_id: str
    # What the flow knows beyond the recording (e.g. emergency words heard in it).
    description: str = ""


@dataclass(frozen=True)
class TicketStatusView:
    number: str
    status: str
    agency: str
    agency_name: str
    due_at: datetime


class SpeechPort(Protocol):
    """What the flows need from speech recognition (``ivr.speech.Speech`` provides it)."""

    def languages(self) -> frozenset[str]: ...

    async def choose(self, audio: str, language: str,
                     options: dict[str, tuple[str, ...]]) -> Any: ...

    async def spot_emergency(self, audio: str, language: str) -> Any: ...

    async def transcribe(self, audio: str, language: str) -> Any: ...


class TicketDeskPort(Protocol):
    async def open_from_call(self, report: CallReport) -> str: ...

    async def status_by_number(self, number: str) -> TicketStatusView | None: ...

    async def record_emergency_call(self, unique_id: str, caller_number: str, service: str,
                                    queue: str) -> None: ...
