"""Local files that survive a crash and stay private: flock, fsync'd folders, 0600 files.

The number counter and the spool share these rules. A lock is an exclusive ``flock`` on a
lock file beside the data, so every process of the host takes turns. A file is durable only
once its bytes *and* the folder entry naming it are on disk: after creating or renaming a
file the folder is fsync'd too. Everything here holds callers' numbers or words, so files
are created 0600 and the folder 0700 (a file found with a wider mode is narrowed).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(folder: Path) -> None:
    """Create ``folder`` (0700) if it is missing; an existing folder is left as it is."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)


def fsync_dir(folder: Path) -> None:
    """Make the folder's entries (a created or renamed file) durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_private(path: Path, flags: int) -> tuple[int, bool]:
    """(fd, created) of ``path`` opened with ``flags`` (plus O_CREAT), mode 0600."""
    created = not path.exists()
    fd = os.open(path, flags | os.O_CREAT, FILE_MODE)
    if os.fstat(fd).st_mode & 0o777 != FILE_MODE:
        os.fchmod(fd, FILE_MODE)  # left by an older version with a wider mode
    return fd, created


def replace_durably(path: Path, data: bytes) -> None:
    """Write ``data`` to a 0600 temporary file, fsync it, rename it over ``path``, fsync."""
    tmp = path.with_name(path.name + ".tmp")
    fd, _ = open_private(tmp, os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def try_exclusive(lock_path: Path) -> int | None:
    """Take the lock without waiting: its fd (give it to ``release``), or None if held."""
    private_folder(lock_path.parent)
    fd, _ = open_private(lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def release(fd: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


@contextlib.contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``lock_path`` (a fresh fd, so threads are safe too)."""
    private_folder(lock_path.parent)
    fd, _ = open_private(lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        release(fd)
