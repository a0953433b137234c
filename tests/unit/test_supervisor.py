"""The supervisor with tiny real child processes: start, ctl stop/start/status, stop all."""

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ivr.runtime import supervisor as supervisor_module
from ivr.runtime.supervisor import Service, ServiceFailed, Supervisor, send_control

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


async def always_ready() -> bool:
    return True


async def never_ready() -> bool:
    return False


def sleeper(name: str) -> Service:
    return Service(name, list(SLEEPER), always_ready, ready_timeout_s=5.0)


def gone(pid: int) -> bool:
    """No such process, or only a zombie waiting for init."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


async def until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


@pytest.fixture
def said() -> list[str]:
    return []


@pytest.fixture
async def supervisor(tmp_path: Path, said: list[str], monkeypatch: pytest.MonkeyPatch):
    # A crash would be restarted at once, so a "not restarted" check cannot pass by waiting.
    monkeypatch.setattr(supervisor_module, "MAX_BACKOFF_S", 0.0)
    sup = Supervisor([sleeper("redis"), sleeper("web")], tmp_path / "logs",
                     tmp_path / "run" / "control.sock", restart=True, say=said.append)
    yield sup
    await sup.stop_all()


def pid_of(sup: Supervisor, name: str) -> int:
    process = sup.services[name].process
    assert process is not None
    return process.pid


def web_exit_code(sup: Supervisor) -> int | None:
    process = sup.services["web"].process
    assert process is not None
    return process.returncode


async def test_start_all_runs_every_service(supervisor: Supervisor, said: list[str],
                                            tmp_path: Path) -> None:
    await supervisor.start_all()
    assert all(s.running for s in supervisor.services.values())
    assert [line.split()[0] for line in said] == ["starting", "redis", "starting", "web"]
    assert (tmp_path / "logs" / "redis.log").exists()
    status = await supervisor.control(["status"])
    assert status.splitlines() == [f"redis running pid {pid_of(supervisor, 'redis')}",
                                   f"web running pid {pid_of(supervisor, 'web')}"]


async def test_ctl_stop_holds_the_service(supervisor: Supervisor, said: list[str]) -> None:
    await supervisor.start_all()
    supervisor.started = True
    old_pid = pid_of(supervisor, "web")
    assert await supervisor.control(["stop", "web"]) == "ok: web stopped"
    assert web_exit_code(supervisor) == -signal.SIGTERM  # asked politely first
    await asyncio.sleep(0.2)  # a restart (no back-off here) would have happened by now
    web = supervisor.services["web"]
    assert not web.running and web.held
    assert gone(old_pid)
    assert not any("restarting" in line for line in said)
    assert "web held (ivr ctl stop)" in (await supervisor.control(["status"])).splitlines()
    assert supervisor.services["redis"].running


async def test_ctl_start_runs_a_held_service_again(supervisor: Supervisor) -> None:
    await supervisor.start_all()
    supervisor.started = True
    await supervisor.control(["stop", "web"])
    assert await supervisor.control(["start", "web"]) == "ok: web running"
    web = supervisor.services["web"]
    assert web.running and not web.held
    running_pid = pid_of(supervisor, "web")
    assert await supervisor.control(["start", "web"]) == "ok: web running"
    assert pid_of(supervisor, "web") == running_pid


async def test_a_service_that_dies_is_restarted(supervisor: Supervisor, said: list[str]) -> None:
    await supervisor.start_all()
    supervisor.started = True
    old_pid = pid_of(supervisor, "redis")
    os.killpg(old_pid, signal.SIGKILL)
    await until(lambda: supervisor.services["redis"].running
                and pid_of(supervisor, "redis") != old_pid)
    assert any(line.startswith("! redis exited with code") for line in said)
    assert supervisor.services["redis"].restarts == 1


@pytest.mark.parametrize(
    "words",
    [[], ["stop"], ["stop", "asterisk"], ["restart", "web"], ["status", "web"],
     ["stop", "web", "now"]],
)
async def test_bad_control_command_is_an_error(supervisor: Supervisor,
                                               words: list[str]) -> None:
    reply = await supervisor.control(words)
    assert reply.startswith("error: ")
    assert "names: redis, web" in reply
    assert not any(s.held for s in supervisor.services.values())


async def test_stop_all_leaves_no_child(supervisor: Supervisor) -> None:
    await supervisor.start_all()
    supervisor.started = True
    pids = [pid_of(supervisor, name) for name in supervisor.order]
    await supervisor.stop_all()
    assert not any(s.running for s in supervisor.services.values())
    assert all(gone(pid) for pid in pids)


async def test_stop_all_kills_a_child_that_ignores_sigterm_and_its_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervisor_module, "STOP_GRACE_S", 0.2)
    marker = tmp_path / "grandchild.pid"
    code = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )

    async def marker_written() -> bool:
        return marker.exists() and marker.read_text() != ""

    stubborn = Service("stubborn", [sys.executable, "-c", code], marker_written, 5.0)
    sup = Supervisor([stubborn], tmp_path / "logs", tmp_path / "control.sock",
                     say=lambda _: None)
    await sup.start_all()
    pid, grandchild = pid_of(sup, "stubborn"), int(marker.read_text())
    await sup.stop_all()
    assert gone(pid)
    await until(lambda: gone(grandchild))


async def test_service_that_exits_during_start_up_fails(tmp_path: Path) -> None:
    broken = Service("broken", [sys.executable, "-c", "raise SystemExit(3)"], never_ready, 5.0)
    sup = Supervisor([broken], tmp_path / "logs", tmp_path / "control.sock", say=lambda _: None)
    with pytest.raises(ServiceFailed, match="broken exited during start-up"):
        await sup.start_all()
    await sup.stop_all()


async def test_service_not_ready_in_time_fails(tmp_path: Path) -> None:
    slow = Service("slow", list(SLEEPER), never_ready, ready_timeout_s=0.3)
    sup = Supervisor([slow], tmp_path / "logs", tmp_path / "control.sock", say=lambda _: None)
    with pytest.raises(ServiceFailed, match="slow not ready within"):
        await sup.start_all()
    pid = pid_of(sup, "slow")
    await sup.stop_all()
    assert gone(pid)


async def test_control_over_the_unix_socket(supervisor: Supervisor, tmp_path: Path) -> None:
    await supervisor.start_all()
    path = tmp_path / "ctl.sock"
    server = await asyncio.start_unix_server(supervisor.handle_control, str(path))
    try:
        assert await send_control(path, "stop web") == "ok: web stopped"
        assert (await send_control(path, "status")).splitlines()[1] == "web held (ivr ctl stop)"
    finally:
        server.close()
    assert (await send_control(tmp_path / "missing.sock", "status")).startswith("error: ")


async def test_ctl_start_of_a_broken_service_replies_with_an_error(tmp_path: Path) -> None:
    broken = Service("broken", [sys.executable, "-c", "raise SystemExit(3)"], never_ready, 5.0)
    sup = Supervisor([broken], tmp_path / "logs", tmp_path / "control.sock", say=lambda _: None)
    try:
        assert (await sup.control(["start", "broken"])).startswith("error: ")
    finally:
        await sup.stop_all()


async def test_stop_all_ends_what_an_exited_service_left_in_its_group(tmp_path: Path) -> None:
    marker, go = tmp_path / "grandchild.pid", tmp_path / "go"
    code = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.02)\n"
    )

    async def marker_written() -> bool:
        return marker.exists() and marker.read_text() != ""

    leaky = Service("leaky", [sys.executable, "-c", code], marker_written, 5.0)
    sup = Supervisor([leaky], tmp_path / "logs", tmp_path / "control.sock", restart=False,
                     say=lambda _: None)
    await sup.start_all()
    grandchild = int(marker.read_text())
    try:
        go.touch()
        await until(lambda: not leaky.running)
        await sup.stop_all()
        await until(lambda: gone(grandchild), timeout=0.5)
    finally:
        if not gone(grandchild):
            os.kill(grandchild, signal.SIGKILL)
