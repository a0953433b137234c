"""The wallboard's figures from a stored queue board, or from every live node's board of a
cluster (pure: the time is passed in)."""

from __future__ import annotations

from typing import Any

from ..ami.board import Member, QueueBoard, QueueDay, QueueState, is_silent, wait_start
from ..cluster.board import NodeBoard, merge_boards
from ..stats.queue_day import queue_figures


def _queue(name: str, queue: QueueState, day: QueueDay, now: float,
           levels_s: tuple[int, ...], silent_after_s: float) -> dict[str, Any]:
    waits = [max(0, round(now - wait_start(name, c))) for c in queue.waiting]
    figures = queue_figures(day.answer_waits, day.abandon_waits, levels_s)
    return {
        "name": name,
        "waiting": len(waits),
        "longest_wait_s": max(waits, default=0),
        "callers": [{"caller_number": c.caller_number, "waited_s": w,
                     "language": c.language, "ticket": c.ticket, "keyed": c.keyed,
                     "virtual": c.virtual,
                     "silent": is_silent(name, c.keyed, w, silent_after_s)}
                    for c, w in zip(queue.waiting, waits, strict=True)],
        "answered": figures.answered,
        "abandoned": figures.abandoned,
        "offered": figures.offered,
        "service_level": {str(t): share for t, share in figures.service_level.items()},
        "average_speed_of_answer_s": figures.average_speed_of_answer_s,
        "abandon_rate": figures.abandon_rate,
    }


def _person(member: Member) -> dict[str, Any]:
    return {"name": member.name, "state": member.state, "paused": member.paused,
            "paused_reason": member.paused_reason, "in_call": member.in_call,
            "since": member.since, "queues": []}


def _operators(board: QueueBoard, now: float) -> list[dict[str, Any]]:
    """One line per operator (member name), over all the queues they serve."""
    people: dict[str, dict[str, Any]] = {}
    for queue_name, queue in sorted(board.queues.items()):
        for member in queue.members.values():
            person = people.setdefault(member.name, _person(member))
            person["queues"].append(queue_name)
            person["since"] = max(person["since"], member.since)
    for person in people.values():
        offer = board.offers.get(person["name"])
        person["call"] = offer.state if offer else ""
        person["in_state_s"] = max(0, round(now - person.pop("since")))
    return sorted(people.values(), key=lambda p: p["name"])


def wallboard_view(board: QueueBoard, now: float, levels_s: tuple[int, ...],
                   silent_after_s: float = 8.0) -> dict[str, Any]:
    """``silent_after_s``: a 112 caller with no key for that long is shown as silent (the
    wallboard ticks waits between events, so its page marks a caller silent on its own too:
    ``silent_after_s`` is sent along)."""
    names = sorted(set(board.queues) | set(board.today))
    return {
        "at": now,
        "day": board.day,
        "levels_s": list(levels_s),
        "silent_after_s": silent_after_s,
        "queues": [_queue(n, board.queues.get(n) or QueueState(n),
                          board.today.get(n) or QueueDay(), now, levels_s, silent_after_s)
                   for n in names],
        "abandoned": [{"queue": a.queue, "caller_number": a.caller_number,
                       "at": a.at, "waited_s": a.waited_s, "callback": a.callback}
                      for a in reversed(board.abandoned)],
        "operators": _operators(board, now),
    }


def cluster_wallboard(nodes: list[NodeBoard], now: float, levels_s: tuple[int, ...],
                      silent_after_s: float = 8.0) -> dict[str, Any]:
    """The wallboard's body (``wallboard_view``) over the live nodes' boards, with each
    caller's and operator's node and the list of nodes (pure)."""
    merged = merge_boards({n.name: n.board for n in nodes if n.alive and n.board is not None})
    view = wallboard_view(merged.board, now, levels_s, silent_after_s)
    for queue in view["queues"]:
        state = merged.board.queues.get(queue["name"]) or QueueState(queue["name"])
        for shown, caller in zip(queue["callers"], state.waiting, strict=True):
            shown["node"] = merged.caller_node[caller.unique_id]
        by_node: dict[str, int] = {}
        for caller in state.waiting:
            node = merged.caller_node[caller.unique_id]
            by_node[node] = by_node.get(node, 0) + 1
        queue["waiting_by_node"] = by_node
    for person in view["operators"]:
        person["node"] = merged.operator_node.get(person["name"], "")
    view["scope"] = "cluster"
    view["nodes"] = [{"name": n.name, "alive": n.alive, "shown": n.alive and n.board is not None}
                     for n in nodes]
    return view
