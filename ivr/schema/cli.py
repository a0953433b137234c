"""``ivr db current`` and ``ivr db upgrade``: the schema's revision, or bring it to the newest.

Every service upgrades the schema at its start (``upgrade.SchemaKeeper``); the command is for
an operator who wants it done (or checked) before starting them.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from ..config import Settings
from ..db import make_engine
from .upgrade import current_revision, head_revision, upgrade_database

DB_VERBS = ("current", "upgrade")


def add_db_commands(sub: argparse._SubParsersAction) -> None:
    """``ivr db VERB`` on the ``ivr`` command's subparsers."""
    db = sub.add_parser("db", help="the database schema: current (its revision), upgrade "
                                   "(to the newest; every service also does it at start)")
    db.add_argument("verb", choices=DB_VERBS)


def describe_current(revision: str | None, head: str) -> str:
    """``ivr db current``'s line: the revision and whether it is the newest."""
    state = "newest" if revision == head else f"newest is {head}"
    return f"{revision or 'empty'} ({state})"


def describe_upgrade(before: str | None, after: str) -> str:
    """``ivr db upgrade``'s line: the revision before and after."""
    return f"{before or 'empty'} -> {after}" if before != after else f"{after} (unchanged)"


def run_db_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``ivr db current|upgrade`` on the settings' database; the exit status."""
    engine = make_engine(settings.effective_database_url)
    try:
        before = current_revision(engine)
        if args.verb == "current":
            print(describe_current(before, head_revision()))
        else:
            print(describe_upgrade(before, upgrade_database(engine)))
        return 0
    except SQLAlchemyError as exc:
        print(f"error: database {engine.url.render_as_string()}: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
