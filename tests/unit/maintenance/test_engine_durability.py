"""Durability: each change is stored before it is announced, an answer that ends a run commits the
run's end before it is acknowledged, and a crash leaves no run hanging (an acknowledged abort
stays an abort)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from mlprep.clock import FakeClock
from mlprep.contract.maintenance import Channel, StartedRun, ViewResult
from mlprep.contract.runs import TERMINAL_STATES, Run, RunState
from mlprep.contract.time import EMPTY_DATE
from mlprep.events.bus import Event, EventCode
from mlprep.instrument.faults import PlannedFault
from mlprep.instrument.port import Operation
from mlprep.maintenance.catalogue import load_catalogue
from mlprep.maintenance.engine import RunEngine
from mlprep.services import Services, open_services
from mlprep.settings import Settings
from mlprep.store.runs import RunStore
from tests.statements import statements_on
from tests.unit.maintenance.event_recorder import EventRecorder

pytestmark = pytest.mark.anyio

PROCEDURE_ID = {p.key: p.id for p in load_catalogue().procedures}
DAILY = PROCEDURE_ID["daily"]
WEEKLY = PROCEDURE_ID["weekly"]
OK, YES = ViewResult.OK, ViewResult.YES


async def at_the_tip_waste_view(
    runs: RunEngine, events: EventRecorder
) -> tuple[StartedRun, dict[str, Any]]:
    """Daily started and its first view answered: the run waits at "Empty the tip waste", the
    view before the two tip checks."""
    started = await runs.start(DAILY, actor="tester")
    await events.answer(runs, OK)
    return started, await events.view()


async def test_recover_marks_a_run_left_unfinished_interrupted_and_closes_its_view(
    settings: Settings, clock: FakeClock, services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    await events.view()

    restarted = open_services(settings, clock=clock, ids=services.ids)
    try:
        assert restarted.engine_runs.recover() == [started.run_id]
        run = restarted.history.get(started.run_id)
        assert run.state is RunState.INTERRUPTED
        assert run.ended_at is not None
        assert run.open_view is None
        assert [view.closed_at is not None for view in run.views] == [True]
        assert restarted.engine_runs.recover() == []
    finally:
        restarted.close()


def at_or_past(run: Run, state: str, step: int) -> bool:
    """Whether the stored `run` is in `state` at `step`, or has moved past it. The steps between
    an answer and the next view are committed together, with the view: their announcements then
    find the run at that view, further on."""
    if run.state in TERMINAL_STATES or run.progress.step > step:
        return True
    if run.progress.step < step:
        return False
    waiting = (RunState.WAITING_FOR_VIEW, RunState.ERROR_PENDING)
    return run.state.value == state or (state == RunState.RUNNING.value and run.state in waiting)


async def test_every_announcement_is_stored_when_it_is_made(
    services: Services, runs: RunEngine, events: EventRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    mismatches: list[str] = []
    checked: list[EventCode] = []
    publish = services.bus.publish

    def stored_as_announced(event: Event) -> bool:
        data = event.data
        if event.code is EventCode.MAINTENANCE_DATA:
            current = services.history.current()
            view = current.open_view if current else None
            return view is not None and view.view_id == data["viewId"]
        if event.code is EventCode.MAINTENANCE_STATUS:
            run = services.history.get(data["runId"])
            return at_or_past(run, str(data["state"]), int(data["step"]))
        if event.code is EventCode.FINISHED:
            return services.history.get(data["runId"]).state.value == str(data["outcome"])
        if event.code is EventCode.VIEW_CLOSED:
            views = services.history.get(data["runId"]).views
            return all(v.closed_at is not None for v in views if v.view_id == data["viewId"])
        if event.code is EventCode.COUNTERS:
            moved = {c.name.value: c.tip_pick_up_counter for c in services.counters.all()}
            return moved[data["channel"]] == 1
        return True

    def publish_after_checking(event: Event) -> None:
        # Checked here, while the engine publishes; asserting here would fail the run instead.
        if not stored_as_announced(event):
            mismatches.append(f"{event.code.value}: {event.data}")
        checked.append(event.code)
        publish(event)

    monkeypatch.setattr(services.bus, "publish", publish_after_checking)
    await runs.start(DAILY, actor="tester")
    for result in (OK, OK, YES):
        await events.answer(runs, result)
    assert await events.outcome() == "Completed"
    await runs.start(WEEKLY, actor="tester")
    await events.view()
    await runs.abort(actor="tester")
    assert await events.outcome() == "Aborted"

    assert mismatches == []
    assert set(checked) >= {
        EventCode.MAINTENANCE_STATUS,
        EventCode.MAINTENANCE_DATA,
        EventCode.VIEW_CLOSED,
        EventCode.COUNTERS,
        EventCode.FINISHED,
    }


def stored(services: Services, run_id: str) -> tuple[RunState, bool]:
    """The run's state as stored, and whether Daily's last execution is stamped."""
    daily = next(p for p in services.procedures.all() if p.id == DAILY)
    return services.history.get(run_id).state, daily.last_execution_time != EMPTY_DATE


async def test_the_answer_that_ends_a_run_commits_the_end_before_it_returns(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    await events.answer(runs, OK)
    await events.answer(runs, OK)
    last = await events.view()  # "Deck wiped?"

    await runs.close_view(last["viewId"], YES, None, actor="tester")

    # Nothing else has run on the loop yet: a crash now would lose nothing acknowledged.
    assert stored(services, started.run_id) == (RunState.COMPLETED, True)
    assert await events.outcome() == "Completed"
    assert stored(services, started.run_id) == (RunState.COMPLETED, True)


async def test_an_answer_the_run_goes_on_from_returns_once_the_next_view_is_stored(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started, tip_waste = await at_the_tip_waste_view(runs, events)

    await runs.close_view(tip_waste["viewId"], OK, None, actor="tester")

    # Acknowledged: the answer, the two tip checks it led to and the next view, all stored.
    run = services.history.get(started.run_id)
    assert run.state is RunState.WAITING_FOR_VIEW
    assert run.open_view is not None and run.open_view.title == "Deck wiped?"
    assert [v.result for v in run.views if v.view_id == tip_waste["viewId"]] == ["Ok"]
    assert [c.tip_pick_up_counter for c in services.counters.all()] == [1, 1]
    closed = (await events.next(EventCode.VIEW_CLOSED)).data
    assert (closed["viewId"], closed["result"]) == (tip_waste["viewId"], "Ok")
    assert (await events.view())["title"] == "Deck wiped?"  # announced after the answer


@pytest.mark.parametrize("result", [ViewResult.CANCEL, ViewResult.ABORT])
async def test_an_answer_that_aborts_commits_the_abort_before_it_returns(
    services: Services, runs: RunEngine, events: EventRecorder, result: ViewResult
) -> None:
    started = await runs.start(DAILY, actor="tester")
    if result is ViewResult.ABORT:  # an Error view: plan a fault on the first tip check
        services.instrument.faults.plan(PlannedFault(Operation.TIP_CHECK, Channel.FRONT))
        await events.answer(runs, OK)
        await events.answer(runs, OK)
    view = await events.view()

    await runs.close_view(view["viewId"], result, None, actor="tester")

    assert stored(services, started.run_id) == (RunState.ABORTED, False)
    assert await events.outcome() == "Aborted"
    assert [e.message for e in services.history.errors()] == (
        ["Abort"] if result is ViewResult.ABORT else []
    )


async def test_an_acknowledged_abort_survives_a_crash_as_aborted(
    settings: Settings, clock: FakeClock, services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    await events.view()
    await runs.abort(actor="tester")  # acknowledged; the run ends at its next safe point

    restarted = open_services(settings, clock=clock, ids=services.ids)  # as after a kill -9
    try:
        assert restarted.engine_runs.recover() == [started.run_id]
        run = restarted.history.get(started.run_id)
        assert run.state is RunState.ABORTED
        assert run.open_view is None
    finally:
        restarted.close()


async def test_the_steps_before_the_next_view_are_kept_or_lost_together(
    services: Services, runs: RunEngine, events: EventRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, tip_waste = await at_the_tip_waste_view(runs, events)

    def database_gone(*_args: object) -> None:
        raise OperationalError("INSERT INTO views", {}, Exception("disk I/O error"))

    # The tip checks run, then the next view cannot be stored: their changes go with it, and
    # so does the answer they followed, which is therefore not acknowledged.
    monkeypatch.setattr(RunStore, "open_view", database_gone)
    with pytest.raises(OperationalError):
        await runs.close_view(tip_waste["viewId"], OK, None, actor="tester")

    assert await events.outcome() == "Failed"
    assert EventCode.COUNTERS not in {event.code for event in events.seen}
    closed = [e.data for e in events.seen if e.code is EventCode.VIEW_CLOSED]
    assert closed[-1]["viewId"] == tip_waste["viewId"]
    assert closed[-1]["result"] is None  # closed by the run's end, not by the answer
    assert [counter.tip_pick_up_counter for counter in services.counters.all()] == [0, 0]
    restarted = open_services(services.settings, ids=services.ids)
    try:
        assert [c.tip_pick_up_counter for c in restarted.counters.all()] == [0, 0]
        run = restarted.history.get(started.run_id)
        assert run.state is RunState.FAILED
        assert run.inputs == {}
    finally:
        restarted.close()


async def test_the_steps_before_the_next_view_write_each_row_once(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started, tip_waste = await at_the_tip_waste_view(runs, events)

    # Two tip checks (one per channel) run between this answer and the next view. Each moves
    # its channel's counters and passes simulated time; the run's state and the clock's offset
    # are kept once, as they are when the view opens, not once per step.
    with statements_on(services.engine) as executed:
        await runs.close_view(tip_waste["viewId"], OK, None, actor="tester")
        await events.view()

    writes = [
        s.split(" WHERE")[0].split(" (")[0] for s in executed if s[:6] in {"UPDATE", "INSERT"}
    ]
    assert writes.count("UPDATE instrument_settings SET clock_offset_us=?, clock_speed=?") == 1
    assert writes.count("INSERT INTO counter_moves") == 2
    assert writes.count("UPDATE runs SET state=?, step_index=?") == 2  # the last step's, the view's
    assert writes[-1] == "UPDATE runs SET state=?, step_index=?"
    run = services.history.get(started.run_id)
    assert run.state is RunState.WAITING_FOR_VIEW
    assert services.instrument_settings.clock_state().offset > timedelta(0)  # time the steps took


async def test_an_answer_whose_request_is_gone_still_moves_the_run_on(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    first = await events.view()

    # The client gives up on its close-view while the answer waits for its commit.
    answering = asyncio.create_task(runs.close_view(first["viewId"], OK, None, actor="tester"))
    await asyncio.sleep(0)
    answering.cancel()

    assert (await events.view())["title"] == "Empty the tip waste"
    run = services.history.get(started.run_id)
    assert run.state is RunState.WAITING_FOR_VIEW
    assert [v.result for v in run.views if v.view_id == first["viewId"]] == ["Ok"]
