"""`/mlprep/v1/simulator`: control of the simulated instrument (permission ControlSimulator).

The handlers are `async` although they await nothing: they then run on the event loop, as the run
engine does, so a check such as "no maintenance run in progress" cannot interleave with a start.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path

from mlprep.api.bodies import accepts_json_body, accepts_optional_json_body, json_request_body
from mlprep.api.dependencies import ServicesDep, requires
from mlprep.api.responses import problem_responses
from mlprep.auth.permissions import Permission
from mlprep.auth.principal import Principal
from mlprep.contract.maintenance import ChannelCounter
from mlprep.contract.simulator import (
    ChannelCounterValues,
    ClockAdvanceRequest,
    ClockSpeedRequest,
    FaultPlanRequest,
    FaultRateRequest,
    HepaPressureDrop,
    ProtocolRun,
    ProtocolRunRequest,
    SimulatorClock,
    SimulatorFaults,
    SimulatorState,
)
from mlprep.counters import CounterKind

router = APIRouter(prefix="/simulator", tags=["Simulator"])

Controller = Annotated[Principal, Depends(requires(Permission.CONTROL_SIMULATOR))]
JSON_BODY = [Depends(accepts_json_body)]
BODY_ERRORS = problem_responses(400, 401, 403, 415)


@router.get(
    "",
    operation_id="getSimulator",
    response_description="The simulator's state",
    summary="Everything the simulated instrument is set to",
    response_model=SimulatorState,
    responses=problem_responses(401, 403),
)
async def get_simulator(_: Controller, services: ServicesDep) -> SimulatorState:
    return services.simulator.state()


@router.get(
    "/clock",
    operation_id="getSimulatorClock",
    response_description="The simulated clock",
    summary="The simulated instrument's clock",
    response_model=SimulatorClock,
    responses=problem_responses(401, 403),
)
async def get_clock(_: Controller, services: ServicesDep) -> SimulatorClock:
    return services.simulator.clock()


@router.put(
    "/clock/speed",
    operation_id="setSimulatorClockSpeed",
    response_description="The clock with its new speed",
    summary="Sets how many simulated seconds pass per real second (0: actions complete at once)",
    response_model=SimulatorClock,
    dependencies=JSON_BODY,
    responses=BODY_ERRORS,
    openapi_extra=json_request_body(ClockSpeedRequest),
)
async def set_clock_speed(
    body: ClockSpeedRequest, principal: Controller, services: ServicesDep
) -> SimulatorClock:
    return services.simulator.set_speed(body.speed, principal.user_name)


@router.post(
    "/clock/advance",
    operation_id="advanceSimulatorClock",
    response_description="The clock after the advance",
    summary="Moves the simulated clock forward, so that procedures fall due",
    response_model=SimulatorClock,
    dependencies=JSON_BODY,
    responses=BODY_ERRORS,
    openapi_extra=json_request_body(ClockAdvanceRequest),
)
async def advance_clock(
    body: ClockAdvanceRequest, principal: Controller, services: ServicesDep
) -> SimulatorClock:
    delta = timedelta(days=body.days, hours=body.hours, minutes=body.minutes, seconds=body.seconds)
    return services.simulator.advance(delta, principal.user_name)


@router.post(
    "/faults/next",
    operation_id="planSimulatorFault",
    response_description="The fault is planned",
    summary="Makes the next operation of a kind (on a channel, or any) fail",
    response_model=SimulatorFaults,
    dependencies=JSON_BODY,
    responses=problem_responses(400, 401, 403, 404, 415),
    openapi_extra=json_request_body(FaultPlanRequest),
)
async def plan_fault(
    body: FaultPlanRequest, principal: Controller, services: ServicesDep
) -> SimulatorFaults:
    return services.simulator.plan_fault(
        body.operation, body.channel, body.message, principal.user_name
    )


@router.put(
    "/faults",
    operation_id="setSimulatorFaultRate",
    response_description="The fault rate and seed are set",
    summary="Sets the random fault rate (0-1) and its seed",
    response_model=SimulatorFaults,
    dependencies=JSON_BODY,
    responses=BODY_ERRORS,
    openapi_extra=json_request_body(FaultRateRequest),
)
async def set_fault_rate(
    body: FaultRateRequest, principal: Controller, services: ServicesDep
) -> SimulatorFaults:
    return services.simulator.configure_faults(body.rate, body.seed, principal.user_name)


@router.delete(
    "/faults",
    operation_id="clearSimulatorFaults",
    response_description="No fault is planned and the rate is 0",
    summary="Forgets planned faults and sets the random fault rate to 0",
    response_model=SimulatorFaults,
    responses=problem_responses(401, 403),
)
async def clear_faults(principal: Controller, services: ServicesDep) -> SimulatorFaults:
    return services.simulator.clear_faults(principal.user_name)


@router.post(
    "/protocol-runs",
    operation_id="simulateProtocolRun",
    response_description="The protocol run that was simulated",
    summary="Simulates one protocol run: time passes, counters move, UV may fall due",
    response_model=ProtocolRun,
    dependencies=[Depends(accepts_optional_json_body)],
    responses=problem_responses(400, 401, 403, 409, 415),
    openapi_extra=json_request_body(ProtocolRunRequest, required=False),
)
async def simulate_protocol_run(
    principal: Controller,
    services: ServicesDep,
    body: Annotated[ProtocolRunRequest, Body(default_factory=ProtocolRunRequest)],
) -> ProtocolRun:
    return services.simulator.simulate_protocol_run(
        timedelta(seconds=body.duration_seconds), body.tips, body.transfers, principal.user_name
    )


@router.put(
    "/counters/{channel}",
    operation_id="setSimulatorChannelCounters",
    response_description="The channel's counters as set",
    summary="Sets some of a channel's counters (lifetime totals stay)",
    response_model=ChannelCounter,
    dependencies=JSON_BODY,
    responses=problem_responses(400, 401, 403, 404, 415),
    openapi_extra=json_request_body(ChannelCounterValues),
)
async def set_counters(
    channel: Annotated[str, Path(description="Front or Rear (any case), or 1 or 2")],
    body: ChannelCounterValues,
    principal: Controller,
    services: ServicesDep,
) -> ChannelCounter:
    given = {
        CounterKind.TIP_PICK_UP: body.tip_pick_up_counter,
        CounterKind.TIP_EJECT: body.tip_eject_counter,
        CounterKind.ASPIRATE: body.aspirate_counter,
        CounterKind.DISPENSE: body.dispense_counter,
    }
    values = {kind: value for kind, value in given.items() if value is not None}
    return services.simulator.set_counters(channel, values, principal.user_name)


@router.put(
    "/hepa",
    operation_id="setSimulatorHepaPressureDrop",
    response_description="The HEPA reading is set",
    summary="Sets the pressure drop the HEPA filter check reads (over 150 Pa: replace pre-filter)",
    response_model=HepaPressureDrop,
    dependencies=JSON_BODY,
    responses=BODY_ERRORS,
    openapi_extra=json_request_body(HepaPressureDrop),
)
async def set_hepa(
    body: HepaPressureDrop, principal: Controller, services: ServicesDep
) -> HepaPressureDrop:
    reading = services.simulator.set_hepa_pressure_drop(body.pressure_drop_pa, principal.user_name)
    return HepaPressureDrop(pressure_drop_pa=reading)


@router.post(
    "/factory-reset",
    operation_id="factoryResetSimulator",
    response_description="The instrument is back in its factory state",
    summary="Forgets runs, protocol runs, counters and executions; users and audit trail stay",
    response_model=SimulatorState,
    responses=problem_responses(401, 403, 409),
)
async def factory_reset(principal: Controller, services: ServicesDep) -> SimulatorState:
    return services.simulator.factory_reset(principal.user_name)
