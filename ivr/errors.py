"""The base of every domain error: a stable id for clients, a message, details (pure).

Services raise these; they know nothing of HTTP. ``ivr/web/errors.py`` holds the one table
from error ids to HTTP statuses and turns any of them into the API's error body.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; ``error_id`` is stable and the message safe to show."""

    error_id = "domain-error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, object] = details
