"""The catalog's history and the way back (pure).

Every save of a catalog entry is kept as a change: the entry before (None when it was new)
and after (None when it was removed). Going back on a change restores its before state as a
new change of its own, so the history only grows and going back can itself be undone. An
entry that was new is retired rather than removed when it is a category, an agency or a
district (tickets may point at it already). Going back on a change the entry has moved on
from is refused: it would silently undo the later changes too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .catalog_rules import RETIRED_KINDS, CatalogChangedSince, Entry


@dataclass(frozen=True)
class Change:
    id: int
    at: datetime
    actor: str
    kind: str
    code: str
    before: Entry | None
    after: Entry | None

    def summary(self) -> str:
        """What happened, as the history lists it."""
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        if self.before.get("active") and not self.after.get("active", True):
            return "retired"
        if not self.before.get("active", True) and self.after.get("active"):
            return "restored"
        changed = sorted(k for k in {**self.before, **self.after}
                         if self.before.get(k) != self.after.get(k))
        return "changed " + ", ".join(changed) if changed else "saved unchanged"


def going_back(change: Change, current: Entry | None) -> Entry | None:
    """What the entry becomes when an admin goes back on ``change`` (None: removed)."""
    if current != change.after:
        raise CatalogChangedSince(
            f"{change.kind} {change.code!r} was changed after change {change.id}; "
            "go back on the later change first", change=change.id)
    if change.before is not None:
        return dict(change.before)
    if change.kind in RETIRED_KINDS and change.after is not None:
        return {**change.after, "active": False}
    return None


def change_json(change: Change) -> dict[str, Any]:
    return {"id": change.id, "at": change.at.isoformat(), "actor": change.actor,
            "kind": change.kind, "code": change.code, "before": change.before,
            "after": change.after, "summary": change.summary()}
