"""The record a wrap-up code becomes (pure: the spool and the classic AGI launcher import it
without the database library; ``store`` writes it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CallCode:
    """The wrap-up code an operator gave an answered queue call."""

    unique_id: str
    operator: str
    code: str
    at: datetime
    queue: str = ""
    caller_number: str = ""
