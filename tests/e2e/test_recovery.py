"""Recovery on a real `mlprep serve`: a fault the simulator was told to raise reaches the error
stream and opens an Error view whose answer retries the action, continues past it or aborts the
run; a run cancelled by the operator or aborted in the middle of an action ends Aborted and leaves
the procedure as it was."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import ServerFactory
from tests.e2e.instrument_session import (
    NEVER,
    Answer,
    Message,
    Operator,
    View,
    close_view,
    deltas,
    of_code,
    receive,
    receive_until,
    usual_answer,
)
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, log_in

DAILY = "Daily Maintenance"
UV = "UV Decontamination"
TIPS = {"tipPickUpCounter": 1, "tipEjectCounter": 1}
FRONT_FAULTS = (
    "No tip detected on channel Front after pick-up.",
    "Tip eject on channel Front could not be confirmed.",
)
# Bounds an abort mid-action: far less than the 15 minutes the UV lamp would stay on.
ABORT_SECONDS = 30.0


def daily_with_a_front_fault(operator: Operator, result: str) -> tuple[str, Message, list[Message]]:
    """Runs Daily Maintenance with a tip-check fault planned on Front, answering its Error view
    with `result`; returns the run's id, the `error` event and the events until `finished`."""
    operator.plan_fault("tip_check", "Front")

    def answer(view: View) -> Answer:
        return (result, None) if view["kind"] == "Error" else usual_answer(view)

    with operator.events() as events, operator.errors_stream() as errors:
        run_id = operator.start(DAILY)
        messages = operator.answer_until_finished(events, answer)
        error = receive(errors)
    return run_id, error, messages


def assert_one_error_resolved_as(
    operator: Operator, run_id: str, error: Message, messages: list[Message], recovery: str
) -> None:
    assert error["code"] == "error"
    assert (error["data"]["runId"], error["data"]["channel"]) == (run_id, "Front")
    assert error["data"]["response"] in FRONT_FAULTS
    error_views = [
        m["data"] for m in of_code(messages, "maintenancedata") if m["data"]["kind"] == "Error"
    ]
    assert len(error_views) == 1
    assert error_views[0]["results"] == ["Yes", "Ok", "Abort"]
    assert error["data"]["response"] in error_views[0]["message"]
    errors = operator.errors()
    assert [(e["message"], e["response"]) for e in errors] == [
        (recovery, error["data"]["response"])
    ]
    assert (errors[0]["id"], errors[0]["runId"]) == (error["data"]["id"], run_id)
    assert errors[0]["resolvedAt"] is not None


def test_a_fault_answered_yes_is_retried_and_the_run_completes(operator: Operator) -> None:
    counters_before = operator.counters()
    run_id, error, messages = daily_with_a_front_fault(operator, "Yes")

    assert messages[-1]["data"]["outcome"] == "Completed"
    assert_one_error_resolved_as(operator, run_id, error, messages, "Retry")
    # The failed attempt moved nothing; the retry moved Front's counters once.
    assert deltas(counters_before, operator.counters()) == {"Front": TIPS, "Rear": TIPS}
    assert operator.procedure(DAILY)["lastExecutionTime"] == operator.run(run_id)["endedAt"]


def test_a_fault_answered_ok_is_continued_past_and_the_run_completes(operator: Operator) -> None:
    counters_before = operator.counters()
    before = operator.procedure(DAILY)
    run_id, error, messages = daily_with_a_front_fault(operator, "Ok")

    assert messages[-1]["data"]["outcome"] == "Completed"
    assert_one_error_resolved_as(operator, run_id, error, messages, "Continue")
    assert deltas(counters_before, operator.counters()) == {"Rear": TIPS}
    after = operator.procedure(DAILY)
    assert after["lastExecutionTime"] not in (NEVER, before["lastExecutionTime"])
    assert (after["lastExecutionTime"], after["status"]) == (operator.run(run_id)["endedAt"], "Ok")


def test_a_fault_answered_abort_ends_the_run_aborted(operator: Operator) -> None:
    counters_before = operator.counters()
    before = operator.procedure(DAILY)
    run_id, error, messages = daily_with_a_front_fault(operator, "Abort")

    assert messages[-1]["data"]["outcome"] == "Aborted"
    assert_one_error_resolved_as(operator, run_id, error, messages, "Abort")
    assert operator.counters() == counters_before
    assert operator.procedure(DAILY) == before
    assert operator.run(run_id)["state"] == "Aborted"


def test_cancel_on_the_first_view_aborts_and_moves_nothing(operator: Operator) -> None:
    counters_before = operator.counters()
    before = operator.procedure(DAILY)

    with operator.events() as events:
        run_id = operator.start(DAILY)
        messages = operator.answer_until_finished(events, lambda view: ("Cancel", None))

    assert [m["data"]["title"] for m in of_code(messages, "maintenancedata")] == ["Clear the deck"]
    assert (messages[-1]["data"]["runId"], messages[-1]["data"]["outcome"]) == (run_id, "Aborted")
    assert of_code(messages, "counters") == []
    assert operator.counters() == counters_before
    assert operator.procedure(DAILY) == before
    assert operator.errors() == []


@pytest.fixture
def real_time_operator(server_factory: ServerFactory) -> Iterator[Operator]:
    """`admin` on a server of its own whose simulated actions take their real duration."""
    server = server_factory(args=["--speed", "1"]).start()
    with server.client() as client:
        yield Operator(server, client, log_in(client, "admin", ADMIN_PASSWORD))
    assert server.stop() == 0, server.log()


def test_an_abort_stops_the_uv_lamp_and_ends_the_run_aborted(
    real_time_operator: Operator,
) -> None:
    operator = real_time_operator
    before = operator.procedure(UV)

    with operator.events() as events:
        run_id = operator.start(UV)
        view = receive_until(events, "maintenancedata")[-1]["data"]
        assert view["title"] == "Close the front door"
        response = close_view(operator.client, operator.token, view["viewId"], "Ok")
        assert response.status_code == 200, response.text
        while True:
            status = receive_until(events, "maintenancestatus")[-1]["data"]
            if status["state"] == "Running" and status["stepTitle"] == "UV lamp on (15 min)":
                break
        assert operator.send("POST", "/api/v1/maintenance/abort").status_code == 200
        rest = receive_until(events, "finished", timeout=ABORT_SECONDS)

    assert (rest[-1]["data"]["runId"], rest[-1]["data"]["outcome"]) == (run_id, "Aborted")
    assert [m["data"]["state"] for m in of_code(rest, "maintenancestatus")] == [
        "Aborting",
        "Aborted",
    ]
    assert operator.run(run_id)["state"] == "Aborted"
    assert operator.procedure(UV)["lastExecutionTime"] == before["lastExecutionTime"]
    body = assert_problem(operator.send("POST", "/api/v1/maintenance/abort"), 409)
    assert "nothing to abort" in body["detail"]
