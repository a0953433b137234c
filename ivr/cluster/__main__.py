"""The cluster's commands (README "Cluster"):

- ``python -m ivr.cluster arbiter --node NAME=REDIS_URL ...``: the one-queue arbiter over the
  nodes' redis databases; it runs until stopped (Ctrl-C, SIGTERM).
- ``python -m ivr.cluster kamailio --listen ADDRESS --node NAME=ADDRESS[:PORT] ... --out DIR``:
  write Kamailio's configuration and dispatcher list for these nodes into DIR and print the
  command that runs it; with ``--roster FILE`` also the operators' phone accounts.
- ``python -m ivr.cluster phones --roster FILE --realm ADDRESS --out DIR``: write the phone
  accounts again after a roster change (Kamailio reads the new table at the next REGISTER).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from redis.asyncio import Redis

from .arbiter import QueueArbiter
from .kamailio import (
    Front,
    Node,
    kamailio_command,
    render_kamailio,
    roster_phones,
    write_phone_accounts,
)


def node_urls(words: list[str], form: str = "NAME=REDIS_URL") -> dict[str, str]:
    """``["node-a=redis://h:6379/1"]`` -> ``{"node-a": "redis://h:6379/1"}``; a word without
    ``=`` is an error naming it."""
    urls = {}
    for word in words:
        name, sep, url = word.partition("=")
        if not sep or not name or not url:
            raise SystemExit(f"error: --node {word!r}: use {form}")
        urls[name] = url
    return urls


def sip_nodes(words: list[str]) -> list[Node]:
    """``["node-a=10.0.0.2", "node-b=10.0.0.3:5070"]`` -> the nodes Kamailio dispatches to."""
    nodes = []
    for name, where in node_urls(words, "NAME=ADDRESS[:PORT]").items():
        address, _, port = where.partition(":")
        if port and not port.isdigit():
            raise SystemExit(f"error: --node {name}={where}: the port is a number")
        nodes.append(Node(name, address, int(port or 5060)))
    return nodes


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
    kamailio = commands.add_parser("kamailio", help="write Kamailio's configuration")
    kamailio.add_argument("--listen", required=True, help="Kamailio's SIP address")
    kamailio.add_argument("--port", type=int, default=5060)
    kamailio.add_argument("--node", action="append", required=True,
                          metavar="NAME=ADDRESS[:PORT]", help="an Asterisk node (once each)")
    kamailio.add_argument("--out", type=Path, required=True, help="the folder to write into")
    kamailio.add_argument("--roster", type=Path, help="the roster file (operators' phones)")
    kamailio.add_argument("--realm", default="", help="the digest realm (default: --listen)")
    phones = commands.add_parser("phones", help="write the operators' phone accounts again")
    phones.add_argument("--roster", type=Path, required=True, help="the roster file")
    phones.add_argument("--realm", required=True, help="the digest realm (Kamailio's address)")
    phones.add_argument("--out", type=Path, required=True, help="Kamailio's folder")
    args = parser.parse_args(argv)
    if args.command == "kamailio":
        out = args.out.resolve()
        accounts = roster_phones(args.roster) if args.roster else {}
        config = render_kamailio(Front(args.listen, args.port, realm=args.realm),
                                 sip_nodes(args.node), out, phones=accounts)
        print(" ".join(kamailio_command(config, out)))
        return 0
    if args.command == "phones":
        table = write_phone_accounts(roster_phones(args.roster), args.realm, args.out.resolve())
        print(f"{table}: phone accounts of the roster {args.roster}")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(arbitrate(node_urls(args.node)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
