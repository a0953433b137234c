"""``python -m ivr.cluster arbiter --node NAME=REDIS_URL ...``: the one-queue arbiter over the
nodes' redis databases (README "Cluster"); it runs until stopped (Ctrl-C, SIGTERM)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from redis.asyncio import Redis

from .arbiter import QueueArbiter


def node_urls(words: list[str]) -> dict[str, str]:
    """``["node-a=redis://h:6379/1"]`` -> ``{"node-a": "redis://h:6379/1"}``; a word without
    ``=`` is an error naming it."""
    urls = {}
    for word in words:
        name, sep, url = word.partition("=")
        if not sep or not name or not url:
            raise SystemExit(f"error: --node {word!r}: use NAME=REDIS_URL")
        urls[name] = url
    return urls


async def arbitrate(urls: dict[str, str]) -> None:
    nodes = {name: Redis.from_url(url, socket_timeout=2) for name, url in urls.items()}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    task = asyncio.create_task(QueueArbiter(nodes).keep_deciding())
    await stop.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    for redis in nodes.values():
        await redis.aclose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ivr.cluster")
    commands = parser.add_subparsers(dest="command", required=True)
    arbiter = commands.add_parser("arbiter", help="one logical queue over the nodes")
    arbiter.add_argument("--node", action="append", required=True, metavar="NAME=REDIS_URL",
                         help="a node and its redis database (twice or more)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(arbitrate(node_urls(args.node)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
