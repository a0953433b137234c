"""The ticket status machine; pure.

received -> assigned -> in_progress -> resolved -> closed, with rejected and duplicate as
final states reachable before resolution, an assigned or accepted ticket handed back to
received by its agency (the hotline re-routes it), and resolved reopened to in_progress when the
citizen says it is not fixed. Open311 knows only open/closed: ``open311_status`` maps.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import InvalidRequest, InvalidTransition


class Status(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


_EARLY_EXITS = frozenset({Status.REJECTED, Status.DUPLICATE})

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.ASSIGNED, Status.IN_PROGRESS}) | _EARLY_EXITS,
    Status.ASSIGNED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.RECEIVED})
    | _EARLY_EXITS,
    Status.IN_PROGRESS: frozenset({Status.RESOLVED, Status.ASSIGNED, Status.RECEIVED})
    | _EARLY_EXITS,
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.DUPLICATE: frozenset(),
}

# Statuses where the agency's clock no longer runs (no overdue, no escalation).
FINISHED = frozenset({Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.DUPLICATE})
# Open311's view: everything the city still works on is "open".
OPEN311_CLOSED = frozenset({Status.CLOSED, Status.RESOLVED, Status.REJECTED, Status.DUPLICATE})


def parse_status(text: str) -> Status:
    try:
        return Status(text)
    except ValueError:
        raise InvalidTransition(f"unknown status {text!r}", status=text) from None


def check_transition(current: Status, target: Status) -> None:
    """Raise InvalidTransition unless ``current -> target`` is allowed."""
    if target not in ALLOWED[current]:
        raise InvalidTransition(f"a ticket cannot go from {current} to {target}",
                                current=str(current), target=str(target))


def open311_status(status: Status) -> str:
    return "closed" if status in OPEN311_CLOSED else "open"


def statuses_for_open311(value: str) -> frozenset[Status]:
    """Our statuses behind an Open311 status filter value ("open" or "closed")."""
    if value == "closed":
        return OPEN311_CLOSED
    if value == "open":
        return frozenset(Status) - OPEN311_CLOSED
    raise InvalidRequest(f"status must be open or closed, not {value!r}", status=value)
