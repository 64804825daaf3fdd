"""A real `mlprep serve` for the client's and the command line's tests, and clients of it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from mlprep.client import PrepClient
from mlprep.contract.runs import RunState
from tests.client.faces import BlockingAsyncClient, Face
from tests.e2e.conftest import server_factory  # noqa: F401 - a fixture these tests use too
from tests.e2e.server import ServerProcess, serving
from tests.sessions import ADMIN_PASSWORD


@pytest.fixture(scope="module")
def instrument(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One `--speed 0` server for a module's tests (actions finish at once)."""
    data_dir = tmp_path_factory.mktemp("instrument") / "data"
    with serving(data_dir, "--speed", "0", admin_password=ADMIN_PASSWORD) as server:
        yield server


@pytest.fixture
def prep(instrument: ServerProcess) -> Iterator[PrepClient]:
    """`admin`'s client, on an instrument back in its factory state with no faults planned."""
    with PrepClient(instrument.base_url, user_name="admin", password=ADMIN_PASSWORD) as client:
        settle(client)
        client.factory_reset()
        client.clear_faults()
        for user in client.users():
            if user.user_name != "admin":
                client.remove_user(user.user_name)
        yield client


@pytest.fixture(params=["sync", "async"])
def face(request: pytest.FixtureRequest) -> Face:
    """The face under test: `PrepClient`, or `AsyncPrepClient` run blocking on its own loop."""
    return PrepClient if request.param == "sync" else BlockingAsyncClient


def settle(client: PrepClient) -> None:
    """Abort a run a test left behind and wait for its end."""
    deadline = time.monotonic() + 30
    while (current := client.current_run()) is not None:
        if current.state is not RunState.ABORTING:
            client.abort()
        assert time.monotonic() < deadline, f"the run {current.id} does not end"
        time.sleep(0.05)
