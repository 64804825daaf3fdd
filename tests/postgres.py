"""A throw-away PostgreSQL cluster that the suite starts itself (Debian's binaries).

`initdb` refuses to run as root, so as root every server command runs as the `postgres` OS user in
a temporary directory that user owns. The cluster listens on 127.0.0.1 only, on a free port, with
its socket in the same directory; each test that wants PostgreSQL gets a database of its own.
"""

from __future__ import annotations

import contextlib
import glob
import os
import random
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

BINARIES_GLOB = "/usr/lib/postgresql/*/bin"
SUPERUSER = "postgres"


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


def find_binaries() -> Path:
    """The newest installed `/usr/lib/postgresql/<version>/bin`.

    Raises:
        PostgresUnavailableError: no server binaries are installed.
    """
    candidates = [Path(path) for path in glob.glob(BINARIES_GLOB) if Path(path, "initdb").exists()]
    if not candidates:
        raise PostgresUnavailableError(
            f"No PostgreSQL server binaries under {BINARIES_GLOB}: the tests need a real server. "
            "Install Debian's `postgresql` package (apt-get install postgresql)."
        )
    return max(candidates, key=lambda path: int(path.parent.name.split(".")[0]))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_port() -> int:
    """A free port below the kernel's range for outgoing and `port 0` sockets: a test that stops
    the server and starts it again finds its port still free (no other test's server or client is
    given it meanwhile)."""
    low, _high = (
        int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    )
    candidates = list(range(20000, min(low, 32768)))
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return free_port()


class PostgresCluster:
    """One temporary cluster: `start()`, `create_database()` as often as needed, `stop()`."""

    def __init__(self) -> None:
        self.binaries = find_binaries()
        self.port = _server_port()
        self.root = Path(tempfile.mkdtemp(prefix="mlprep-pg-"))
        self.data = self.root / "data"
        self._as_root = os.geteuid() == 0
        self._database_count = 0

    def start(self) -> None:
        """Create the cluster and start its server (trust authentication, 127.0.0.1 only)."""
        if self._as_root:
            shutil.chown(self.root, user=SUPERUSER, group=SUPERUSER)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "--no-sync")
        self.start_server()

    def restart(self) -> None:
        """Stop the server at once (every connection ends, as in a crash) and start it again."""
        self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(self.data))
        self.start_server()

    def start_server(self) -> None:
        """Start the cluster's server (again, after `stop_server`), on the same port."""
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -F"
        log = str(self.root / "server.log")
        self._run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", log, "-o", options)

    def stop_server(self) -> None:
        """Stop the server as an administrator would (its clients' connections are cut); the
        cluster and its databases stay for `start_server`."""
        self._run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.data))

    def stop(self) -> None:
        """Stop the server at once and delete everything it wrote."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(self.data))
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        """The URL of one database, in the plain form the application accepts."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new, empty database; returns its URL."""
        self._database_count += 1
        name = f"test_{os.getpid()}_{self._database_count}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by `create_database`, closing its remaining connections."""
        name = url.rsplit("/", 1)[1]
        with contextlib.suppress(psycopg.Error):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        conninfo = f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres"
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(statement)

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.binaries / program), *arguments]
        if self._as_root:
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            log = self.root / "server.log"
            server_log = log.read_text() if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n{server_log}"
            )
