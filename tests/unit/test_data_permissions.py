"""Personal data stays the owner's: the data folder is 0700, and nothing made in it is
readable by group or others (real files, real ``ivr`` processes: umask is per process)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

from ivr.config import Settings
from ivr.runtime.data_folder import prepare_data_folder, private_mode

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def readable_by_others(folder: Path) -> list[str]:
    """Files and folders under ``folder`` with any group or other permission bit."""
    return [f"{p.relative_to(folder)} {mode(p):o}" for p in [folder, *folder.rglob("*")]
            if not p.is_symlink() and mode(p) & 0o077]


def an_old_data_folder(data: Path) -> None:
    """What an earlier version left: everything 0755/0644."""
    for folder in (data, data / "logs" / "asterisk", data / "recordings"):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
    for name in ("hotline.sqlite3", "logs/web.log", "logs/asterisk/queue_log",
                 "recordings/1732350000.12.wav"):
        (data / name).write_text("personal")
        (data / name).chmod(0o644)


def ivr(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IVR_DATA_DIR": str(data), "IVR_AMI_SECRET": "s3cret"}
    return subprocess.run([sys.executable, "-m", "ivr", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_private_mode_keeps_the_owner_bits_only() -> None:
    assert private_mode(0o100644) == 0o600
    assert private_mode(0o40755) == 0o700
    assert private_mode(0o600) == 0o600


def test_preparing_closes_up_an_old_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    an_old_data_folder(data)
    (data / "recordings" / "1732350000.12.wav").chmod(0o640)
    prepare_data_folder(Settings(data_dir=data))
    assert mode(data) == 0o700
    assert mode(data / "hotline.sqlite3") == 0o600
    assert mode(data / "logs") == 0o700
    assert mode(data / "logs" / "web.log") == 0o600
    assert mode(data / "logs" / "asterisk" / "queue_log") == 0o600
    assert mode(data / "recordings") == 0o700


def test_preparing_makes_a_missing_data_folder_0700(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    prepare_data_folder(Settings(data_dir=data))
    assert mode(data) == 0o700


def test_ivr_render_leaves_nothing_readable_by_others(tmp_path: Path) -> None:
    data = tmp_path / "data"
    an_old_data_folder(data)
    done = ivr("render", data=data)
    assert done.returncode == 0, done.stderr
    assert (data / "run" / "etc" / "asterisk" / "manager.conf").exists()
    assert (data / "sounds").is_dir()
    assert readable_by_others(data) == ["recordings/1732350000.12.wav 644"]  # behind 0700s


def test_what_a_supervised_service_writes_is_owner_only(tmp_path: Path) -> None:
    """Asterisk, redis and our services inherit the umask of ``ivr run``'s supervisor."""
    data = tmp_path / "data"
    script = textwrap.dedent(f"""
        import asyncio
        from pathlib import Path
        from ivr.config import Settings
        from ivr.runtime.data_folder import keep_private, prepare_data_folder
        from ivr.runtime.supervisor import Service, Supervisor

        async def main():
            keep_private()
            settings = prepare_data_folder(Settings(data_dir=Path({str(data)!r})))
            recordings = settings / "recordings"
            recordings.mkdir()
            service = Service("recorder", ["sh", "-c", f"echo audio > {{recordings}}/r.wav; "
                                           "mkdir -p " + str(recordings) + "/2025; echo done"],
                              ready=lambda: asyncio.sleep(0, True))
            supervisor = Supervisor([service], settings / "logs", settings / "run" / "s.sock")
            await supervisor.spawn(service)
            await service.process.wait()

        asyncio.run(main())
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (data / "recordings" / "r.wav").read_text() == "audio\n"
    assert (data / "logs" / "recorder.log").read_text() == "done\n"
    assert readable_by_others(data) == []
