"""What changed on the wallboard between two of its bodies (pure), and applying it back.

``GET /api/v1/events?want=board-delta`` sends the whole body once (``event: board``), then
only what changed (``event: board-delta``): the queues and operators whose figures changed,
the order of all of them, the abandoned list when it changed. A stream's cost then follows
the events, not the size of the board. Waits tick with the clock, so they are not a change:
the client moves the kept ones on by the time between the two bodies (``at``), as it ticks
them between events anyway.
"""

from __future__ import annotations

from typing import Any

TICKING = frozenset({"waited_s", "longest_wait_s", "in_state_s"})  # seconds that grow with `at`
SETTINGS_KEYS = ("day", "levels_s", "silent_after_s", "scope", "nodes")


def steady(entry: dict[str, Any]) -> dict[str, Any]:
    """A queue or operator without the seconds that grow on their own (nor its callers')."""
    kept = {k: v for k, v in entry.items() if k not in TICKING}
    if "callers" in kept:
        kept["callers"] = [{k: v for k, v in c.items() if k not in TICKING}
                           for c in kept["callers"]]
    return kept


def _changed(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    before = {e["name"]: steady(e) for e in old}
    return [e for e in new if before.get(e["name"]) != steady(e)]


def board_delta(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The ``board-delta`` event from ``old`` to ``new`` (two ``wallboard_view`` bodies)."""
    delta: dict[str, Any] = {"at": new["at"]}
    delta.update({k: new[k] for k in SETTINGS_KEYS if old.get(k) != new.get(k)})
    for part in ("queues", "operators"):
        changed = _changed(old[part], new[part])
        names = [e["name"] for e in new[part]]
        if changed or names != [e["name"] for e in old[part]]:
            delta[part], delta[part + "_order"] = changed, names
    if old["abandoned"] != new["abandoned"]:
        delta["abandoned"] = new["abandoned"]
    return delta


def is_empty(delta: dict[str, Any]) -> bool:
    """Nothing but the time changed: no event needs sending."""
    return delta.keys() == {"at"}


def _moved_on(entry: dict[str, Any], seconds: float) -> dict[str, Any]:
    if entry.get("callers") == []:  # an empty queue's longest wait stays 0
        return entry
    moved = {k: v + seconds if k in TICKING else v for k, v in entry.items()}
    if "callers" in moved:
        moved["callers"] = [_moved_on(c, seconds) for c in moved["callers"]]
    return moved


def apply_delta(board: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    """The body ``delta`` leads to from ``board`` (what ``wallboard.js`` does, for tests and
    the benchmark's stream client); kept entries' waits move on by the time between them."""
    seconds = delta["at"] - board["at"]
    result = {**board, **{k: v for k, v in delta.items() if not k.endswith("_order")}}
    for part in ("queues", "operators"):
        if part + "_order" not in delta:
            result[part] = [_moved_on(e, seconds) for e in board[part]]
            continue
        fresh = {e["name"]: e for e in delta[part]}
        kept = {e["name"]: _moved_on(e, seconds) for e in board[part]}
        result[part] = [fresh.get(name) or kept[name] for name in delta[part + "_order"]]
    return result
