"""The simulator adapter: operations take time on the simulated clock and may fault."""

from __future__ import annotations

from datetime import timedelta

from mlprep.clock import SimulatedClock
from mlprep.contract.maintenance import Channel
from mlprep.instrument.faults import FaultInjector
from mlprep.instrument.port import (
    InstrumentFault,
    InstrumentInfo,
    Operation,
    OperationRequest,
    OperationResult,
)

DEFAULT_HEPA_PRESSURE_DROP_PA = 120.0
DEFAULT_OFFSETS_UM = {Channel.FRONT: 12.0, Channel.REAR: -8.0}


class SimulatedInstrument:
    """A Microlab Prep in software: configurable channels, readings and faults."""

    def __init__(self, info: InstrumentInfo, clock: SimulatedClock, faults: FaultInjector) -> None:
        self._info = info
        self.clock = clock
        self.faults = faults
        self.hepa_pressure_drop_pa = DEFAULT_HEPA_PRESSURE_DROP_PA
        self.offsets_um = dict(DEFAULT_OFFSETS_UM)
        self.operations_performed = 0

    @property
    def info(self) -> InstrumentInfo:
        return self._info

    def takes_time(self, request: OperationRequest) -> bool:
        return self.clock.speed > 0 and request.duration > timedelta(0)

    async def perform(self, request: OperationRequest) -> OperationResult:
        """Let the operation's duration pass, then fail or report its reading."""
        if request.channel is not None and request.channel not in self._info.channels:
            raise InstrumentFault(f"Channel {request.channel.value} is not installed.")
        await self.clock.pass_time(request.duration)
        self.operations_performed += 1
        fault = self.faults.fault_for(request.operation, request.channel, request.possible_faults)
        if fault is not None:
            raise InstrumentFault(fault)
        if request.operation is Operation.HEPA_PRESSURE:
            return OperationResult(self.hepa_pressure_drop_pa)
        if request.operation is Operation.MEASURE_OFFSET and request.channel is not None:
            return OperationResult(self.offsets_um[request.channel])
        return OperationResult()

    def factory_reset(self) -> None:
        """Forget planned faults and readings set by hand."""
        self.faults.clear()
        self.hepa_pressure_drop_pa = DEFAULT_HEPA_PRESSURE_DROP_PA
        self.offsets_um = dict(DEFAULT_OFFSETS_UM)
