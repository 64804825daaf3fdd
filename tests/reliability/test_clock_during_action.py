"""The clock changed while an action runs (the 15-minute UV lamp, at real speed): an advance brings
the action's end nearer and past it ends the action; a new speed changes the time left; the run's
progress says so each time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.server import ServerProcess
from tests.reliability.outage import Bench, eventually
from tests.sessions import ADMIN_PASSWORD

LAMP_SECONDS = 15 * 60


def progress(bench: Bench) -> dict[str, Any]:
    run = bench.current()
    assert run is not None
    value: dict[str, Any] = run["progress"]
    return value


def test_an_action_follows_the_clock(tmp_path: Path) -> None:
    server = ServerProcess(
        tmp_path / "data", admin_password=ADMIN_PASSWORD, args=["--speed", "1"]
    ).start()
    bench = Bench(server)
    try:
        listing = bench.send("GET", "/api/v1/maintenance").json()
        uv = next(p["id"] for p in listing if p["name"] == "UV Decontamination")
        run_id = bench.send("POST", f"/api/v1/maintenance/{uv}").json()["runId"]
        assert bench.answer(bench.view("Close the front door"), "Ok").status_code == 200
        lamp = eventually(
            lambda: (p := progress(bench))["actionSeconds"] is not None and p, "the lamp on"
        )
        assert lamp["actionSeconds"] == LAMP_SECONDS
        assert LAMP_SECONDS - 30 < lamp["actionRemainingSeconds"] <= LAMP_SECONDS

        # Ten minutes on: five are left of the lamp's fifteen.
        advance = bench.send("POST", "/mlprep/v1/simulator/clock/advance", {"minutes": 10})
        assert advance.status_code == 200, advance.text
        left = progress(bench)["actionRemainingSeconds"]
        assert 5 * 60 - 30 < left <= 5 * 60

        # Ten times as fast: the five minutes left take thirty seconds.
        assert (
            bench.send("PUT", "/mlprep/v1/simulator/clock/speed", {"speed": 10}).status_code == 200
        )
        now = progress(bench)
        assert now["actionSeconds"] == LAMP_SECONDS / 10
        assert 30 - 5 < now["actionRemainingSeconds"] <= 30

        # Past its end: the lamp goes off at once, and the run (nothing after it) completes.
        advance = bench.send("POST", "/mlprep/v1/simulator/clock/advance", {"minutes": 10})
        assert advance.status_code == 200, advance.text
        eventually(lambda: bench.current() is None, "the lamp's end", seconds=10)
        assert bench.run(run_id)["state"] == "Completed"
    finally:
        bench.close()
        assert server.stop() == 0, server.log()
