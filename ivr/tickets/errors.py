"""Domain errors with a stable id; the web edge maps them to HTTP (Open311 error bodies)."""

from __future__ import annotations

from ..errors import DomainError


class TicketError(DomainError):
    """Base of every ticket error; ``error_id`` is stable and safe to show to clients."""

    error_id = "ticket-error"


class InvalidTicketNumber(TicketError):
    error_id = "invalid-ticket-number"


class NoSuchTicket(TicketError):
    error_id = "no-such-ticket"


class UnknownCategory(TicketError):
    error_id = "unknown-category"


class InvalidTransition(TicketError):
    error_id = "invalid-status-transition"


class InvalidRequest(TicketError):
    """Caller input that breaks a limit or a rule (too long, missing, malformed)."""

    error_id = "invalid-request"


class StoreUnavailable(TicketError):
    """The database cannot be reached and the ticket is not in the local spool either."""

    error_id = "store-unavailable"


class NotAuthorized(TicketError):
    """An Open311 write without a valid API key."""

    error_id = "api-key-invalid"
