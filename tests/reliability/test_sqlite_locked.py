"""Another program holds the SQLite database's write lock (a backup tool, a `sqlite3` shell left
in a transaction): the answer that cannot be written is refused with 503 "locked" after the busy
timeout, health names the lock, and the run stays at its view; once the lock is let go the same
answer goes through and the run ends Completed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.server import ServerProcess
from tests.reliability.outage import DAILY, Bench, eventually
from tests.sessions import ADMIN_PASSWORD


def test_an_answer_meeting_another_programs_lock_is_refused_and_the_run_waits(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data, admin_password=ADMIN_PASSWORD, args=["--speed", "0"]).start()
    bench = Bench(server)
    try:
        run_id = bench.send("POST", f"/api/v1/maintenance/{DAILY}").json()["runId"]
        assert bench.answer(bench.view("Clear the deck"), "Ok").status_code == 200
        tip_waste = bench.view("Empty the tip waste")

        other = sqlite3.connect(data / "mlprep.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the write lock, held until the rollback
        try:
            refused = bench.answer(tip_waste, "Ok")
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"]
            assert "locked" in refused.json()["detail"]
            health = bench.health()
            assert health.status_code == 503
            assert health.json()["database"] == "sqlite: locked"
            current = bench.current()  # reads go on: the run waits at its view
            assert current is not None and current["openView"]["viewId"] == tip_waste["viewId"]
        finally:
            other.rollback()
            other.close()

        eventually(lambda: bench.health().status_code == 200, "health answering 200 again")
        assert bench.answer(tip_waste, "Ok").status_code == 200
        assert bench.answer(bench.view("Deck wiped?"), "Yes").status_code == 200
        eventually(lambda: bench.current() is None, "the run's end")
        assert bench.run(run_id)["state"] == "Completed"
    finally:
        bench.close()
        assert server.stop() == 0, server.log()
