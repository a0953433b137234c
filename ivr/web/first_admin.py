"""The first web admin, made at start when there is none: from the settings or generated."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from ..accounts import AccountError, Role, UserStore

log = logging.getLogger(__name__)


def ensure_first_admin(store: UserStore, data_dir: Path, username: str, password: str) -> None:
    """Make the first admin when there is none: from the settings, else with a new password.

    A generated password is written only to secrets/initial_admin_password (0600); the log
    says where it is, never what it is (logs are read and shipped more widely than secrets).
    """
    if store.has_admin():
        return
    generated = not password
    password = password or secrets.token_urlsafe(12)
    try:
        store.add(username or "admin", str(Role.ADMIN), password)
    except AccountError as exc:
        if "exists" in str(exc):  # another web process made it a moment ago
            return
        raise
    if generated:
        path = data_dir / "secrets" / "initial_admin_password"
        _write_secret(path, password)
        log.warning("first web admin created: user %s; its password is in %s (0600); "
                    "change it", username or "admin", path)
    else:
        log.info("first web admin %s created from the settings", username or "admin")


def _write_secret(path: Path, value: str) -> None:
    """A new file only its owner may read, whatever the umask or an earlier file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(value + "\n")
