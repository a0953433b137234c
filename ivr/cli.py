"""The `ivr` command: run the hotline, run one service, render config, control a running one."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from .config import ConfigError, Settings, load_settings
from .roster.cli import add_roster_commands, run_roster_command
from .runtime.data_folder import keep_private, prepare_data_folder
from .schema.cli import add_db_commands, run_db_command

# What `ivr serve NAME` runs; `ivr run` starts each under its supervisor.
SERVICE_NAMES = ("agi", "ami", "web", "roster")
# What `ivr health NAME` checks (runtime/stack.py health_probes).
HEALTH_NAMES = ("fastagi", "ami", "roster", "web")


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def writes_data_folder(args: argparse.Namespace) -> bool:
    """The commands that run the hotline or a service, or render into the data folder."""
    return args.command in ("run", "render", "serve")


def cmd_run(settings: Settings) -> int:
    from .runtime.asterisk import AsteriskNotFound, asterisk_root
    from .runtime.stack import banner, build_services, ports_in_use
    from .runtime.supervisor import Supervisor, say_stderr

    busy = ports_in_use(settings, private_redis=not settings.redis_url)
    if busy:
        say_stderr("error: these ports are in use: " + ", ".join(busy)
                   + ". Stop what holds them or choose others (see README, Settings).")
        return 2
    say_stderr(f"setting up (data in {settings.data_dir}) ...")
    try:
        root = asterisk_root(settings)
    except AsteriskNotFound as exc:
        say_stderr(f"error: {exc}")
        return 1
    settings = settings.with_ami_secret()
    services = build_services(settings, root)
    supervisor = Supervisor(services, settings.logs_dir, settings.run_dir / "supervisor.sock",
                            restart=settings.restart_services, say=say_stderr)
    return asyncio.run(supervisor.run(lambda: banner(settings)))


def cmd_serve(name: str, settings: Settings) -> int:
    """Run one long-running service in the foreground (``ivr run`` supervises all of them)."""
    from .app import SERVICES

    asyncio.run(SERVICES[name](settings))
    return 0


def cmd_render(settings: Settings) -> int:
    from .runtime.render import render_asterisk_config

    path = render_asterisk_config(settings.with_ami_secret())
    print(path)
    return 0


def cmd_health(settings: Settings, name: str) -> int:
    """Exit 0 when service ``name`` is up (a container's or a unit's health check), else 1."""
    from .runtime.stack import health_probes

    async def probe() -> bool:
        return await health_probes(settings)[name]()

    up = asyncio.run(probe())
    print(f"{name}: {'up' if up else 'down'}")
    return 0 if up else 1


def cmd_ctl(settings: Settings, words: list[str]) -> int:
    from .runtime.supervisor import send_control

    reply = asyncio.run(send_control(settings.run_dir / "supervisor.sock", " ".join(words)))
    print(reply)
    return 1 if reply.startswith("error") else 0


def cmd_flow(settings: Settings, verb: str, target: str | None) -> int:
    """ivr flow check [FILE] | install FILE | rollback NUMBER | show [NUMBER] | versions NUMBER"""
    from pathlib import Path

    from .app import flow_store
    from .flows.loader import FlowError
    from .flows.store import FlowNumberError, checked_number
    from .flows.tree import menu_tree

    store = flow_store(settings)
    try:
        if verb == "check":
            if target:
                store.validate_text(Path(target).read_text(encoding="utf-8"), target)
                print(f"{target}: ok")
            else:
                flows = store.load()
                print("ok: " + ", ".join(f"{n} ({store.files()[n]})" for n in sorted(flows.flows)))
        elif verb == "install":
            if not target:
                raise SystemExit("usage: ivr flow install FILE")
            flow = store.install(Path(target).read_text(encoding="utf-8"), target)
            print(f"flow {flow.number} installed; new calls use it now")
        elif verb == "rollback":
            if not target:
                raise SystemExit("usage: ivr flow rollback NUMBER")
            print(store.rollback(target))
        elif verb == "versions":
            if not target:
                raise SystemExit("usage: ivr flow versions NUMBER")
            for path in store.versions(target):
                print(path)
        else:
            in_use = store.load().flows
            if target and checked_number(target) not in in_use:
                print(f"error: no flow {target} (flows: {', '.join(sorted(in_use))})",
                      file=sys.stderr)
                return 1
            for number in [target] if target else sorted(in_use):
                print(menu_tree(in_use[number]))
    except FlowNumberError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FlowError as exc:
        print(f"refused, the flow in use is unchanged:\n{exc}", file=sys.stderr)
        return 1
    except (OSError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ivr", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="set up what is missing and run the whole hotline")
    serve = sub.add_parser("serve", help="run one service in the foreground: agi (the FastAGI "
                                         "menus), ami (the queue follower), web, roster (the "
                                         "roster engine)")
    serve.add_argument("service", choices=SERVICE_NAMES)
    sub.add_parser("render", help="render Asterisk's config into the run folder")
    health = sub.add_parser("health", help="exit 0 when one service is up: fastagi (its port), "
                                           "ami and roster (their heartbeat), web (/healthz)")
    health.add_argument("service", choices=HEALTH_NAMES)
    ctl = sub.add_parser("ctl", help="control a running `ivr run`: status, stop NAME, start NAME")
    ctl.add_argument("words", nargs="+")
    flow = sub.add_parser("flow", help="IVR flows: check [FILE], install FILE, rollback NUMBER, "
                                       "show [NUMBER], versions NUMBER")
    flow.add_argument("verb", choices=["check", "install", "rollback", "show", "versions"])
    flow.add_argument("target", nargs="?")
    add_db_commands(sub)
    add_roster_commands(sub)
    args = parser.parse_args(argv)
    _logging(args.verbose)
    keep_private()  # what we (and the services we start) create is the owner's only
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if writes_data_folder(args):
        try:
            prepare_data_folder(settings)
        except OSError as exc:
            print(f"error: cannot prepare the data folder {settings.data_dir}: {exc}",
                  file=sys.stderr)
            return 2
    if args.command == "run":
        return cmd_run(settings)
    if args.command == "serve":
        return cmd_serve(args.service, settings)
    if args.command == "render":
        return cmd_render(settings)
    if args.command == "health":
        return cmd_health(settings, args.service)
    if args.command in ("roster", "operator"):
        return run_roster_command(settings, args)
    if args.command == "db":
        return run_db_command(settings, args)
    if args.command == "flow":
        return cmd_flow(settings, args.verb, args.target)
    return cmd_ctl(settings, args.words)
