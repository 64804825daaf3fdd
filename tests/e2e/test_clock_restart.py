"""The simulator's clock across a restart of a real `mlprep serve`: time advanced by hand and
passed by actions, and the speed set through the API, are instrument state and survive it, so a
procedure run in the advanced time is never left lying in the instrument's future."""

from __future__ import annotations

from datetime import datetime

from tests.e2e.conftest import ServerFactory
from tests.e2e.instrument_session import Operator
from tests.sessions import ADMIN_PASSWORD, log_in

DAILY = "Daily Maintenance"


def test_the_clock_resumes_where_it_was_after_a_restart(server_factory: ServerFactory) -> None:
    server = server_factory(args=["--speed", "0"]).start()
    with server.client() as http:
        operator = Operator(server, http, log_in(http, "admin", ADMIN_PASSWORD))
        operator.ok("POST", "/mlprep/v1/simulator/clock/advance", {"days": 2})
        with operator.events() as events:
            operator.start(DAILY)
            operator.answer_until_finished(events)
        executed = datetime.fromisoformat(operator.procedure(DAILY)["lastExecutionTime"])
    assert server.stop() == 0, server.log()

    server.args = []  # no --speed: the instrument keeps the speed it last ran at
    server.start()
    with server.client() as http:
        operator = Operator(server, http, log_in(http, "admin", ADMIN_PASSWORD))
        clock = operator.get("/mlprep/v1/simulator")
        daily = operator.procedure(DAILY)
    assert server.stop() == 0, server.log()

    assert clock["speed"] == 0
    assert clock["offsetSeconds"] >= 2 * 24 * 3600
    assert datetime.fromisoformat(clock["now"]) >= executed
    assert daily["status"] == "Ok"
