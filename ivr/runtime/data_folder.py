"""The data folder holds personal data (callers' numbers, recordings, tickets): ours alone.

Every ``ivr`` process runs with umask 077, so what it creates (and what the services and
Asterisk it starts create: logs, the database, recordings) is readable by its owner only.
The folder itself is made 0700 on every start, and what an older version left readable in
it (logs, the SQLite database) is closed up. Asterisk runs as root (in the private root,
bound onto this folder) and our services as the user who started them, so both still read
and write here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..config import Settings

PRIVATE_UMASK = 0o077
DATABASE_FILES = ("hotline.sqlite3", "hotline.sqlite3-wal", "hotline.sqlite3-shm",
                  "hotline.sqlite3-journal")


def keep_private() -> None:
    """Files and folders this process (and its children) creates: owner only."""
    os.umask(PRIVATE_UMASK)


def private_mode(mode: int) -> int:
    """The permission bits ``mode`` keeps for its owner only (pure)."""
    return stat.S_IMODE(mode) & ~0o077


def close_up(path: Path) -> None:
    """Drop group and other permissions from one file or folder (nothing if it is gone)."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode) or stat.S_IMODE(mode) == private_mode(mode):
        return
    path.chmod(private_mode(mode))


def prepare_data_folder(settings: Settings) -> Path:
    """Make the data folder (0700) and close up the personal data already in it."""
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    data.chmod(0o700)
    for folder in (settings.logs_dir, settings.recordings_dir, data / "secrets"):
        close_up(folder)
    if settings.logs_dir.is_dir():
        for root, folders, files in os.walk(settings.logs_dir):
            for name in folders + files:
                close_up(Path(root) / name)
    for name in DATABASE_FILES:
        close_up(data / name)
    return data
