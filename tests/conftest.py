"""Fixtures every layer shares: settings on a fresh data directory, a fake clock, predictable ids,
the databases (SQLite, and a PostgreSQL cluster the suite starts itself), and an in-process app.

Each test builds its own of everything except the PostgreSQL cluster, which is started once per
session; even then every test gets a database of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from mlprep.api.app import create_app
from mlprep.clock import FakeClock
from mlprep.ids import SequentialIds
from mlprep.services import Services, open_services, prepare_first_start
from mlprep.settings import Settings
from tests.asgi import ApiClient
from tests.postgres import PostgresCluster, PostgresUnavailableError
from tests.sessions import ADMIN_PASSWORD, bearer, log_in


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No `MLPREP_*` variable of the developer's shell reaches a test."""
    for name in list(os.environ):
        if name.startswith("MLPREP_"):
            monkeypatch.delenv(name)


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (marked `anyio`) run on asyncio, as the server does."""
    return "asyncio"


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL server for the whole session (missing binaries fail the tests that need it)."""
    try:
        cluster = PostgresCluster()
    except PostgresUnavailableError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind the server supports."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mlprep.db'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database()
    yield url
    cluster.drop_database(url)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data directory that does not exist yet, as on a first start."""
    return tmp_path / "data"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Server settings on the test's own data directory (SQLite), with a known admin password."""
    return Settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD)


@pytest.fixture
def clock() -> FakeClock:
    """Time that moves only when the test says so."""
    return FakeClock()


@pytest.fixture
def services(settings: Settings, clock: FakeClock) -> Iterator[Services]:
    """The server's services on the fake clock, after a first start (user `admin` exists)."""
    services = open_services(settings, clock=clock, ids=SequentialIds())
    prepare_first_start(services)
    yield services
    services.close()


@pytest.fixture
def app(settings: Settings, services: Services) -> FastAPI:
    """The application, built by the factory with the test's services injected."""
    return create_app(settings, services_factory=lambda _settings: services)


@pytest.fixture
def client(app: FastAPI) -> Iterator[ApiClient]:
    """An HTTP client for the in-process app, with its lifespan running."""
    with ApiClient(app) as client:
        yield client


@pytest.fixture
def admin_headers(client: ApiClient) -> dict[str, str]:
    """The Authorization header of a freshly logged-in `admin`."""
    return bearer(log_in(client, "admin", ADMIN_PASSWORD))
