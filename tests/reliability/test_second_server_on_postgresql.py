"""Two servers on one PostgreSQL database: one drives the instrument, the other is refused or,
with `--standby`, waits and takes over.

The driver holds a session-level advisory lock for its instrument, which PostgreSQL frees when
the driver's process dies. A second server is refused naming the driver (its pid and address); a
standby says for whom it stands by, does not listen meanwhile, and once the driver is killed
(kill -9) it takes over: it recovers the run the driver left unfinished (`Interrupted`) and
serves. Two servers started at the same moment on an empty database never fail on the schema or
on the first start's rows: one serves, the other is refused with the same clear message.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import ServerFactory
from tests.e2e.server import HEALTH_PATH, ServerProcess
from tests.postgres import PostgresCluster
from tests.reliability.crash_points import Driver
from tests.reliability.starts import refused_start, wait_for_log
from tests.reliability.test_second_server import CONFLICT, first_view_open

pytestmark = pytest.mark.postgres
TAKEOVER_SECONDS = 60.0  # a bound for a failure message, not a figure
SCHEMA_FAILURES = ("UniqueViolation", "already exists", "duplicate key", "Traceback")


@pytest.fixture
def database(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """An empty database of the suite's cluster."""
    url = postgres_cluster.create_database()
    yield url
    postgres_cluster.drop_database(url)


def refusal(driver: ServerProcess) -> str:
    """What a server refused because `driver` drives the instrument says."""
    return (
        "error: instrument prep-sim-1 on this database is driven by another mlprep server "
        f"(pid {driver.pid}, {driver.base_url}); stop it, or start this one with --standby to "
        "take over when it stops"
    )


def test_a_second_server_is_refused_naming_the_one_that_drives(
    server_factory: ServerFactory, database: str
) -> None:
    first = server_factory(args=["--speed", "0", "--database-url", database]).start()
    view = first_view_open(first)

    code, printed = refused_start(server_factory(args=["--speed", "0", "--database-url", database]))

    assert code == CONFLICT, printed
    assert refusal(first) in printed
    with first.client() as http:
        driver = Driver(http)
        current = driver.call("GET", "/mlprep/v1/runs/current").json()
        assert (current["state"], current["openView"]) == ("WaitingForView", view)
        driver.answer("Clear the deck", "Ok")
        driver.view("Empty the tip waste")
    assert first.stop() == 0, first.log()


def test_a_standby_waits_for_the_driver_and_takes_over_when_it_is_killed(
    server_factory: ServerFactory, database: str
) -> None:
    first = server_factory(args=["--speed", "0", "--database-url", database]).start()
    view = first_view_open(first)
    standby = server_factory(args=["--speed", "0", "--database-url", database, "--standby"])

    standby.spawn()
    wait_for_log(
        standby,
        "standing by: instrument prep-sim-1 is driven by another mlprep server "
        f"(pid {first.pid}, {first.base_url}); this one takes over when it stops",
    )
    # Standing by, it neither listens nor touches the run the driver is in.
    assert standby.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(standby.base_url + HEALTH_PATH, timeout=2.0)
    with first.client() as http:
        assert Driver(http).call("GET", "/mlprep/v1/runs/current").json()["openView"] == view

    first_pid = first.pid
    assert first.kill() != 0
    standby.wait_until_healthy()

    wait_for_log(
        standby, f"took over instrument prep-sim-1: the server that drove it (pid {first_pid}"
    )
    with standby.client() as http:
        driver = Driver(http)
        run = driver.call("GET", f"/mlprep/v1/runs/{view['runId']}").json()
        assert (run["state"], run["openView"]) == ("Interrupted", None)
        assert all(view["closedAt"] is not None for view in run["views"])
        driver.start("Daily Maintenance")
        driver.answer("Clear the deck", "Ok")
    assert standby.stop() == 0, standby.log()


def test_two_servers_started_at_once_on_an_empty_database_one_serves(
    server_factory: ServerFactory, database: str
) -> None:
    servers = [server_factory(args=["--speed", "0", "--database-url", database]) for _ in "ab"]
    for server in servers:
        server.spawn()

    deadline = time.monotonic() + TAKEOVER_SECONDS
    while all(server.running for server in servers) and time.monotonic() < deadline:
        time.sleep(0.05)
    refused = next(server for server in servers if not server.running)
    serving = next(server for server in servers if server is not refused)
    code = refused.wait()
    serving.wait_until_healthy()

    assert code == CONFLICT, refused.log()
    assert refusal(serving) in " ".join(refused.log().split())
    for server in servers:
        assert not any(failure in server.log() for failure in SCHEMA_FAILURES), server.log()
    with serving.client() as http:
        driver = Driver(http)
        assert len(driver.call("GET", "/api/v1/maintenance").json()) == 5
        driver.start("Daily Maintenance")
        driver.answer("Clear the deck", "Ok")
    assert serving.stop() == 0, serving.log()


def test_a_standby_stopped_while_it_waits_exits_cleanly(
    server_factory: ServerFactory, database: str
) -> None:
    first = server_factory(args=["--speed", "0", "--database-url", database]).start()
    standby = server_factory(args=["--speed", "0", "--database-url", database, "--standby"])
    standby.spawn()
    wait_for_log(
        standby,
        f"standing by: instrument prep-sim-1 is driven by another mlprep server (pid {first.pid}",
    )

    assert standby.stop() == 0, standby.log()

    with first.client() as http:
        assert http.get(HEALTH_PATH).json()["status"] == "Healthy"
    assert first.stop() == 0, first.log()
