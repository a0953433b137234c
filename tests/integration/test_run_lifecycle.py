"""`ivr run` (what `make run` starts) stops cleanly on Ctrl-C and refuses busy ports."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hotline import Hotline

pytestmark = pytest.mark.integration


def test_ctrl_c_leaves_no_process_and_nothing_mounted(tmp_path: Path):
    stack = Hotline(tmp_path / "lifecycle")
    stack.start()
    assert stack.our_processes(), "the stack's processes should be visible while it runs"
    status = stack.ctl("status")
    for name in ("redis", "asterisk", "fastagi", "ami", "web"):
        assert f"{name} running" in status
    assert stack.stop() == 0
    assert stack.our_processes() == []
    assert stack.mounts() == []
    assert "no process of ours is left running" in stack.output.read_text()


def test_a_busy_port_is_reported_before_anything_starts(tmp_path: Path):
    stack = Hotline(tmp_path / "busy")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", stack.ports["web"]))
        squatter.listen()
        done = subprocess.run([sys.executable, "-m", "ivr", "run"], env=stack.env,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"web 127.0.0.1:{stack.ports['web']}" in done.stderr
    assert stack.our_processes() == []
