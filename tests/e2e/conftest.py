"""Real `mlprep serve` processes on free ports, each on its own data directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from tests.e2e.instrument_session import Operator
from tests.e2e.server import ServerProcess, serving
from tests.sessions import ADMIN_PASSWORD, log_in

ServerFactory = Callable[..., ServerProcess]


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[ServerFactory]:
    """Makes (unstarted) servers; any still running at the end are killed."""
    made: list[ServerProcess] = []

    def make(
        data_dir: Path | None = None,
        admin_password: str | None = ADMIN_PASSWORD,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> ServerProcess:
        data_dir = data_dir or tmp_path / f"data-{len(made) + 1}"
        server = ServerProcess(data_dir, admin_password=admin_password, args=args, env=env)
        made.append(server)
        return server

    yield make
    for server in made:
        if server.running:
            server.kill()


@pytest.fixture
def server(server_factory: ServerFactory) -> Iterator[ServerProcess]:
    """A started server whose `admin` has ADMIN_PASSWORD; it must shut down cleanly at the end."""
    server = server_factory().start()
    yield server
    if server.running:
        assert server.stop() == 0, server.log()


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One `--speed 0` server (simulated actions finish at once) shared by a module's tests, which
    leave it idle; it must shut down cleanly at the end."""
    data_dir = tmp_path_factory.mktemp("module-server") / "data"
    with serving(data_dir, "--speed", "0", admin_password=ADMIN_PASSWORD) as server:
        yield server


@pytest.fixture(scope="module")
def module_operator(module_server: ServerProcess) -> Iterator[Operator]:
    """`admin`, logged in to the module's server."""
    with module_server.client() as client:
        yield Operator(module_server, client, log_in(client, "admin", ADMIN_PASSWORD))


@pytest.fixture
def operator(module_operator: Operator) -> Iterator[Operator]:
    """`admin` on the module's server, which is idle with the simulator at its defaults before
    and after the test."""
    module_operator.settle()
    yield module_operator
    module_operator.settle()
