"""Capacity of one node against two nodes behind Kamailio, side by side in one run.

The two-node cluster of the tests (``tests/cluster_stack.py``: each node a whole ``ivr run``
in its own network namespace, one PostgreSQL, one redis, Kamailio in front) takes SIPp 112
calls at rising rates. Each call is answered at once, waits in the `emergency` queue hearing
its music (RTP from Asterisk, 8 kHz G.711) for ``--hold-ms`` and hangs up; nobody answers.
Each rate runs twice: with one node (the other disabled in Kamailio's dispatcher,
``kamcmd dispatcher.set_state d``) and with both, through the same Kamailio.

Per step: successful / failed calls (SIPp), call setup p50/p99 (INVITE → 200 OK, through
Kamailio), the peak of calls at once, the machine's CPU. A configuration stops at its first
step with failed calls (> 0.1 %).

    .venv/bin/python bench/cluster_bench.py --rates 10 20 40 80 --step-seconds 15 --hold-ms 15000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, loadavg, machine, pct, save, table, total_cpu_seconds
from e2e_bench import failing, peak_concurrent, rtt_values, sipp_stats

sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from cluster_stack import FRONT_ADDRESS, SIP_PORT, Cluster  # noqa: E402
from hotline import free_tcp_and_udp_port  # noqa: E402
from sipp_scenarios import Caller, caller_scenario  # noqa: E402


def set_node(cluster: Cluster, uri: str, state: str) -> None:
    """``state``: ``a`` (active, probed) or ``d`` (disabled: Kamailio sends it nothing)."""
    subprocess.run(["kamcmd", "-s", f"unix:{cluster.folder / 'kamailio' / 'kamailio_ctl'}",
                    "dispatcher.set_state", state, "1", uri],
                   check=True, capture_output=True, timeout=5)


def run_step(rate: float, args: argparse.Namespace, folder: Path, prefix: str) -> dict:
    folder.mkdir()
    scenario = folder / "bench-112.xml"
    scenario.write_text(caller_scenario(Caller(f"{prefix}[call_number]", name="Bench",
                                               routed=True), [], args.hold_ms,
                                        name="cluster-112"))
    calls = max(1, round(rate * args.step_seconds))
    load = loadavg()
    busy0 = total_cpu_seconds()
    started = time.perf_counter()
    subprocess.run(
        ["sipp", f"{FRONT_ADDRESS}:{SIP_PORT}", "-sf", str(scenario), "-s", "112",
         "-i", FRONT_ADDRESS, "-p", str(free_tcp_and_udp_port()),
         "-mp", str(free_tcp_and_udp_port() & ~1), "-r", f"{rate:g}", "-rp", "1000",
         "-m", str(calls), "-l", str(calls), "-nostdin",
         "-timeout", f"{args.step_seconds + args.hold_ms / 1000 + 60:.0f}s",
         "-trace_stat", "-fd", "1", "-trace_rtt", "-rtt_freq", "1",
         "-trace_err", "-error_file", str(folder / "errors.log"), "-max_socket", "4000"],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - started
    busy1 = total_cpu_seconds()
    stats = sipp_stats(folder)
    ok = int(stats.get("SuccessfulCall(C)", 0) or 0)
    failed = max(int(stats.get("FailedCall(C)", 0) or 0), calls - ok)
    setup = rtt_values(folder)
    return {"rate": rate, "calls": calls, "ok": ok, "failed": failed,
            "failed_share": failed / calls, "setup_p50": pct(setup, 50),
            "setup_p99": pct(setup, 99), "peak_concurrent": peak_concurrent(folder),
            "machine_cpu": (busy1[0] - busy0[0]) / (busy1[1] - busy0[1]),
            "loadavg_before": load, "seconds": elapsed}


def failed_calls(step: dict) -> list[str]:
    """A configuration's breaking point is its first failed calls (> 0.1 %); the setup time is
    shown but stops nothing (the machine is shared: others' load moves it)."""
    return [why for why in failing(step) if why.startswith("failures")]


def measure(cluster: Cluster, nodes: int, args: argparse.Namespace, workdir: Path) -> list[dict]:
    second = cluster.nodes[1].sip_uri
    set_node(cluster, second, "a" if nodes == 2 else "d")
    time.sleep(2)
    steps = []
    for index, rate in enumerate(args.rates):
        step = run_step(rate, args, workdir / f"{nodes}-nodes-{rate:g}", f"0817{nodes}{index}")
        step["nodes"], step["broken"] = nodes, failed_calls(step)
        step["dispatcher"] = cluster.dispatcher()  # node-b's flags: D (disabled) or A
        steps.append(step)
        print(f"  {nodes} node(s), {rate:g} calls/s: {step['ok']}/{step['calls']} ok, "
              f"setup p99 {step['setup_p99'] * 1000:.0f} ms, peak {step['peak_concurrent']} "
              f"at once {' '.join(step['broken'])}", file=sys.stderr)
        time.sleep(args.hold_ms / 1000 + 3)  # the step's calls are over before the next
        if step["broken"]:
            break
    return steps


def report(steps: list[dict], args: argparse.Namespace) -> str:
    rows = [(s["nodes"], f"{s['rate']:g}", s["calls"], s["ok"], s["failed"],
             f"{s['setup_p50'] * 1000:.1f}", f"{s['setup_p99'] * 1000:.1f}",
             s["peak_concurrent"], f"{100 * s['machine_cpu']:.0f} %", s["loadavg_before"],
             ", ".join(s["broken"]) or "ok") for s in steps]
    best = {n: max((s["rate"] for s in steps if s["nodes"] == n and not s["broken"]),
                   default=0) for n in (1, 2)}
    peak = {n: max((s["peak_concurrent"] for s in steps if s["nodes"] == n and not s["broken"]),
                   default=0) for n in (1, 2)}
    return "\n".join([
        f"Each call: 112, answered, {args.hold_ms / 1000:g} s in `emergency` with its music, "
        f"hangs up; {args.step_seconds:g} s per rate.",
        "",
        table(["nodes", "calls/s", "calls", "ok", "failed", "setup p50 ms", "setup p99 ms",
               "peak at once", "machine CPU", "load avg before", "verdict"], rows),
        "",
        table(["nodes", "highest rate without failures", "calls at once then"],
              [(n, f"{best[n]:g} calls/s", peak[n]) for n in (1, 2)]),
    ])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", type=float, nargs="+", default=[10, 20, 40, 80])
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--hold-ms", type=int, default=15_000)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("cluster_bench needs root (network namespaces)")
    with tempfile.TemporaryDirectory(prefix="cluster-bench-") as tmp:
        # Each node has its namespace's own ports: 10,000 RTP ports (5,000 calls) each.
        cluster = Cluster(Path(tmp), IVR_RTP_PORT_START="10000", IVR_RTP_PORT_END="19999")
        try:
            cluster.start()
            steps = measure(cluster, 1, args, Path(tmp)) + measure(cluster, 2, args, Path(tmp))
        finally:
            cluster.close()
    save("cluster", {"machine": machine(), "args": vars(args), "steps": steps})
    print(report(steps, args))


if __name__ == "__main__":
    main()
