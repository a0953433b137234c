"""A private PostgreSQL server for the ticket tests, started once per test run.

``initdb`` and ``pg_ctl`` from the Debian ``postgresql`` package run in a temporary folder on
a free loopback port (as the ``postgres`` user when the tests run as root, since initdb
refuses root). Each test gets its own database. The server stops when the run ends.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from ports import free_port

PG_ROOT = Path("/usr/lib/postgresql")


def pg_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(PG_ROOT.glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


class PostgresServer:
    def __init__(self, bindir: Path, listen: str = "127.0.0.1", clients: str = "") -> None:
        """``listen``: the address it listens on; ``clients``: a network (CIDR) also let in
        without a password (a cluster's nodes), beside the loopback."""
        self.bindir = bindir
        self.listen = listen
        self.folder = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._names = itertools.count(1)
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--no-sync")
        if clients:
            with open(self.data / "pg_hba.conf", "a") as hba:
                hba.write(f"host all all {clients} trust\n")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses={self.listen} "
                   "-c fsync=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@{self.listen}:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = f"tickets_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(f"host={self.listen} port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


_server: PostgresServer | None = None


def postgres_server() -> PostgresServer:
    """The run's server, started on first use; fails the test if PostgreSQL is not installed."""
    global _server
    if _server is None:
        bindir = pg_bin_dir()
        if bindir is None:
            pytest.fail("PostgreSQL is not installed (Debian package postgresql; "
                        "scripts/setup-host.sh installs it)")
        server = PostgresServer(bindir)
        server.start()
        atexit.register(server.remove)
        _server = server
    return _server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each ticket storage test runs on SQLite (WAL, a file) and on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    return postgres_server().new_database()
