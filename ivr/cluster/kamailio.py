"""Kamailio in front of the Asterisk nodes: its configuration, dispatcher list and the
operators' phone accounts.

``deploy/kamailio/kamailio.cfg`` is the template (``@@NAME@@`` placeholders, as Asterisk's);
the dispatcher list names the nodes. Kamailio is also the operators' registrar: it checks a
phone's REGISTER with digest against ``db/subscriber`` (a db_text table of HA1 hashes, never
the passwords, 0600), written from the roster. All are written into a run folder, never the
checkout.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..roster.phones import write_private
from ..runtime.render import project_root, render_text

MODULES_DIRS = (Path("/usr/lib/x86_64-linux-gnu/kamailio/modules"),
                Path("/usr/lib/aarch64-linux-gnu/kamailio/modules"),
                Path("/usr/lib/kamailio/modules"))
DISPATCHER_SET = 1  # the one set of nodes kamailio.cfg selects from
SUBSCRIBER_VERSION = 7  # the subscriber table's version auth_db checks (Kamailio 5.x)
DB_FOLDER = "db"  # db_text's database folder inside the run folder


class KamailioNotFound(RuntimeError):
    pass


@dataclass(frozen=True)
class Node:
    """One Asterisk node as Kamailio reaches it."""

    name: str
    address: str
    sip_port: int = 5060

    @property
    def sip_uri(self) -> str:
        return f"sip:{self.address}:{self.sip_port}"


@dataclass(frozen=True)
class Front:
    """Where Kamailio listens and how fast it gives up on a node."""

    address: str
    port: int = 5060
    ping_interval_s: int = 1
    probe_timeout_ms: int = 1000
    children: int = 2
    realm: str = ""  # the digest realm of phones' REGISTERs; empty: the listen address

    @property
    def auth_realm(self) -> str:
        return self.realm or self.address


def dispatcher_list(nodes: list[Node]) -> str:
    """The dispatcher module's list file: ``setid uri flags priority attributes``.

    >>> print(dispatcher_list([Node("node-a", "10.77.0.2")]), end="")
    1 sip:10.77.0.2:5060 0 0 name=node-a
    """
    return "".join(f"{DISPATCHER_SET} {node.sip_uri} 0 0 name={node.name}\n" for node in nodes)


def ha1(username: str, realm: str, password: str) -> str:
    """The digest HA1 a registrar keeps instead of the password: MD5(user:realm:password).

    >>> ha1("ani", "10.77.0.1", "secret")
    'd053db3e45e64d88eb326ae524f13c3b'
    """
    return hashlib.md5(f"{username}:{realm}:{password}".encode(),
                       usedforsecurity=False).hexdigest()


def _db_text_value(value: str) -> str:
    """db_text's field escapes (``:`` separates fields)."""
    return value.replace("\\", "\\\\").replace(":", "\\:").replace("\n", "\\n")


def subscriber_table(phones: Mapping[str, str], realm: str) -> str:
    """auth_db's ``subscriber`` table for db_text: one row per operator, with the HA1 of
    their phone password (``phones``: user name -> password) in ``realm``."""
    rows = [f"{number}:{_db_text_value(user)}:{_db_text_value(realm)}:"
            f"{ha1(user, realm, phones[user])}\n"
            for number, user in enumerate(sorted(phones), start=1)]
    return "id(int,auto) username(string) domain(string) ha1(string)\n" + "".join(rows)


def write_phone_accounts(phones: Mapping[str, str], realm: str, run_dir: Path) -> Path:
    """Write db_text's ``version`` and ``subscriber`` tables into ``run_dir/db`` (0700/0600);
    returns the subscriber table's path. Kamailio reads the table again when it changed."""
    folder = run_dir / DB_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    write_private(folder / "version", "table_name(string) table_version(int)\n"
                   f"subscriber:{SUBSCRIBER_VERSION}\n")
    table = folder / "subscriber"
    write_private(table, subscriber_table(phones, realm))
    return table


def roster_phones(roster_file: Path) -> dict[str, str]:
    """Every operator's phone password from a roster file: user name -> password."""
    from ..roster.store import RosterStore

    roster = RosterStore(roster_file).load()
    return {name: operator.password for name, operator in roster.operators.items()}


