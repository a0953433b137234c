"""The wallboard's figures from a stored queue board (pure: the time is passed in)."""

from __future__ import annotations

from typing import Any

from ..stats.queue_day import queue_figures


def _queue(name: str, queue: dict[str, Any], day: dict[str, Any], now: float,
           levels_s: tuple[int, ...]) -> dict[str, Any]:
    waits = [max(0, round(now - c["joined_at"])) for c in queue.get("waiting", [])]
    figures = queue_figures(day.get("answer_waits", []), day.get("abandon_waits", []), levels_s)
    return {
        "name": name,
        "waiting": len(waits),
        "longest_wait_s": max(waits, default=0),
        "callers": [{"caller_number": c["caller_number"], "waited_s": w,
                     "language": c.get("language", ""), "ticket": c.get("ticket", "")}
                    for c, w in zip(queue.get("waiting", []), waits, strict=True)],
        "answered": figures.answered,
        "abandoned": figures.abandoned,
        "offered": figures.offered,
        "service_level": {str(t): share for t, share in figures.service_level.items()},
        "average_speed_of_answer_s": figures.average_speed_of_answer_s,
        "abandon_rate": figures.abandon_rate,
    }


def _operators(snapshot: dict[str, Any], now: float) -> list[dict[str, Any]]:
    """One line per operator (member name), over all the queues they serve."""
    people: dict[str, dict[str, Any]] = {}
    offers = snapshot.get("offers", {})
    for queue_name, queue in sorted(snapshot.get("queues", {}).items()):
        for member in queue.get("members", {}).values():
            person = people.setdefault(member["name"], {
                "name": member["name"], "state": member["state"], "paused": member["paused"],
                "paused_reason": member["paused_reason"], "in_call": member["in_call"],
                "since": member["since"], "queues": []})
            person["queues"].append(queue_name)
            person["since"] = max(person["since"], member["since"])
    for person in people.values():
        offer = offers.get(person["name"])
        person["call"] = offer["state"] if offer else ""
        person["in_state_s"] = max(0, round(now - person.pop("since")))
    return sorted(people.values(), key=lambda p: p["name"])


def wallboard_view(snapshot: dict[str, Any], now: float, levels_s: tuple[int, ...]
                   ) -> dict[str, Any]:
    today = snapshot.get("today", {})
    names = sorted(set(snapshot.get("queues", {})) | set(today))
    return {
        "at": now,
        "day": snapshot.get("day", ""),
        "levels_s": list(levels_s),
        "queues": [_queue(n, snapshot.get("queues", {}).get(n, {}), today.get(n, {}), now,
                          levels_s) for n in names],
        "abandoned": [{"queue": a["queue"], "caller_number": a["caller_number"],
                       "at": a["at"], "waited_s": a["waited_s"]}
                      for a in reversed(snapshot.get("abandoned", []))],
        "operators": _operators(snapshot, now),
    }
