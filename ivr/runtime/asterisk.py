"""How to start Asterisk here: the host's own, or the private Debian-sid root.

The private root runs in its own mount namespace (``unshare -m``): /proc and the data folder
are bind-mounted into it there, so the mounts vanish with the process and nothing is left
mounted after Ctrl-C, even after a crash.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

from ..config import Settings
from .render import project_root


class AsteriskNotFound(RuntimeError):
    pass


def asterisk_root(settings: Settings) -> Path:
    """Run the setup script (idempotent) and return the root Asterisk lives in ('/' = host)."""
    script = project_root() / "scripts" / "setup-host.sh"
    env = {"IVR_CACHE_DIR": str(settings.cache_dir), "IVR_ASTERISK": settings.asterisk,
           "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    # umask 022: the script builds a shared system root with apt, not personal data.
    done = subprocess.run(["bash", str(script)], env=env, stdout=subprocess.PIPE, text=True,
                          umask=0o022)
    if done.returncode != 0:
        raise AsteriskNotFound(f"setting up Asterisk failed (exit {done.returncode}), see above")
    return Path(done.stdout.strip().splitlines()[-1])


def asterisk_command(root: Path, asterisk_conf: Path, data_dir: Path) -> list[str]:
    """The command that runs Asterisk in the foreground with our config."""
    args = ["asterisk", "-f", "-n", "-C", str(asterisk_conf)]
    if root == Path("/"):
        return [shutil.which("asterisk") or "/usr/sbin/asterisk", *args[1:]]
    inside = " && ".join([
        f"mount --bind /proc {shlex.quote(str(root / 'proc'))}",
        f"mkdir -p {shlex.quote(str(root) + str(data_dir))}",
        f"mount --bind {shlex.quote(str(data_dir))} {shlex.quote(str(root) + str(data_dir))}",
        f"exec chroot {shlex.quote(str(root))} /usr/sbin/{shlex.join(args)}",
    ])
    return ["unshare", "--mount", "--propagation", "private", "--fork", "--kill-child",
            "sh", "-c", inside]