def modules_dir() -> Path:
    for folder in MODULES_DIRS:
        if (folder / "dispatcher.so").exists():
            return folder
    raise KamailioNotFound("Kamailio's dispatcher module not found: install the Debian package "
                           "kamailio (scripts/setup-host.sh does)")


def config_values(front: Front, run_dir: Path) -> dict[str, str]:
    return {
        "LISTEN_ADDRESS": front.address, "LISTEN_PORT": str(front.port),
        "PING_INTERVAL": str(front.ping_interval_s),
        "PROBE_TIMEOUT_MS": str(front.probe_timeout_ms), "CHILDREN": str(front.children),
        "MODULES_DIR": str(modules_dir()) + "/", "RUN_DIR": str(run_dir),
        "DISPATCHER_LIST": str(run_dir / "dispatcher.list"),
        "AUTH_REALM": front.auth_realm, "DB_URL": f"text://{run_dir / DB_FOLDER}",
    }


def render_kamailio(front: Front, nodes: list[Node], run_dir: Path,
                    root: Path | None = None, phones: Mapping[str, str] | None = None) -> Path:
    """Write kamailio.cfg, dispatcher.list and the phone accounts (``phones``: user name ->
    password; none: no phone can register) into ``run_dir``; returns the cfg's path."""
    template = (root or project_root()) / "deploy" / "kamailio" / "kamailio.cfg"
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "dispatcher.list").write_text(dispatcher_list(nodes))
    write_phone_accounts(phones or {}, front.auth_realm, run_dir)
    config = run_dir / "kamailio.cfg"
    config.write_text(render_text(template.read_text(), config_values(front, run_dir),
                                  "deploy/kamailio/kamailio.cfg"))
    return config


def kamailio_command(config: Path, run_dir: Path) -> list[str]:
    """Kamailio in the foreground (``-DD``: its children forked, no daemon), logging to stderr."""
    binary = shutil.which("kamailio") or "/usr/sbin/kamailio"
    return [binary, "-f", str(config), "-DD", "-E", "-m", "64", "-M", "8",
            "-Y", str(run_dir), "-w", str(run_dir)]


def options_request(front: Front, local_port: int) -> bytes:
    """An out-of-dialog OPTIONS to Kamailio itself, which answers it (its health check)."""
    via = f"{front.address}:{local_port}"
    return (f"OPTIONS sip:{front.address}:{front.port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {via};branch=z9hG4bK-health-{local_port}\r\n"
            "Max-Forwards: 5\r\n"
            f"From: <sip:health@{front.address}>;tag=health\r\n"
            f"To: <sip:{front.address}:{front.port}>\r\n"
            f"Call-ID: health-{local_port}@{front.address}\r\n"
            "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()


def answers_options(front: Front, timeout_s: float = 0.5) -> bool:
    """Whether Kamailio answers an OPTIONS with 200 (it is up and listening)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((front.address, 0))
        sock.settimeout(timeout_s)
        sock.sendto(options_request(front, sock.getsockname()[1]), (front.address, front.port))
        try:
            reply = sock.recv(4096)
        except OSError:
            return False
    return reply.startswith(b"SIP/2.0 200")


def dispatcher_flags(listing: str) -> dict[str, str]:
    """Each node's dispatcher state from ``kamcmd dispatcher.list``: URI -> flags, where the
    first letter is A (active), I (inactive) or D (disabled) and a P means it is probed.

    >>> dispatcher_flags("DEST: {\\n URI: sip:10.77.0.2:5060\\n FLAGS: IP\\n PRIORITY: 0\\n")
    {'sip:10.77.0.2:5060': 'IP'}
    """
    flags: dict[str, str] = {}
    uri = ""
    for line in listing.splitlines():
        key, _, value = line.strip().partition(": ")
        if key == "URI":
            uri = value.strip()
        elif key == "FLAGS" and uri:
            flags[uri] = value.strip()
    return flags


def dispatcher_state(run_dir: Path) -> dict[str, str]:
    """The dispatcher's view of the nodes now, asked over Kamailio's control socket."""
    done = subprocess.run([shutil.which("kamcmd") or "/usr/sbin/kamcmd",
                           "-s", f"unix:{run_dir}/kamailio_ctl", "dispatcher.list"],
                          capture_output=True, text=True, timeout=5, check=True)
    return dispatcher_flags(done.stdout)
