"""Registered callers: citizens' numbers with their name and address, shown to the operator.

``store.CallerRegistry`` is the only door to the table (``models.py``); ``entry.py`` checks
what goes in, ``csvfile.py`` reads and writes the CSV (pure).
"""

from __future__ import annotations

from .csvfile import BadCallersCsv
from .entry import (
    BadCallerNumber,
    CallerEntry,
    CallerError,
    InvalidCaller,
    NoSuchCaller,
    RegisteredCaller,
    caller_entry,
    caller_number,
)
from .store import CallerRegistry, ImportReport, RegistryUnavailable

__all__ = ["BadCallerNumber", "BadCallersCsv", "CallerEntry", "CallerError", "CallerRegistry",
           "ImportReport", "InvalidCaller", "NoSuchCaller", "RegisteredCaller",
           "RegistryUnavailable", "caller_entry", "caller_number"]
