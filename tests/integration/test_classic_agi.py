"""The classic AGI launcher runs the 112 flow over stdin/stdout, as Asterisk would start it.

The test plays Asterisk's side of the pipe: headers, then a reply per command.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from schema_fixtures import upgraded

from ivr.config import Settings

SCRIPT = Path(__file__).resolve().parents[2] / "agi_scripts" / "hotline_agi.py"
HEADERS = ("agi_network: no\nagi_request: hotline_agi.py\nagi_channel: PJSIP/pstn-trunk-1\n"
           "agi_uniqueid: 1700000000.1\nagi_callerid: 0812999\nagi_extension: s\n\n")


def run_classic(key_reply: str, tmp_path: Path) -> list[str]:
    return converse("emergency", lambda line: key_reply if line.startswith("GET DATA")
                    else "200 result=1", tmp_path)


def converse(route: str, reply_to: Callable[[str], str], tmp_path: Path,
             stderr: list[str] | None = None, **env: str) -> list[str]:
    """Asterisk's side of a classic AGI call: the headers, then ``reply_to`` each command.
    The launcher's stderr is added to ``stderr`` when one is given."""
    proc = subprocess.Popen([sys.executable, str(SCRIPT), route],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1,
                            env={"IVR_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
                                 # the checkout under test, when it is not the installed one
                                 **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
                                 **env})
    assert proc.stdin and proc.stdout and proc.stderr
    proc.stdin.write(HEADERS)
    commands = []
    for line in proc.stdout:
        commands.append(line.strip())
        proc.stdin.write(reply_to(line) + "\n")
    errors = proc.stderr.read()
    assert proc.wait(timeout=20) == 0, errors
    if stderr is not None:
        stderr.append(errors)
    return commands


def modules_imported(tmp_path: Path) -> set[str]:
    """The modules one classic 112 call imports (Python's own -X importtime lines)."""
    stderr: list[str] = []
    converse("emergency", lambda line: "200 result=1", tmp_path, stderr,
             PYTHONPROFILEIMPORTTIME="1")
    return {line.rsplit("|", 1)[1].strip() for line in stderr[0].splitlines()
            if line.startswith("import time:") and "|" in line}


def test_a_classic_call_imports_no_event_loop_and_after_the_first_no_yaml_parser(
        tmp_path: Path) -> None:
    first, second = modules_imported(tmp_path), modules_imported(tmp_path)
    assert "ivr.flows.engine" in first and "ivr.flows.engine" in second  # the probe works
    assert "yaml" in first  # the flows parsed once, then kept parsed
    assert {"asyncio", "yaml"} & second == set(), sorted(second)
    assert "asyncio" not in first


def test_a_12345_report_over_classic_agi_is_stored_and_its_number_read_back_twice(
        tmp_path: Path) -> None:
    """The steps that need a loop (the full desk, SQLAlchemy) get one in a launcher that
    otherwise runs without: the ticket is in the database, its number said twice."""
    upgraded(Settings(data_dir=tmp_path))
    keys = iter(["1", "1", "2"])  # Indonesian, report, public utilities; then nothing

    def reply_to(line: str) -> str:
        if line.startswith("GET DATA"):
            key = next(keys, "")
            return f"200 result={key}" if key else "200 result= (timeout)"
        if line.startswith("RECORD FILE"):
            return "200 result=35 (dtmf) endpos=8000"  # the caller pressed #
        return "200 result=0"

    commands = converse("hotline", reply_to, tmp_path)
    digits = "".join(c.split("/digits/")[1][0] for c in commands if "/digits/" in c)
    with sqlite3.connect(tmp_path / "hotline.sqlite3") as db:
        stored = db.execute("SELECT number, category_code, caller_number FROM tickets").fetchall()
    assert len(stored) == 1 and stored[0][1:] == ("utilities", "0812999"), stored
    assert digits == stored[0][0] * 2
    assert commands[-1] == 'SET VARIABLE HOTLINE_NEXT "hangup"'


@pytest.mark.parametrize(("reply", "queue"), [("200 result=2", "fire"),
                                              ("200 result= (timeout)", "emergency")])
def test_classic_agi_sets_the_queue(tmp_path: Path, reply: str, queue: str):
    commands = run_classic(reply, tmp_path)
    assert commands[0] == 'SET VARIABLE HOTLINE_NEXT "emergency"'
    assert commands[1] == f"GET DATA {tmp_path}/sounds/id/emergency-menu 5000 1"
    # The queue's variables in one round trip, HOTLINE_NEXT last.
    assert commands[-1].startswith('EXEC MSet "HOTLINE_SERVICE=')
    assert commands[-1].endswith(f',HOTLINE_QUEUE={queue},HOTLINE_NEXT=emergency"')
    # No key: the menu is offered a second time before `emergency`.
    assert sum(c.startswith("GET DATA") for c in commands) == (1 if queue == "fire" else 2)
    # The incident is kept in the spool (no database in a process per call); the services'
    # flush writes it to the database.
    spooled = (tmp_path / "tickets" / "spool.jsonl").read_text()
    assert '"1700000000.1"' in spooled and f'"{queue}"' in spooled


async def run_fastagi(key_reply: str, tmp_path: Path) -> list[str]:
    """The same flow through our FastAGI server, with this test playing Asterisk over TCP."""
    import asyncio

    from ivr.agi.server import serve
    from ivr.call_routes import agi_routes
    from ivr.config import load_settings
    from ivr.tickets.desk import build_ticket_desk

    settings = load_settings({"IVR_DATA_DIR": str(tmp_path)})
    desk = build_ticket_desk(settings)
    server = await serve(agi_routes(settings, desk), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    commands: list[str] = []
    async with server:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(HEADERS.replace("agi_network: no", "agi_network: yes").replace(
            "agi_request: hotline_agi.py",
            f"agi_request: agi://127.0.0.1:{port}/emergency\nagi_network_script: emergency"
        ).encode())
        while line := await reader.readline():
            commands.append(line.decode().strip())
            reply = key_reply if line.startswith(b"GET DATA") else "200 result=1"
            writer.write((reply + "\n").encode())
        writer.close()
    await desk.drain()
    desk.close()
    return commands


@pytest.mark.parametrize("reply", ["200 result=2", "200 result= (timeout)"])
async def test_classic_and_fastagi_run_the_same_flow(tmp_path: Path, reply: str):
    classic = run_classic(reply, tmp_path / "classic")
    fast = await run_fastagi(reply, tmp_path / "fast")
    normalise = [c.replace(str(tmp_path / "classic"), "DATA") for c in classic]
    assert normalise == [c.replace(str(tmp_path / "fast"), "DATA") for c in fast]
    assert any(c.startswith("EXEC MSet") and "HOTLINE_QUEUE=" in c for c in fast)
