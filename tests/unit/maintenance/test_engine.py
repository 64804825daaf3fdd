"""The run engine drives one procedure at a time: views wait for answers, outcomes stamp history."""

from __future__ import annotations

import asyncio

import pytest

from mlprep.contract.maintenance import Channel, ChannelCounter, ViewResult
from mlprep.contract.runs import RunState
from mlprep.contract.time import EMPTY_DATE
from mlprep.errors import ConflictError, InvalidRequestError, NotFoundError
from mlprep.events.bus import EventCode
from mlprep.maintenance.catalogue import load_catalogue
from mlprep.maintenance.engine import RunEngine
from mlprep.services import Services
from tests.unit.maintenance.event_recorder import EventRecorder

pytestmark = pytest.mark.anyio

PROCEDURE_ID = {p.key: p.id for p in load_catalogue().procedures}
DAILY = PROCEDURE_ID["daily"]
WEEKLY = PROCEDURE_ID["weekly"]
HEPA = PROCEDURE_ID["hepa"]
OK, YES, NO, CANCEL = ViewResult.OK, ViewResult.YES, ViewResult.NO, ViewResult.CANCEL


def four_counters(counter: ChannelCounter) -> tuple[int, int, int, int]:
    return (
        counter.tip_pick_up_counter,
        counter.tip_eject_counter,
        counter.aspirate_counter,
        counter.dispense_counter,
    )


