"""The crash suite: the power is cut (`kill -9`) at each point of `crash_points`, right after the
server acknowledged it; after a restart the database is intact, no run is left unfinished or
with a view open, and every acknowledged change is there. Every point runs on SQLite; a spread
of them on PostgreSQL (all of them with `make soak`)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.server import ServerProcess
from tests.postgres import PostgresCluster
from tests.reliability.crash_points import (
    EMPTY_DATE,
    POINTS,
    REAL_SPEED_POINTS,
    Driver,
    Expected,
)
from tests.sessions import ADMIN_PASSWORD, bearer

TERMINAL = {"Completed", "Aborted", "Failed", "Interrupted"}
ON_POSTGRES_IN_MAKE_TEST = {
    "last_view_answered",
    "abort_while_a_view_is_open",
    "error_answered_abort",
    "counters_reset_mid_run",
    "clock_advanced",
    "locked_out",
    "abort_mid_action",
}
SOAK = os.environ.get("MLPREP_SOAK") == "1"
ALL_POINTS: dict[str, tuple[Callable[[Driver], Expected], str]] = {
    **{name: (point, "0") for name, point in POINTS.items()},
    **{name: (point, "1") for name, point in REAL_SPEED_POINTS.items()},
}


def crash_and_check(server: ServerProcess, point: Callable[[Driver], Expected], speed: str) -> None:
    base_args = list(server.args)
    server.args = [*base_args, "--speed", speed]
    server.start()
    with server.client() as http:
        expected = point(Driver(http))
    assert server.kill() != 0
    server.args = base_args  # restarted as an instrument restarts: at the speed it kept
    server.start()
    try:
        with server.client() as http:
            check_after_restart(Driver(http), expected)
    finally:
        assert server.stop() == 0, server.log()


def check_after_restart(d: Driver, expected: Expected) -> None:
    assert d.http.get("/mlprep/v1/runs/current", headers=d.headers).status_code == 204
    runs = d.call("GET", "/mlprep/v1/runs").json()["items"]
    assert {run["state"] for run in runs} <= TERMINAL
    if runs:
        last = d.call("GET", f"/mlprep/v1/runs/{runs[0]['id']}").json()
        assert last["openView"] is None
        assert all(view["closedAt"] is not None for view in last["views"])
        answered = [view["title"] for view in last["views"] if view["result"] is not None]
        assert answered[: len(expected.extra.get("answered", []))] == expected.extra.get(
            "answered", []
        )
    if expected.run_state is not None:
        assert runs and runs[0]["state"] == expected.run_state
    if expected.errors is not None:
        assert [
            error["message"] for error in d.call("GET", "/api/v1/maintenance/errors").json()
        ] == (expected.errors)
    if expected.inputs is not None:
        run = d.call("GET", f"/mlprep/v1/runs/{runs[0]['id']}").json()
        assert expected.inputs.items() <= run["inputs"].items()
    procedures = d.call("GET", "/api/v1/maintenance").json()
    if expected.procedures is not None:
        assert len(procedures) == expected.procedures
    if expected.daily_executed is not None:
        daily = next(p for p in procedures if p["name"] == "Daily Maintenance")
        assert (daily["lastExecutionTime"] != EMPTY_DATE) is expected.daily_executed
    if expected.counters is not None:
        counters = d.call("GET", "/api/v1/maintenance/channel-counters").json()
        assert {c["name"]: c["tipPickUpCounter"] for c in counters} == expected.counters
    if expected.uv_interval is not None:
        setting = d.call("GET", "/api/v1/maintenance/uv-routine-settings").json()
        assert setting["interval"] == expected.uv_interval
    simulator = d.call("GET", "/mlprep/v1/simulator").json()
    if expected.min_offset_days is not None:
        assert simulator["offsetSeconds"] >= expected.min_offset_days * 86_400
    if expected.speed is not None:
        assert simulator["speed"] == expected.speed
    if expected.token_revoked is not None:
        check = d.http.get(
            "/api/v1/authenticate/check-authentication", headers=bearer(expected.token_revoked)
        )
        assert check.status_code == 401
    if expected.locked_user is not None:
        body = {"userName": expected.locked_user, "password": "guess"}
        assert d.http.post("/api/v1/authenticate", json=body).status_code == 429


@pytest.mark.parametrize("name", list(ALL_POINTS))
def test_a_crash_on_sqlite_loses_nothing_acknowledged(tmp_path: Path, name: str) -> None:
    point, speed = ALL_POINTS[name]
    server = ServerProcess(tmp_path / "data", admin_password=ADMIN_PASSWORD)

    crash_and_check(server, point, speed)

    with sqlite3.connect(server.data_dir / "mlprep.db") as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "name", [name for name in ALL_POINTS if SOAK or name in ON_POSTGRES_IN_MAKE_TEST]
)
def test_a_crash_on_postgresql_loses_nothing_acknowledged(
    tmp_path: Path, postgres_cluster: PostgresCluster, name: str
) -> None:
    point, speed = ALL_POINTS[name]
    url = postgres_cluster.create_database()
    server = ServerProcess(
        tmp_path / "data", admin_password=ADMIN_PASSWORD, args=["--database-url", url]
    )

    crash_and_check(server, point, speed)


def test_the_suite_covers_at_least_twenty_points() -> None:
    assert len(ALL_POINTS) >= 20
    assert set(ALL_POINTS) >= ON_POSTGRES_IN_MAKE_TEST
