"""The live board's cost in the AMI client: `.venv/bin/python bench/board_bench.py`.

1. ``QueueBoard.to_dict()`` (+ JSON) on a busy board: what one save costs.
2. The AMI client's CPU per queue event at a steady event rate, against the board's size,
   with the board saved after every event (``IVR_BOARD_COALESCE_MS=0``, the old behaviour)
   and coalesced (100 ms): the real ``QueueFollower.apply`` and its publisher, the save
   serialising the board to JSON as ``LiveState.save_board`` does (no redis: its write is
   the same for both). Events come in bursts every 10 ms; each join is followed later by an
   abandon, so the board keeps its size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from ivr.ami.board import QueueBoard
from ivr.ami.events import CallerAbandoned, CallerJoined, MemberUpdated
from ivr.ami.follower import QueueFollower
from ivr.config import Settings

RUNS = 300
QUEUES = ("police", "fire", "ambulance", "emergency", "hotline")


def busy_board(waiting: int = 500) -> QueueBoard:
    """``waiting`` callers over 5 queues, 50 members, 200 abandoned calls."""
    board, now = QueueBoard(), time.time()
    for n in range(waiting):
        queue = QUEUES[n % len(QUEUES)]
        board.apply(CallerJoined(queue, f"{queue}{n}", f"0812{n:06d}", n // 5 + 1), now)
    for queue in QUEUES:
        for m in range(10):
            board.apply(MemberUpdated(queue, f"PJSIP/op{m}", f"op{m}", "not_in_use", False, "",
                                      False), now)
    for i in range(200):
        board.apply(CallerAbandoned("fire", f"x{i}", 5), now)
    return board


def per_run_ms(work) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for _ in range(RUNS):
        work()
    return (time.perf_counter() - start) / RUNS * 1e3


class JsonLive:
    """The follower's redis side without redis: a save costs its JSON, as in LiveState."""

    def __init__(self) -> None:
        self.saves = 0

    async def save_board(self, board: dict[str, Any], reason: str) -> None:
        json.dumps(board)
        json.dumps({"reason": reason, "at": time.time()})
        self.saves += 1

    async def load_board(self) -> dict[str, Any]:
        return {}

    async def beat(self, service: str, details: dict[str, Any]) -> None:
        return None

    async def flatline(self, service: str) -> None:
        return None


async def follower_cost(waiting: int, coalesce_ms: int, events_per_s: int,
                        seconds: float) -> dict[str, float]:
    """CPU per event (µs) and saves per second of the follower at ``events_per_s``."""
    live = JsonLive()
    follower = QueueFollower(Settings(board_coalesce_ms=coalesce_ms), live)
    follower.board = busy_board(waiting)
    bursts, n = int(seconds * 100), 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for b in range(bursts):
        while 2 * n < round((b + 1) * events_per_s / 100):  # a join and an abandon each
            n += 1
            queue = QUEUES[n % len(QUEUES)]
            await follower.apply(CallerJoined(queue, f"b{n}", f"0899{n:06d}", 999))
            await follower.apply(CallerAbandoned(queue, f"b{n}", 3))
        await asyncio.sleep(max(0.0, wall0 + (b + 1) / 100 - time.perf_counter()))
    await follower.publisher.flush()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    events = 2 * n
    return {"waiting": waiting, "coalesce_ms": coalesce_ms, "events": events,
            "events_per_s": events / wall, "cpu_us_per_event": cpu / events * 1e6,
            "cpu_share": cpu / wall, "saves_per_s": live.saves / wall}


async def follower_table(sizes: list[int], rate: int, seconds: float) -> str:
    lines = ["| callers waiting | board coalesce ms | events/s | CPU µs per event | "
             "CPU % of a core | board saves/s |", "|---|---|---|---|---|---|"]
    for waiting in sizes:
        for coalesce in (0, 100):
            r = await follower_cost(waiting, coalesce, rate, seconds)
            lines.append(f"| {waiting} | {coalesce} | {r['events_per_s']:.0f} | "
                         f"{r['cpu_us_per_event']:.0f} | {100 * r['cpu_share']:.0f} | "
                         f"{r['saves_per_s']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 100, 300, 500, 1000])
    parser.add_argument("--events-per-s", type=int, default=300,
                        help="queue events per second (75 calls/s make ~300)")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    board = busy_board()
    plain = per_run_ms(board.to_dict)
    with_json = per_run_ms(lambda: json.dumps(board.to_dict()))
    print(f"500 waiting, 50 members, 200 abandoned: to_dict {plain:.2f} ms, "
          f"to_dict+json {with_json:.2f} ms\n")
    print(asyncio.run(follower_table(args.sizes, args.events_per_s, args.seconds)))


if __name__ == "__main__":
    main()
