"""An agency's inbox: its tickets by deadline, and what agency staff may do with them (pure).

Overdue tickets are red, tickets due within the due-soon window amber. Staff accept a ticket
(in progress), add progress notes (public: on the tracking page and in Open311; or internal),
resolve it with a note, or hand it back with a reason (a ticket not yet accepted too): the
ticket then goes back to ``received`` at the default agency (a setting, the district
government's citizen service office by default), where the hotline re-routes it to the right
agency.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from .errors import InvalidRequest
from .records import HistoryEntry
from .status import FINISHED, Status

NOTE_MAX = 2000
# The start of a hand-back's history line (``hand_back_note``): how the re-route list knows.
HANDED_BACK = "handed back by "


class DeadlineState(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TIME = "on_time"
    FINISHED = "finished"


def deadline_state(status: Status, due_at: datetime, now: datetime,
                   soon: timedelta) -> DeadlineState:
    """Where a ticket stands against its deadline (finished ones no longer count)."""
    if status in FINISHED:
        return DeadlineState.FINISHED
    if due_at < now:
        return DeadlineState.OVERDUE
    return DeadlineState.DUE_SOON if due_at < now + soon else DeadlineState.ON_TIME


def inbox_order(state: DeadlineState, due_at: datetime) -> tuple[int, datetime]:
    """Overdue first, then due soon, on time, finished; each by deadline."""
    return list(DeadlineState).index(state), due_at


def checked_note(text: object, needed: str = "") -> str:
    """A staff note as stored; ``needed`` names what is missing when it must not be empty."""
    note = str(text or "").strip()
    if needed and not note:
        raise InvalidRequest(f"give {needed}", field="note")
    if len(note) > NOTE_MAX:
        raise InvalidRequest(f"a note has at most {NOTE_MAX} characters", field="note")
    return note


def hand_back_note(agency: str, reason: str) -> str:
    """The history line of a hand-back: which agency, and why."""
    return f"{HANDED_BACK}{agency}: {reason}"


def hand_back_reason(status: Status, history: Sequence[HistoryEntry]) -> str | None:
    """Why a ticket waits to be routed on: the note of the hand-back that left it at
    ``received``; None when it is not waiting for that (or the history is not loaded)."""
    if status is not Status.RECEIVED:
        return None
    for line in reversed(history):
        if line.to_status == Status.RECEIVED and line.note.startswith(HANDED_BACK):
            return line.note
        if line.from_status != line.to_status:
            return None  # the last change of status was something else
    return None
