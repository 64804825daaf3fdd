"""SimulatorControl decides what each simulator control does; here on real stores at speed 0."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mlprep.contract.maintenance import Channel, UvInterval
from mlprep.contract.simulator import SimulatedOperation
from mlprep.contract.time import EMPTY_DATE
from mlprep.counters import CounterKind
from mlprep.errors import ConflictError, InvalidRequestError, NotFoundError
from mlprep.events.bus import EventCode
from mlprep.instrument.port import Operation
from mlprep.maintenance.catalogue import load_catalogue
from mlprep.services import Services

ACTOR = "tester"
DAILY = next(p.id for p in load_catalogue().procedures if p.key == "daily")


def test_the_wire_operations_are_the_instruments() -> None:
    assert [o.value for o in SimulatedOperation] == [o.value for o in Operation]


def test_the_clock_only_moves_forward_and_not_past_the_year_9000(services: Services) -> None:
    control = services.simulator
    before = services.clock.now()
    with pytest.raises(InvalidRequestError):
        control.advance(timedelta(seconds=-1), ACTOR)
    with pytest.raises(InvalidRequestError, match="9000"):
        control.advance(timedelta(days=365 * 7000), ACTOR)
    assert services.clock.now() == before
    assert control.advance(timedelta(hours=2), ACTOR).offset_seconds == 7200


@pytest.mark.parametrize("channels", [1])
def test_a_one_channel_instrument_has_no_rear_channel_to_fail(services: Services) -> None:
    with pytest.raises(NotFoundError, match=r"Front \(1\)"):
        services.simulator.plan_fault(SimulatedOperation.TIP_CHECK, Channel.REAR, None, ACTOR)
    faults = services.simulator.plan_fault(SimulatedOperation.TIP_CHECK, None, "", ACTOR)
    assert [(f.channel, f.message) for f in faults.planned_faults] == [(None, None)]


@pytest.mark.parametrize("channels", [1])
def test_a_protocol_run_moves_the_counters_of_present_channels_only(services: Services) -> None:
    run = services.simulator.simulate_protocol_run(timedelta(minutes=10), 2, 5, ACTOR)

    assert run.ended_at - run.started_at == timedelta(minutes=10)
    assert run.ended_at == services.clock.now()
    [front] = services.counters.with_lifetime()
    assert front.values == {
        CounterKind.TIP_PICK_UP: 2,
        CounterKind.TIP_EJECT: 2,
        CounterKind.ASPIRATE: 5,
        CounterKind.DISPENSE: 5,
    }
    assert front.lifetime == front.values


def test_a_protocol_run_announces_the_counters_it_moved(services: Services) -> None:
    subscription = services.bus.subscribe()
    run = services.simulator.simulate_protocol_run(timedelta(0), 1, 1, ACTOR)
    announced = [subscription.queue.get_nowait() for _ in range(subscription.queue.qsize())]
    assert [
        (e.data["channel"], e.data["protocolRunId"])
        for e in announced
        if e is not None and e.code is EventCode.COUNTERS
    ] == [("Front", run.id), ("Rear", run.id)]


@pytest.mark.anyio
async def test_protocol_runs_and_factory_reset_wait_for_a_maintenance_run(
    services: Services,
) -> None:
    await services.engine_runs.start(DAILY, ACTOR)
    try:
        with pytest.raises(ConflictError, match="Daily Maintenance"):
            services.simulator.simulate_protocol_run(timedelta(minutes=1), 1, 1, ACTOR)
        with pytest.raises(ConflictError, match="Daily Maintenance"):
            services.simulator.factory_reset(ACTOR)
    finally:
        await services.engine_runs.shutdown()
    assert services.protocol_runs.first_end_after(None) is None


def test_setting_no_counter_is_refused(services: Services) -> None:
    with pytest.raises(InvalidRequestError):
        services.simulator.set_counters("Front", {}, ACTOR)


def test_factory_reset_restores_the_defaults(services: Services) -> None:
    control = services.simulator
    control.simulate_protocol_run(timedelta(minutes=1), 3, 3, ACTOR)
    control.set_hepa_pressure_drop(200, ACTOR)
    control.configure_faults(0.5, 7, ACTOR)
    services.uv_routine.change(UvInterval.WEEKLY, ACTOR)
    clock_before = services.clock.now()

    state = control.factory_reset(ACTOR)

    assert (state.fault_rate, state.planned_faults, state.hepa_pressure_drop_pa) == (0, [], 120)
    assert services.clock.now() == clock_before  # the clock keeps its time
    assert services.uv_routine.settings().interval is UvInterval.DAILY
    assert services.protocol_runs.first_end_after(None) is None
    assert all(
        value == 0
        for counter in services.counters.with_lifetime()
        for value in (*counter.values.values(), *counter.lifetime.values())
    )
    assert {p.last_execution_time for p in services.procedures.all()} == {EMPTY_DATE}
