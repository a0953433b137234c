"""The full simulated day (`make day`; bench/README.md section 8): 24 hours in 10 minutes.

The run is tests/day_run.py (the short day of `make test` is the same with fewer calls):
the real stack, the three default shifts with Erlang C staffing, SIPp callers and operators.
It writes bench/results/day.md (and day.json) and exits 1 when 112 misses 90 % within 15 s
or 95 % within 20 s, or when our figures and SIPp's differ by more than one point.

    .venv/bin/python bench/simulated_day.py [--real-s 600] [--calls-112 120] ...
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import day_model as dm  # noqa: E402
from day_run import DayPlan, run_day, save, summary  # noqa: E402

FULL = DayPlan(real_s=600, calls_112=120, calls_12345=80, burst_12345=40, burst_span_h=1.0,
               talk_median_s=6.0, patience_112_s=45.0, patience_12345_s=20.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real-s", type=float, default=FULL.real_s)
    parser.add_argument("--calls-112", type=int, default=FULL.calls_112)
    parser.add_argument("--calls-12345", type=int, default=FULL.calls_12345)
    parser.add_argument("--burst", type=int, default=FULL.burst_12345)
    parser.add_argument("--seed", type=int, default=FULL.seed)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "day.md")
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (SIPp logs)")
    args = parser.parse_args()
    plan = DayPlan(**{**{k: getattr(FULL, k) for k in FULL.__dataclass_fields__},
                      "real_s": args.real_s, "calls_112": args.calls_112,
                      "calls_12345": args.calls_12345, "burst_12345": args.burst,
                      "seed": args.seed})
    command = "python bench/simulated_day.py " + " ".join(sys.argv[1:])
    if args.keep:
        result = run_day(plan, args.keep, log=lambda text: print(text, file=sys.stderr))
    else:
        with tempfile.TemporaryDirectory(prefix="day-") as work:
            result = run_day(plan, Path(work), log=lambda text: print(text, file=sys.stderr))
    save(result, args.out, command.strip())
    print(summary(result, command.strip()))
    emergency = result.truth_of(dm.EMERGENCY)
    ok = (emergency.sl15 or 0) >= 0.9 and (emergency.sl20 or 0) >= 0.95 and not any(
        r.off for r in result.rows) and not result.not_in_line
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
