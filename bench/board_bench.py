"""QueueBoard.to_dict() cost on a busy board: `.venv/bin/python bench/board_bench.py`."""

import json
import time

from ivr.ami.board import QueueBoard
from ivr.ami.events import CallerAbandoned, CallerJoined, MemberUpdated

RUNS = 300


def busy_board() -> QueueBoard:
    """500 waiting callers, 50 members, 200 abandoned calls."""
    board, now = QueueBoard(), time.time()
    for queue in ("police", "fire", "ambulance", "emergency", "hotline"):
        for i in range(100):
            board.apply(CallerJoined(queue, f"{queue}{i}", f"0812{i:06d}", i + 1), now)
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


if __name__ == "__main__":
    board = busy_board()
    plain = per_run_ms(board.to_dict)
    with_json = per_run_ms(lambda: json.dumps(board.to_dict()))
    print(f"500 waiting, 50 members, 200 abandoned: to_dict {plain:.2f} ms, "
          f"to_dict+json {with_json:.2f} ms")
