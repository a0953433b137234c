"""Ticket intake: tickets/s through ``TicketDesk.open_from_call`` and Open311 ``POST requests``.

On SQLite (a file, WAL, as the hotline uses it) and, when the Debian ``postgresql`` package is
installed, on a private PostgreSQL server (``tests/tickets_pg.py``: fsync off, a free port).

  desk      ``--concurrency`` callers at once call ``open_from_call`` (the IVR's path: number
            from the allocator, insert in a worker thread) for ``--seconds``, in this process.
  open311   this file run with ``--serve`` (the Open311 routes on an aiohttp app, as
            ``ivr web`` mounts them) as a subprocess; an aiohttp client POSTs
            ``/open311/v2/requests.json`` with ``--concurrency`` requests in flight.

Reported: tickets/s, p50/p99 per ticket, CPU per ticket of the process that owns the desk,
and the event-loop lag in that process (a 10 ms sleep probe): the desk must never block it.

    .venv/bin/python bench/tickets_bench.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import (
    ROOT,
    free_port,
    loadavg,
    machine,
    ms,
    pct,
    proc_cpu_seconds,
    save,
    table,
    wait_tcp,
)

sys.path.insert(0, str(ROOT / "tests"))

KEY = "bench-key"
FORM = {"api_key": KEY, "service_code": "roads", "lat": "-6.2", "long": "106.8",
        "description": "Deep pothole near the school", "email": "a@b.id"}


async def probe(lags: list[float], period: float = 0.01) -> None:
    while True:
        start = time.perf_counter()
        await asyncio.sleep(period)
        lags.append(time.perf_counter() - start - period)


def lag_figures(lags: list[float]) -> dict[str, float]:
    return {"p50": pct(lags, 50), "p99": pct(lags, 99), "max": max(lags, default=0.0)}


def settings_for(url: str, data_dir: Path):  # type: ignore[no-untyped-def]
    from ivr.config import Settings

    return Settings(data_dir=data_dir, database_url=url, open311_api_keys=KEY)


def newest_schema(url: str) -> None:
    from ivr.db import make_engine
    from ivr.schema.upgrade import upgrade_database

    engine = make_engine(url)
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()


async def bench_desk(url: str, data_dir: Path, concurrency: int, seconds: float) -> dict:
    from ivr.flows.ports import CallReport
    from ivr.tickets.desk import build_ticket_desk

    desk = build_ticket_desk(settings_for(url, data_dir))
    assert await desk.prepare()
    for i in range(20):  # warm-up: pools, statement caches
        await desk.open_from_call(CallReport("0812000", "id", "roads", None, f"warm.{i}"))
    lags: list[float] = []
    probe_task = asyncio.create_task(probe(lags))
    times: list[float] = []
    failed = 0
    cpu0, load = proc_cpu_seconds(os.getpid()), loadavg()
    started = time.perf_counter()
    deadline = started + seconds

    async def caller(n: int) -> None:
        nonlocal failed
        i = 0
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                await desk.open_from_call(CallReport("0812345678", "id", "roads", None,
                                                     f"bench.{n}.{i}"))
                times.append(time.perf_counter() - t0)
            except Exception:
                failed += 1
            i += 1

    await asyncio.gather(*(caller(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    cpu = proc_cpu_seconds(os.getpid()) - cpu0
    probe_task.cancel()
    desk.close()
    return {"loadavg_before": load, "tickets": len(times), "failed": failed,
            "tickets_per_s": len(times) / elapsed, "p50": pct(times, 50), "p99": pct(times, 99),
            "cpu_per_ticket_s": cpu / max(len(times), 1), "loop_lag": lag_figures(lags),
            "spooled": len(desk.spool.records())}


async def serve(port: int) -> None:
    """``--serve``: the Open311 routes on their own aiohttp app, with a lag probe."""
    from aiohttp import web

    from ivr.tickets.desk import TicketDesk, build_ticket_desk
    from ivr.tickets.open311 import add_open311_routes, open311_config

    settings = settings_for(os.environ["BENCH_DB"], Path(os.environ["BENCH_DATA"]))
    desk_key = web.AppKey("desk", TicketDesk)
    desk = build_ticket_desk(settings)
    assert await desk.prepare()
    app = web.Application()
    app[desk_key] = desk
    add_open311_routes(app, desk_key, open311_config(settings))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    lags: list[float] = []
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def dump() -> None:
        Path(os.environ["BENCH_LAG_FILE"]).write_text(json.dumps(lag_figures(lags)))
        lags.clear()

    loop.add_signal_handler(signal.SIGUSR1, dump)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    task = asyncio.create_task(probe(lags))
    await stop.wait()
    task.cancel()
    await runner.cleanup()


async def bench_open311(url: str, data_dir: Path, concurrency: int, seconds: float) -> dict:
    import aiohttp

    port = free_port()
    lag_file = data_dir / "lag.json"
    env = {**os.environ, "BENCH_DB": url, "BENCH_DATA": str(data_dir),
           "BENCH_LAG_FILE": str(lag_file), "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env=env)
    try:
        wait_tcp(port)
        endpoint = f"http://127.0.0.1:{port}/open311/v2/requests.json"
        async with aiohttp.ClientSession() as session:
            for _ in range(20):
                async with session.post(endpoint, data=FORM) as reply:
                    assert reply.status == 201 or reply.status == 200, await reply.text()
            server.send_signal(signal.SIGUSR1)
            await asyncio.sleep(0.2)
            times: list[float] = []
            failed = 0
            cpu0, load = proc_cpu_seconds(server.pid), loadavg()
            started = time.perf_counter()
            deadline = started + seconds

            async def client() -> None:
                nonlocal failed
                while time.perf_counter() < deadline:
                    t0 = time.perf_counter()
                    async with session.post(endpoint, data=FORM) as reply:
                        await reply.read()
                        if reply.status in (200, 201):
                            times.append(time.perf_counter() - t0)
                        else:
                            failed += 1

            await asyncio.gather(*(client() for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
            cpu = proc_cpu_seconds(server.pid) - cpu0
            lag_file.unlink(missing_ok=True)
            server.send_signal(signal.SIGUSR1)
            for _ in range(100):
                if lag_file.exists():
                    break
                await asyncio.sleep(0.02)
        return {"loadavg_before": load, "tickets": len(times), "failed": failed,
                "tickets_per_s": len(times) / elapsed, "p50": pct(times, 50),
                "p99": pct(times, 99), "cpu_per_ticket_s": cpu / max(len(times), 1),
                "loop_lag": json.loads(lag_file.read_text()) if lag_file.exists() else {}}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def report(rows: list[dict]) -> str:
    return table(
        ["database", "path", "load avg before", "at once", "tickets", "failed", "tickets/s",
         "p50 ms", "p99 ms", "CPU ms/ticket (desk process)", "loop lag p50/p99/max ms"],
        [[r["database"], r["path"], r["loadavg_before"], r["concurrency"], r["tickets"],
          r["failed"], f"{r['tickets_per_s']:.0f}", ms(r["p50"]), ms(r["p99"]),
          f"{r['cpu_per_ticket_s'] * 1000:.2f}",
          f"{ms(r['loop_lag'].get('p50', float('nan')))} / "
          f"{ms(r['loop_lag'].get('p99', float('nan')))} / "
          f"{ms(r['loop_lag'].get('max', float('nan')))}"] for r in rows])


async def main_async(args: argparse.Namespace) -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="tickets-bench-") as tmp:
        databases: list[tuple[str, object]] = [("sqlite", None)]
        pg = None
        if not args.no_postgres:
            from tickets_pg import PostgresServer, pg_bin_dir

            bindir = pg_bin_dir()
            if bindir is None:
                print("[tickets_bench] PostgreSQL not installed: SQLite only", file=sys.stderr)
            else:
                pg = PostgresServer(bindir)
                pg.start()
                databases.append(("postgresql", pg))
        try:
            for name, server in databases:
                for path in ("desk", "open311"):
                    for concurrency in args.concurrency:
                        data_dir = Path(tmp) / f"{name}-{path}-{concurrency}"
                        data_dir.mkdir()
                        url = (f"sqlite:///{data_dir / 'hotline.sqlite3'}" if server is None
                               else server.new_database())  # type: ignore[attr-defined]
                        print(f"[tickets_bench] {name} {path} ×{concurrency} "
                              f"(load average {loadavg()})", file=sys.stderr)
                        newest_schema(url)  # as every service does at start
                        bench = bench_desk if path == "desk" else bench_open311
                        row = await bench(url, data_dir, concurrency, args.seconds)
                        rows.append({"database": name, "path": path,
                                     "concurrency": concurrency, **row})
        finally:
            if pg is not None:
                pg.remove()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return 0
    rows = asyncio.run(main_async(args))
    save("tickets", {"machine": machine(), "args": vars(args), "rows": rows})
    print(report(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
