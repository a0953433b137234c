"""`ivr roster …` and `ivr operator …`: the roster engine, CSV in and out, pauses."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from redis.asyncio import Redis

from ..clock import day_now
from ..config import Settings
from ..state import LiveState
from .csvfile import CsvError, export_csv, import_csv
from .desk import OperatorDesk, RosterDomainError
from .model import Operator, RosterError, Skills, check_username, on_shift, validate
from .pauses import PauseDesk
from .store import RosterStore, roster_path


def add_roster_commands(sub: argparse._SubParsersAction) -> None:
    roster = sub.add_parser("roster", help="the roster: check, show [DATE], export, import FILE "
                                           "(`ivr serve roster` runs the roster engine)")
    roster.add_argument("verb", choices=["check", "show", "export", "import"])
    roster.add_argument("target", nargs="?")
    operator = sub.add_parser("operator", help="list, add NAME, pause NAME, unpause NAME")
    operator.add_argument("verb", choices=["list", "add", "pause", "unpause"])
    operator.add_argument("username", nargs="?")
    operator.add_argument("--reason", default="", help="why the operator pauses")
    operator.add_argument("--password", default="", help="the phone's SIP password (add)")
    operator.add_argument("--name", default="", help="full name (add)")
    operator.add_argument("--skills", default="", help='e.g. "police fire lang:id cat:roads"')
    operator.add_argument("--contact", default="", help="fixed SIP URI instead of registering")


def run_roster_command(settings: Settings, args: argparse.Namespace) -> int:
    store = RosterStore(roster_path(settings.data_dir))
    try:
        if args.command == "roster":
            return _roster(settings, store, args.verb, args.target)
        return asyncio.run(_operator(settings, store, args))
    except CsvError as exc:
        print(f"refused, the roster is unchanged:\n{exc}", file=sys.stderr)
    except (RosterError, RosterDomainError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    return 1


def _roster(settings: Settings, store: RosterStore, verb: str, target: str | None) -> int:
    roster = store.load()
    if verb == "export":
        sys.stdout.write(export_csv(roster))
        return 0
    if verb == "import":
        if not target:
            raise RosterError("usage: ivr roster import FILE.csv")
        roster = import_csv(roster, Path(target).read_text(encoding="utf-8"))
        store.save(roster)
        print(f"imported {target}: {len(roster.assignments)} assignments in the roster")
    elif verb == "show":
        moment = (datetime.combine(date.fromisoformat(target), datetime.now().time(), roster.tz)
                  if target else day_now())
        for username, skills in sorted(on_shift(roster, moment).items()):
            print(f"{username}\t{skills}")
        return 0
    warnings = validate(roster)
    for warning in warnings:
        print(f"warning: {warning.message}")
    if verb == "check" and not warnings:
        print("ok: no warnings")
    return 0


async def _operator(settings: Settings, store: RosterStore, args: argparse.Namespace) -> int:
    if args.verb == "add":
        _add_operator(store, args)
        print(f"operator {args.username} saved; the roster service (`ivr run`) makes the phone "
              "account live within seconds")
        return 0
    redis = Redis.from_url(settings.effective_redis_url, socket_timeout=2)
    try:
        desk = OperatorDesk(store, PauseDesk(redis), LiveState(redis))
        if args.verb == "list":
            print(json.dumps(await desk.states(time.time()), indent=2))
        elif not args.username:
            raise RosterError(f"usage: ivr operator {args.verb} NAME")
        elif args.verb == "pause":
            await desk.pause(args.username, args.reason)
            print(f"{args.username} paused ({args.reason or 'paused'})")
        else:
            await desk.unpause(args.username)
            print(f"{args.username} unpaused")
    finally:
        await redis.aclose()
    return 0


def _add_operator(store: RosterStore, args: argparse.Namespace) -> None:
    if not args.username or not args.password:
        raise RosterError("usage: ivr operator add NAME --password SECRET [--skills ...]")
    roster = store.load()
    operator = Operator(check_username(args.username), args.password, args.name,
                        Skills.parse(args.skills), args.contact)
    store.save(replace(roster, operators={**roster.operators, operator.username: operator}))
