"""SIGHUP, as closing the terminal a server runs in sends it: a clean stop, as on SIGTERM.

In the middle of an action at real speed (the UV lamp burns for 15 minutes), the server stops
gracefully, exits 0 and says so; the run in progress is recorded `Interrupted` by the server
itself, and everything it acknowledged before (the answered view) is still there after a
restart.
"""

from __future__ import annotations

import sqlite3

from tests.e2e.conftest import ServerFactory
from tests.reliability.crash_points import EMPTY_DATE, Driver
from tests.reliability.starts import flat


def test_sighup_mid_action_stops_cleanly_and_the_run_is_interrupted(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(args=["--speed", "1"]).start()
    with server.client() as http:
        driver = Driver(http)
        driver.start("UV Decontamination")
        driver.answer("Close the front door", "Ok")
        driver.step(2)  # the lamp is on
        run_id = driver.run_id

    assert server.hang_up() == 0, server.log()

    log = flat(server.log())
    assert "SIGHUP (the terminal closed?): stopping as for SIGTERM" in log
    assert log.endswith("mlprep.serve: stopped")
    # The server recorded the interruption itself, before it exited.
    with sqlite3.connect(server.data_dir / "mlprep.db") as database:
        assert database.execute("SELECT state FROM runs").fetchall() == [("Interrupted",)]
    server.start()
    with server.client() as http:
        driver = Driver(http)
        assert http.get("/mlprep/v1/runs/current", headers=driver.headers).status_code == 204
        run = driver.call("GET", f"/mlprep/v1/runs/{run_id}").json()
        assert (run["state"], run["openView"]) == ("Interrupted", None)
        assert [(view["title"], view["result"]) for view in run["views"]] == [
            ("Close the front door", "Ok")
        ]
        uv = driver.call("GET", f"/api/v1/maintenance/{run['procedureId']}").json()
        assert uv["lastExecutionTime"] == EMPTY_DATE
    assert server.stop() == 0, server.log()
