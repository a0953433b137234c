"""QueueBoard.to_dict() cost on a busy board: `.venv/bin/python bench/board_bench.py`."""
import time, json
from ivr.ami.board import QueueBoard
from ivr.ami.events import CallerJoined, MemberUpdated, CallerAbandoned
b = QueueBoard()
now = time.time()
for q in ("police","fire","ambulance","emergency","hotline"):
    for i in range(100):
        b.apply(CallerJoined(q, f"{q}{i}", f"0812{i:06d}", i+1), now)
    for m in range(10):
        b.apply(MemberUpdated(q, f"PJSIP/op{m}", f"op{m}", "not_in_use", False, "", False), now)
for i in range(200):
    b.apply(CallerAbandoned("fire", f"x{i}", 5), now)
n = 300
t = time.perf_counter()
for _ in range(n): d = b.to_dict()
t1 = (time.perf_counter() - t) / n
t = time.perf_counter()
for _ in range(n): s = json.dumps(b.to_dict())
t2 = (time.perf_counter() - t) / n
print(f"500 waiting, 50 members, 200 abandoned: to_dict {t1*1e3:.2f} ms, to_dict+json {t2*1e3:.2f} ms")
