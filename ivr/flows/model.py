"""IVR flows as data: a flow is menus; a key leads to an action (frozen dataclasses).

The YAML files in ``dialplan/flows/`` are parsed into these by ``loader.py`` and checked by
``validate.py``; ``engine.py`` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..dialplan_vars import DTMF_KEYS

KEYS = tuple(DTMF_KEYS)


@dataclass(frozen=True)
class GoToMenu:
    menu: str


@dataclass(frozen=True)
class JoinQueue:
    """End the menu: the caller waits in ``queue`` (higher priority is answered first)."""

    queue: str
    priority: int = 0
    prompt: str = ""


@dataclass(frozen=True)
class SetLanguage:
    language: str
    next: str


@dataclass(frozen=True)
class RecordReport:
    """Record the caller's description, open a ticket, read its number back twice."""

    category: str
    next: str
    prompt: str = "record-description"
    max_seconds: int = 60
    silence_seconds: int = 5


@dataclass(frozen=True)
class TicketStatus:
    """Ask for a ticket number and read its status, agency and due date."""

    prompt: str
    next: str
    tries: int = 2


@dataclass(frozen=True)
class SwitchFlow:
    """Continue in another number's flow (12345 → 112)."""

    flow: str


@dataclass(frozen=True)
class Transfer:
    """Send the call to another number of this hotline's dialplan."""

    number: str


@dataclass(frozen=True)
class HangUp:
    prompt: str = ""


@dataclass(frozen=True)
class Play:
    prompt: str
    next: str


Action = (GoToMenu | JoinQueue | SetLanguage | RecordReport | TicketStatus | SwitchFlow
          | Transfer | HangUp | Play)
# Actions that end the menu part of a call.
TERMINAL = (JoinQueue, SwitchFlow, Transfer, HangUp)


@dataclass(frozen=True)
class Menu:
    name: str
    prompt: str
    timeout_s: float
    retries: int
    keys: dict[str, Action]
    otherwise: Action
    no_input: Action | None = None
    invalid_prompt: str = "invalid-choice"
    no_input_prompt: str = "no-input"
    # Spoken choices: language -> key -> phrases a caller may say instead of pressing the key.
    words: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Flow:
    number: str
    name: str
    start: str
    menus: dict[str, Menu]
    fallback_queue: str
    languages: tuple[str, ...] = ("id", "en")
    default_language: str = "id"
    emergency: bool = False
    source: str = ""


def next_menu(action: Action) -> str | None:
    """The menu an action continues in, if any."""
    if isinstance(action, GoToMenu):
        return action.menu
    if isinstance(action, SetLanguage | RecordReport | TicketStatus | Play):
        return action.next
    return None


def menu_actions(menu: Menu) -> list[tuple[str, Action]]:
    """Every action of a menu with where it is (``keys.1``, ``otherwise``, ``no_input``)."""
    places: list[tuple[str, Action]] = [(f"keys.{k}", a) for k, a in menu.keys.items()]
    places.append(("otherwise", menu.otherwise))
    if menu.no_input is not None:
        places.append(("no_input", menu.no_input))
    return places


def reachable_menus(flow: Flow) -> list[str]:
    """The menus a caller can reach from the start, in the order they meet them."""
    seen: list[str] = []
    todo = [flow.start]
    while todo:
        name = todo.pop(0)
        if name in seen or name not in flow.menus:
            continue
        seen.append(name)
        todo.extend(m for _, a in menu_actions(flow.menus[name]) if (m := next_menu(a)))
    return seen


@dataclass(frozen=True)
class FlowIssue:
    """One problem in a flow file: where (file, line, path) and what."""

    source: str
    where: str
    message: str
    line: int | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        place = f"{self.source}:{self.line}" if self.line else self.source
        return f"{place}: {self.where}: {self.message}"


@dataclass(frozen=True)
class FlowSet:
    """All flows in use, by number; what a call snapshots when it starts."""

    flows: dict[str, Flow] = field(default_factory=dict)
    version: str = ""
