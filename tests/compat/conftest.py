"""Real `mlprep serve` processes for the compatibility suite: one per module and database kind
(SQLite, and PostgreSQL from the suite's own cluster), with the simulator at speed 0."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import server_factory
from tests.e2e.server import ServerProcess
from tests.postgres import PostgresCluster
from tests.sessions import ADMIN_PASSWORD

__all__ = ["server_factory"]  # real servers on their own data directories, as e2e makes them


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def instrument(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A server that answers as the instrument does, on each database kind."""
    args = ["--speed", "0"]
    url = None
    if request.param == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database()
        args += ["--database-url", url]
    data_dir = tmp_path_factory.mktemp(f"compat-{request.param}") / "data"
    server = ServerProcess(data_dir, admin_password=ADMIN_PASSWORD, args=args)
    server.start()
    try:
        yield server
        if server.running:
            assert server.stop() == 0, server.log()
    finally:
        if server.running:
            server.kill()
        if url is not None:
            cluster.drop_database(url)
