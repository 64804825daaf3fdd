"""An action that faults opens an Error view: retry it, continue past it, or abort the run."""

from __future__ import annotations

import pytest

from mlprep.contract.maintenance import Channel, ChannelCounter, ViewResult
from mlprep.contract.runs import RunState
from mlprep.contract.time import EMPTY_DATE
from mlprep.events.bus import EventCode
from mlprep.instrument.faults import PlannedFault
from mlprep.instrument.port import Operation
from mlprep.maintenance.catalogue import ActionStep, load_catalogue
from mlprep.maintenance.engine import RunEngine
from mlprep.services import Services
from tests.unit.maintenance.event_recorder import EventRecorder

pytestmark = pytest.mark.anyio

PROCEDURE_ID = {p.key: p.id for p in load_catalogue().procedures}
DAILY = PROCEDURE_ID["daily"]
OK, YES, ABORT = ViewResult.OK, ViewResult.YES, ViewResult.ABORT
FRONT_TIP_FAULTS = next(
    step.faults
    for procedure in load_catalogue().procedures
    for step in procedure.steps
    if isinstance(step, ActionStep) and step.title == "Tip pick-up and eject check, Front"
)


def tip_pick_ups(counters: list[ChannelCounter]) -> dict[str, int]:
    return {c.name.value: c.tip_pick_up_counter for c in counters}


async def reach_the_front_tip_fault(
    services: Services, runs: RunEngine, events: EventRecorder
) -> str:
    """Start Daily with the Front tip check set to fail; returns the run id at the Error view."""
    services.instrument.faults.plan(PlannedFault(Operation.TIP_CHECK, Channel.FRONT))
    started = await runs.start(DAILY, actor="tester")
    await events.answer(runs, OK)
    await events.answer(runs, OK)
    return started.run_id


async def test_a_fault_opens_an_error_view_and_lists_a_pending_error(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    run_id = await reach_the_front_tip_fault(services, runs, events)
    raised = (await events.next(EventCode.ERROR)).data
    view = await events.view()

    assert view["kind"] == "Error"
    assert view["results"] == ["Yes", "Ok", "Abort"]
    assert view["imageName"] == "maintenance-error.png"
    assert raised["response"] in FRONT_TIP_FAULTS
    assert raised["response"] in view["message"]
    current = services.history.current()
    assert current is not None and current.state is RunState.ERROR_PENDING
    [error] = services.history.errors()
    assert (error.message, error.response) == ("Pending", raised["response"])
    assert (error.run_id, error.procedure_id, error.step) == (run_id, DAILY, 3)
    assert error.channel is Channel.FRONT
    assert error.resolved_at is None


@pytest.mark.parametrize(
    ("answer", "recovery", "outcome", "pick_ups"),
    [
        pytest.param(YES, "Retry", "Completed", {"Front": 1, "Rear": 1}, id="Yes-retries"),
        pytest.param(OK, "Continue", "Completed", {"Front": 0, "Rear": 1}, id="Ok-continues"),
        pytest.param(ABORT, "Abort", "Aborted", {"Front": 0, "Rear": 0}, id="Abort-aborts"),
    ],
)
async def test_the_answer_to_an_error_decides_how_the_run_goes_on(
    services: Services,
    runs: RunEngine,
    events: EventRecorder,
    answer: ViewResult,
    recovery: str,
    outcome: str,
    pick_ups: dict[str, int],
) -> None:
    run_id = await reach_the_front_tip_fault(services, runs, events)
    await events.answer(runs, answer)
    if outcome == "Completed":
        assert (await events.answer(runs, YES))["title"] == "Deck wiped?"

    assert await events.outcome() == outcome
    assert services.history.get(run_id).state.value == outcome
    [error] = services.history.errors()
    assert error.message == recovery
    assert error.resolved_at is not None
    assert tip_pick_ups(services.counters.all()) == pick_ups
    last = services.procedures.get(DAILY).last_execution_time
    assert last == (services.clock.now() if outcome == "Completed" else EMPTY_DATE)


async def test_errors_of_the_latest_run_stay_listed_after_it_ended(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    assert services.history.errors() == []
    await reach_the_front_tip_fault(services, runs, events)
    await events.answer(runs, ABORT)
    assert await events.outcome() == "Aborted"

    assert [e.message for e in services.history.errors()] == ["Abort"]

    await runs.start(DAILY, actor="tester")
    await events.view()
    assert services.history.errors() == []


async def test_a_second_fault_on_retry_raises_a_second_error(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    services.instrument.faults.plan(PlannedFault(Operation.TIP_CHECK, Channel.FRONT))
    await reach_the_front_tip_fault(services, runs, events)
    await events.answer(runs, YES)
    await events.answer(runs, YES)

    assert (await events.answer(runs, YES))["title"] == "Deck wiped?"
    assert await events.outcome() == "Completed"
    assert [e.message for e in services.history.errors()] == ["Retry", "Retry"]
    assert tip_pick_ups(services.counters.all()) == {"Front": 1, "Rear": 1}


async def test_abort_right_after_choosing_retry_stops_at_the_next_safe_point(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    await reach_the_front_tip_fault(services, runs, events)
    error_view = await events.view()
    performed = services.instrument.operations_performed

    # Acknowledged: the retry was stored with what it led to. At speed 0 that is the retried
    # check and the Rear one (they take no time), up to the next view.
    await runs.close_view(error_view["viewId"], YES, None, actor="tester")
    acknowledged = services.instrument.operations_performed
    await runs.abort(actor="tester")

    assert await events.outcome() == "Aborted"
    assert acknowledged == performed + 2
    assert services.instrument.operations_performed == acknowledged  # nothing after the abort
    assert [c.tip_pick_up_counter for c in services.counters.all()] == [1, 1]
    states = [e.data["state"] for e in events.seen if e.code is EventCode.MAINTENANCE_STATUS]
    assert states[states.index("Aborting") :] == ["Aborting", "Aborted"]


async def test_aborting_the_run_answers_its_pending_error_with_abort(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    run_id = await reach_the_front_tip_fault(services, runs, events)
    await events.view()

    await runs.abort(actor="tester")

    assert await events.outcome() == "Aborted"
    [error] = services.history.errors()
    assert error.message == "Abort"
    assert error.resolved_at is not None
    assert services.history.get(run_id).open_view is None
