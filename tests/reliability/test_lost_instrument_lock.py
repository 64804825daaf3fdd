"""The driver's lock lost under it: PostgreSQL restarts, or the lock's connection is cut.

PostgreSQL ends every connection when it restarts, and the advisory lock that makes a server the
instrument's driver goes with its connection. The server takes it again once the database is
back and drives on. If another server took the lock meanwhile, the first says so loudly rather
than both driving: its log and its health name the other driver, it stops driving its run and
refuses to start one; once the other lets go, it drives again and recovers what was left.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from mlprep.store.instrument_lock import NAMESPACE, instrument_key
from tests.e2e.conftest import ServerFactory
from tests.e2e.server import ServerProcess
from tests.postgres import PostgresCluster
from tests.reliability.crash_points import Driver
from tests.reliability.starts import wait_for_log
from tests.reliability.test_second_server import first_view_open

pytestmark = pytest.mark.postgres
INTRUDER = "mlprep pid=4242 http://10.0.0.9:8080"  # how another server names itself
WAIT_SECONDS = 60.0  # a bound for a failure message, not a figure


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    """A cluster of the test's own, which it restarts."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def health(server: ServerProcess) -> dict[str, Any]:
    with server.client() as http:
        body: dict[str, Any] = http.get("/mlprep/v1/health").json()
    return body


def wait_for_health(server: ServerProcess, **expected: Any) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            body = health(server)
        except Exception:  # the server is still waiting for the database
            body = {}
        if all(body.get(key) == value for key, value in expected.items()):
            return body
        time.sleep(0.1)
    raise AssertionError(f"the health never showed {expected}:\n{server.log()}")


def wait_for_run(driver: Driver, run_id: str, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        run: dict[str, Any] = driver.call("GET", f"/mlprep/v1/runs/{run_id}").json()
        if run["state"] == state:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} never became {state}")


def take_the_lock_away(url: str, server: ServerProcess) -> psycopg.Connection[Any]:
    """Cut the server's lock connection and take its lock on another, as a server that took
    over while the database was away would; the connection holding it."""
    intruder = psycopg.connect(url, application_name=INTRUDER, autocommit=True)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        intruder.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE %s",
            (f"mlprep pid={server.pid} %",),
        )
        row = intruder.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", (NAMESPACE, instrument_key("prep-sim-1"))
        ).fetchone()
        if row is not None and row[0]:
            return intruder
        time.sleep(0.05)  # the server took it back first: cut it again
    raise AssertionError("the lock could not be taken from the server")


def test_after_postgresql_restarts_the_server_takes_its_lock_again(
    server_factory: ServerFactory, cluster: PostgresCluster
) -> None:
    url = cluster.create_database()
    server = server_factory(args=["--speed", "0", "--database-url", url]).start()

    cluster.restart()

    wait_for_log(server, "lost the lock on instrument prep-sim-1")
    wait_for_log(server, "holds the lock on instrument prep-sim-1 again")
    body = wait_for_health(server, status="Healthy")
    assert "drivenBy" not in body
    with server.client() as http:
        driver = Driver(http)
        driver.start("Daily Maintenance")
        driver.answer("Clear the deck", "Ok")
    assert server.stop() == 0, server.log()


def test_a_server_whose_lock_another_took_says_so_and_stops_driving(
    server_factory: ServerFactory, cluster: PostgresCluster
) -> None:
    url = cluster.create_database()
    server = server_factory(args=["--speed", "0", "--database-url", url]).start()
    view = first_view_open(server)

    intruder = take_the_lock_away(url, server)
    try:
        body = wait_for_health(server, drivenBy="pid 4242, http://10.0.0.9:8080")
        assert body["status"] == "Unhealthy"
        wait_for_log(
            server,
            "instrument prep-sim-1 is now driven by another mlprep server "
            "(pid 4242, http://10.0.0.9:8080), which took it while the database was away: "
            "this server no longer drives it",
        )
        wait_for_log(
            server,
            f"stopped driving run {view['runId']}: another mlprep server drives the instrument "
            "(pid 4242, http://10.0.0.9:8080)",
        )
        with server.client() as http:
            driver = Driver(http)
            refused = driver.call(
                "POST", f"/api/v1/maintenance/{driver.procedure_id('Daily Maintenance')}", ok=409
            ).json()
            assert "another mlprep server drives this instrument (pid 4242" in refused["detail"]
    finally:
        intruder.close()  # the other server stops: its lock is free again

    with server.client() as http:
        driver = Driver(http)
        run = wait_for_run(driver, view["runId"], "Interrupted")  # as a takeover ends it
        assert run["openView"] is None
        assert "drivenBy" not in wait_for_health(server, status="Healthy")
        driver.start("Daily Maintenance")
        driver.answer("Clear the deck", "Ok")
    assert server.stop() == 0, server.log()
