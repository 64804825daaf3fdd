"""Live servers for the conformance suite, one per module (fuzzing is slow to set up per test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD


def _serve(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp(name) / "data", admin_password=ADMIN_PASSWORD)
    server.start()
    yield server
    if server.running:
        assert server.stop() == 0, server.log()


@pytest.fixture(scope="module")
def login_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server for fuzzing the login, which soon locks the fuzzer's address out."""
    yield from _serve(tmp_path_factory, "login")


@pytest.fixture(scope="module")
def session_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server for the operations that need a token; nothing fuzzes its login."""
    yield from _serve(tmp_path_factory, "session")