async def test_a_view_opens_and_the_run_waits_until_it_is_closed(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    view = await events.view()
    for _ in range(20):
        await asyncio.sleep(0)

    current = services.history.current()
    assert current is not None and current.id == started.run_id
    assert current.state is RunState.WAITING_FOR_VIEW
    assert current.open_view is not None
    assert current.open_view.view_id == view["viewId"]
    assert (view["kind"], view["title"]) == ("Instruction", "Clear the deck")
    assert view["results"] == ["Ok", "Cancel"]
    assert view["imageName"] == "daily-clear-deck.png"

    await runs.close_view(view["viewId"], OK, None, actor="tester")

    assert (await events.view())["title"] == "Empty the tip waste"


async def test_cancel_on_an_instruction_view_aborts_and_keeps_the_history(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    await events.answer(runs, CANCEL)

    assert await events.outcome() == "Aborted"
    assert services.history.get(started.run_id).state is RunState.ABORTED
    assert services.procedures.get(DAILY).last_execution_time == EMPTY_DATE
    assert services.history.current() is None


async def test_daily_completed_stamps_the_procedure_and_moves_the_tip_counters(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    for result in (OK, OK, YES):
        await events.answer(runs, result)

    assert await events.outcome() == "Completed"
    run = services.history.get(started.run_id)
    assert run.state is RunState.COMPLETED
    assert run.ended_at == services.clock.now()
    procedure = services.procedures.get(DAILY)
    assert procedure.last_execution_time == services.clock.now()
    assert procedure.status.value == "Ok"
    front, rear = services.counters.all()
    assert (front.name, four_counters(front)) == (Channel.FRONT, (1, 1, 0, 0))
    assert (rear.name, four_counters(rear)) == (Channel.REAR, (1, 1, 0, 0))


async def test_no_on_the_deck_question_asks_again(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    await runs.start(DAILY, actor="tester")
    await events.answer(runs, OK)
    await events.answer(runs, OK)

    first = await events.answer(runs, NO)
    again = await events.answer(runs, YES)

    assert first["title"] == again["title"] == "Deck wiped?"
    assert first["results"] == ["Yes", "No"]
    assert first["viewId"] != again["viewId"]
    assert await events.outcome() == "Completed"


async def test_abort_while_a_view_waits_ends_the_run_and_closes_the_view(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    view = await events.view()

    await runs.abort(actor="tester")

    assert await events.outcome() == "Aborted"
    closings = [e.data for e in events.seen if e.code is EventCode.VIEW_CLOSED]
    assert closings == [
        {
            "viewId": view["viewId"],
            "runId": started.run_id,
            "result": None,
            "input": None,
            "closedBy": "mlprep",
        }
    ]
    run = services.history.get(started.run_id)
    assert run.state is RunState.ABORTED
    assert run.open_view is None
    assert all(view.closed_at is not None for view in run.views)
    assert services.procedures.get(DAILY).last_execution_time == EMPTY_DATE


async def test_abort_stops_an_action_in_progress_which_then_moves_no_counters(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    services.clock.speed = 1e-6  # the tip check would take weeks: only abort can end it
    await runs.start(DAILY, actor="tester")
    await events.answer(runs, OK)
    await events.answer(runs, OK)
    tip_check = "Tip pick-up and eject check, Front"
    while (await events.next(EventCode.MAINTENANCE_STATUS)).data["stepTitle"] != tip_check:
        pass

    await runs.abort(actor="tester")

    assert await events.outcome() == "Aborted"
    assert services.instrument.operations_performed == 0
    assert [four_counters(c) for c in services.counters.all()] == [(0, 0, 0, 0)] * 2


async def test_only_one_run_at_a_time(runs: RunEngine, events: EventRecorder) -> None:
    started = await runs.start(DAILY, actor="tester")
    await events.view()

    with pytest.raises(ConflictError) as refused:
        await runs.start(WEEKLY, actor="tester")

    assert "Daily Maintenance" in refused.value.detail
    assert started.run_id in refused.value.detail


async def test_abort_with_nothing_running_is_a_conflict(runs: RunEngine) -> None:
    with pytest.raises(ConflictError, match="nothing to abort"):
        await runs.abort(actor="tester")


async def test_starting_an_unknown_procedure_is_not_found(runs: RunEngine) -> None:
    with pytest.raises(NotFoundError):
        await runs.start("0" * 32, actor="tester")


async def test_a_result_the_view_does_not_offer_is_refused_naming_the_allowed(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    await runs.start(DAILY, actor="tester")
    view = await events.view()

    with pytest.raises(InvalidRequestError) as refused:
        await runs.close_view(view["viewId"], YES, None, actor="tester")

    assert "Ok, Cancel" in refused.value.detail
    current = services.history.current()
    assert current is not None and current.open_view is not None
    assert current.open_view.view_id == view["viewId"]


async def test_unknown_and_closed_views_are_not_found(
    runs: RunEngine, events: EventRecorder
) -> None:
    await runs.start(DAILY, actor="tester")
    closed = await events.answer(runs, OK)
    await events.view()

    with pytest.raises(NotFoundError):
        await runs.close_view("f" * 32, OK, None, actor="tester")
    with pytest.raises(NotFoundError, match="closed already"):
        await runs.close_view(closed["viewId"], OK, None, actor="tester")


async def test_two_answers_at_once_the_first_wins(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    await runs.start(DAILY, actor="tester")
    view = await events.view()

    outcomes = await asyncio.gather(
        runs.close_view(view["viewId"], OK, None, actor="first"),
        runs.close_view(view["viewId"], CANCEL, None, actor="second"),
        return_exceptions=True,
    )

    assert outcomes[0] is None
    assert isinstance(outcomes[1], NotFoundError)
    assert (await events.view())["title"] == "Empty the tip waste"
    current = services.history.current()
    assert current is not None
    assert [(v.result, v.closed_at is not None) for v in current.views] == [
        (OK, True),
        (None, False),
    ]


async def test_an_input_view_needs_its_input_and_keeps_it_with_the_run(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(WEEKLY, actor="tester")
    await events.answer(runs, OK)
    lot = await events.view()
    assert (lot["kind"], lot["inputRequired"]) == ("Input", True)

    for missing in (None, "", "   "):
        with pytest.raises(InvalidRequestError, match="needs an input"):
            await runs.close_view(lot["viewId"], OK, missing, actor="tester")
    await runs.close_view(lot["viewId"], OK, "LOT-2026-042", actor="tester")

    assert await events.outcome() == "Completed"
    run = services.history.get(started.run_id)
    assert run.inputs == {"Cleaning agent lot number": "LOT-2026-042"}
    assert [four_counters(c) for c in services.counters.all()] == [(1, 1, 1, 1), (1, 1, 1, 1)]


async def test_hepa_asks_for_a_new_pre_filter_only_over_the_threshold(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    quiet = await runs.start(HEPA, actor="tester")
    assert await events.outcome() == "Completed"
    assert services.history.get(quiet.run_id).views == []

    services.instrument.hepa_pressure_drop_pa = 200
    clogged = await runs.start(HEPA, actor="tester")
    view = await events.answer(runs, OK)

    assert view["title"] == "Replace the pre-filter"
    assert await events.outcome() == "Completed"
    assert services.history.get(clogged.run_id).inputs == {"hepaPressureDropPa": "200"}


@pytest.mark.parametrize("channels", [1])
async def test_a_one_channel_instrument_skips_the_rear_actions(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    await runs.start(DAILY, actor="tester")
    for result in (OK, OK, YES):
        await events.answer(runs, result)

    assert await events.outcome() == "Completed"
    [front] = services.counters.all()
    assert (front.name, four_counters(front)) == (Channel.FRONT, (1, 1, 0, 0))
    moved = [e.data["channel"] for e in events.seen if e.code is EventCode.COUNTERS]
    assert moved == ["Front"]
