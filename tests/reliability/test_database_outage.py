"""PostgreSQL stopped mid-run, then started again: while it is away the server says so (503 with
`Retry-After`, health naming the cause) and changes nothing; the run waits at its view, event
streams stay open; once the database is back the same answer goes through and the run ends as it
would have, with everything acknowledged stored."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.e2e.instrument_session import EVENTS, of_code, receive_until, websocket
from tests.e2e.server import ServerProcess
from tests.postgres import PostgresCluster
from tests.reliability.outage import DAILY, Bench, SseListener, eventually
from tests.sessions import ADMIN_PASSWORD

pytestmark = pytest.mark.postgres
# Longer than the event streams' token re-check (RECHECK_SECONDS), which must survive it.
OUTAGE_SECONDS = 7.0


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    """A cluster of the test's own: the test stops and starts its server."""
    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def test_a_run_waits_out_a_database_outage_and_goes_on(
    cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = cluster.create_database()
    server = ServerProcess(
        tmp_path / "data",
        admin_password=ADMIN_PASSWORD,
        args=["--speed", "0", "--database-url", url, "--events-auth", "token"],
    ).start()
    bench = Bench(server)
    stack = ExitStack()
    try:
        run_id = bench.send("POST", f"/api/v1/maintenance/{DAILY}").json()["runId"]
        assert bench.answer(bench.view("Clear the deck"), "Ok").status_code == 200
        tip_waste = bench.view("Empty the tip waste")
        stream = SseListener(server, bench.token)
        socket = stack.enter_context(websocket(server, EVENTS, token=bench.token))

        cluster.stop_server()

        # During the outage: health is 503 and names the cause; writes are refused with a
        # problem that says what happened and when to retry; nothing changes.
        health = eventually(
            lambda: (r := bench.health()).status_code == 503 and r, "health answering 503"
        )
        assert health.json()["status"] == "Unhealthy"
        assert health.json()["database"] == "postgresql: unreachable"
        assert "Retry-After" in health.headers
        refused = bench.answer(tip_waste, "Ok")
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["Retry-After"]) > 0
        problem = refused.json()
        assert problem["status"] == 503 and "database" in problem["detail"]
        assert "nothing was changed" in problem["detail"]
        aborted = bench.send("POST", "/api/v1/maintenance/abort")
        assert aborted.status_code == 503, aborted.text
        started = bench.send("POST", f"/api/v1/maintenance/{DAILY}")
        assert started.status_code in (409, 503), started.text  # a run is in progress anyway
        advanced = bench.send("POST", "/mlprep/v1/simulator/clock/advance", {"days": 1})
        assert advanced.status_code == 503, advanced.text
        # Reads held in memory go on: the run in progress still shows its view.
        current = bench.current()
        assert current is not None and current["openView"]["viewId"] == tip_waste["viewId"]
        listing = bench.send("GET", "/api/v1/maintenance")
        assert listing.status_code == 200, listing.text
        time.sleep(OUTAGE_SECONDS)  # long enough for the streams' token re-check
        assert not stream.ended.is_set(), stream.lines[-3:]

        cluster.start_server()

        eventually(lambda: bench.health().status_code == 200, "health answering 200 again")
        # The run waited at its view: the same answer now goes through, and the run goes on.
        current = bench.current()
        assert current is not None and current["openView"]["viewId"] == tip_waste["viewId"]
        assert current["state"] == "WaitingForView"
        assert bench.answer(tip_waste, "Ok").status_code == 200
        wiped = bench.view("Deck wiped?")
        assert bench.answer(wiped, "Yes").status_code == 200
        eventually(lambda: bench.current() is None, "the run's end")
        assert bench.run(run_id)["state"] == "Completed"
        # The stream saw it all without ending; the clock advance refused was not made.
        eventually(lambda: stream.events("finished") == 1 or None, "the finished event on SSE")
        assert not stream.ended.is_set()
        messages = receive_until(socket, "finished")  # the token WebSocket, open all along
        assert [m["data"]["outcome"] for m in of_code(messages, "finished")] == ["Completed"]
        clock = bench.send("GET", "/mlprep/v1/simulator/clock").json()
        assert clock["offsetSeconds"] < 86400
    finally:
        stack.close()
        bench.close()
        server.stop()

    # After a restart everything acknowledged is there.
    server.start()
    bench = Bench(server)
    try:
        assert bench.run(run_id)["state"] == "Completed"
        counters = bench.send("GET", "/api/v1/maintenance/channel-counters").json()
        assert [c["tipPickUpCounter"] for c in counters] == [1, 1]
        procedure = bench.send("GET", f"/api/v1/maintenance/{DAILY}").json()
        assert procedure["status"] == "Ok"
    finally:
        bench.close()
        assert server.stop() == 0, server.log()
