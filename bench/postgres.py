"""mlprep on PostgreSQL for the bench: a throw-away cluster and a server on a fresh database in it.

The cluster is the test suite's own (`tests.postgres.PostgresCluster`): Debian's server binaries
under /usr/lib/postgresql/<version>/bin, run as the `postgres` OS user when the bench runs as root
(initdb refuses root), listening on 127.0.0.1 only, trust authentication, fsync off (`-F`), every
file in a temporary directory deleted at the end. The server is `mlprep serve --speed 0
--database-url postgresql://…` with a data directory of its own (its signing secret).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from tests.postgres import BINARIES_GLOB, PostgresCluster, PostgresUnavailableError

from bench.servers import Server, mlprep_server


class PostgresNotStartedError(RuntimeError):
    """PostgreSQL could not be started here; the message says why, for the report."""


@dataclass
class PostgresMlprep:
    """A running cluster and the mlprep server on one of its databases."""

    cluster: PostgresCluster
    server: Server
    version: str  # as `postgres --version` reports it

    def stop(self) -> int | None:
        """Stop the server, then the cluster (deleting its files); the server's exit code."""
        try:
            return self.server.stop()
        finally:
            self.cluster.stop()


def start_postgres_mlprep(workdir: Path, admin_password: str) -> PostgresMlprep:
    """Start a throw-away cluster, then `mlprep serve` on a fresh database of it.

    Raises:
        PostgresNotStartedError: the server binaries are missing, or the cluster would not start.
        RuntimeError: the mlprep server did not start (as for the SQLite server: a bench failure).
    """
    try:
        cluster = PostgresCluster()
    except PostgresUnavailableError as error:
        raise PostgresNotStartedError(
            f"no PostgreSQL server binaries under {BINARIES_GLOB} (Debian's `postgresql` package)."
        ) from error
    try:
        cluster.start()
        url = cluster.create_database()
    # LookupError: no `postgres` OS user; psycopg.Error: the new server refused a connection.
    except (RuntimeError, OSError, LookupError, psycopg.Error) as error:
        cluster.stop()
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise PostgresNotStartedError(
            f"the PostgreSQL cluster did not start: {first_line}."
        ) from error
    server = mlprep_server(
        workdir / "data-postgresql",
        workdir / "mlprep-postgresql.log",
        admin_password,
        database_url=url,
        name="mlprep on PostgreSQL",
    )
    try:
        server.start()
    except BaseException:
        cluster.stop()
        raise
    return PostgresMlprep(cluster, server, _version(cluster))


def _version(cluster: PostgresCluster) -> str:
    done = subprocess.run(
        [str(cluster.binaries / "postgres"), "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    # "postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)" → "PostgreSQL 15.8"
    words = done.stdout.split()
    return (
        f"PostgreSQL {words[2]}" if len(words) > 2 else f"PostgreSQL {cluster.binaries.parent.name}"
    )
