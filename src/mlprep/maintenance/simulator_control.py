"""The simulator's control surface: its clock, faults, readings, protocol runs and factory reset.

These are mlprep's additions (DESIGN §9) that let an integrator drive the simulated instrument
through situations a real one reaches only with time and use: procedures falling due, counters
wrapping, actions failing. Every change is audited as `simulator.<what>`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mlprep.audit import AuditTrail
from mlprep.clock import SimulatedClock
from mlprep.contract.maintenance import Channel, ChannelCounter
from mlprep.contract.simulator import (
    PlannedFaultInfo,
    ProtocolRun,
    SimulatedOperation,
    SimulatorClock,
    SimulatorFaults,
    SimulatorState,
)
from mlprep.contract.time import in_zone
from mlprep.counters import CounterKind
from mlprep.errors import InvalidRequestError
from mlprep.events.bus import Event, EventBus, EventCode, Stream
from mlprep.ids import IdGenerator
from mlprep.instrument.faults import PlannedFault
from mlprep.instrument.port import Operation
from mlprep.instrument.simulator import SimulatedInstrument
from mlprep.maintenance.channel_counters import ChannelCounters
from mlprep.maintenance.engine import RunEngine
from mlprep.maintenance.procedures import Procedures
from mlprep.maintenance.protocol_runs import ProtocolRuns
from mlprep.maintenance.uv_routine import DEFAULT_INTERVAL
from mlprep.store.factory_reset import FactoryResetStore

# Far enough below the platform's largest date that every due date computed from "now" still fits.
CLOCK_LIMIT = datetime(9000, 1, 1, tzinfo=UTC)


class SimulatorControl:
    """Decides what each simulator control does to the instrument, its clock and its history."""

    def __init__(
        self,
        clock: SimulatedClock,
        instrument: SimulatedInstrument,
        engine: RunEngine,
        procedures: Procedures,
        counters: ChannelCounters,
        protocol_runs: ProtocolRuns,
        factory_reset_store: FactoryResetStore,
        ids: IdGenerator,
        bus: EventBus,
        audit: AuditTrail,
    ) -> None:
        self._clock = clock
        self._instrument = instrument
        self._engine = engine
        self._procedures = procedures
        self._counters = counters
        self._protocol_runs = protocol_runs
        self._factory_reset_store = factory_reset_store
        self._ids = ids
        self._bus = bus
        self._audit = audit

    # -- reading ----------------------------------------------------------------------------

    def state(self) -> SimulatorState:
        """Everything the simulator is set to."""
        clock = self.clock()
        faults = self.faults()
        info = self._instrument.info
        return SimulatorState(
            now=clock.now,
            speed=clock.speed,
            offset_seconds=clock.offset_seconds,
            fault_rate=faults.fault_rate,
            fault_seed=faults.fault_seed,
            planned_faults=faults.planned_faults,
            channels=list(info.channels),
            serial_number=info.serial_number,
            time_zone=str(info.time_zone),
            hepa_pressure_drop_pa=self._instrument.hepa_pressure_drop_pa,
        )

    def clock(self) -> SimulatorClock:
        """The instrument's time, speed and how far it has been advanced."""
        return SimulatorClock(
            now=in_zone(self._clock.now(), self._instrument.info.time_zone),
            speed=self._clock.speed,
            offset_seconds=self._clock.offset.total_seconds(),
        )

    def faults(self) -> SimulatorFaults:
        """The fault injector's rate, seed and planned faults."""
        injector = self._instrument.faults
        return SimulatorFaults(
            fault_rate=injector.rate,
            fault_seed=injector.seed,
            planned_faults=[
                PlannedFaultInfo(
                    operation=SimulatedOperation(fault.operation.value),
                    channel=fault.channel,
                    message=fault.message,
                )
                for fault in injector.planned
            ],
        )

    # -- the clock --------------------------------------------------------------------------

    def set_speed(self, speed: float, actor: str) -> SimulatorClock:
        """Set how fast simulated durations pass (0: actions complete at once).

        Raises:
            InvalidRequestError: a negative speed.
        """
        if speed < 0:
            raise InvalidRequestError("The speed must be zero or positive.", {"speed": [">= 0"]})
        before = self._clock.speed
        self._clock.speed = speed
        self._audit.record(
            "simulator.clock.speed", actor=actor, target="clock", detail=f"{before:g} -> {speed:g}"
        )
        return self._announce_clock(f"The clock's speed is now {speed:g}")

    def advance(self, delta: timedelta, actor: str) -> SimulatorClock:
        """Move the instrument's clock forward; procedures fall due as their due dates pass.

        Raises:
            InvalidRequestError: a negative duration, or one that would take the clock past
                the year 9000.
        """
        self._advance_clock(delta)
        self._audit.record(
            "simulator.clock.advance", actor=actor, target="clock", detail=f"+{delta}"
        )
        return self._announce_clock(f"The clock moved ahead by {delta}")

    # -- faults -----------------------------------------------------------------------------

    def plan_fault(
        self,
        operation: SimulatedOperation,
        channel: Channel | None,
        message: str | None,
        actor: str,
    ) -> SimulatorFaults:
        """Make the next `operation` (on `channel`, or on any channel) fail.

        Raises:
            NotFoundError: the instrument has no such channel.
        """
        if channel is not None:
            channel = self._counters.channel(channel.value)
        fault = PlannedFault(Operation(operation.value), channel, message or None)
        # Recorded first: a change whose audit entry cannot be stored is not made.
        self._audit.record(
            "simulator.faults.plan",
            actor=actor,
            target=operation.value,
            detail=f"channel {channel.value if channel else 'any'}"
            + (f": {message}" if message else ""),
        )
        self._instrument.faults.plan(fault)
        return self.faults()

    def configure_faults(self, rate: float, seed: int | None, actor: str) -> SimulatorFaults:
        """Set the random fault rate (0–1) and its seed (None: not repeatable).

        Raises:
            InvalidRequestError: a rate outside 0–1.
        """
        if not 0.0 <= rate <= 1.0:
            raise InvalidRequestError(
                "The fault rate is a probability between 0 and 1.", {"rate": ["0 to 1"]}
            )
        self._audit.record(
            "simulator.faults.configure",
            actor=actor,
            target="faults",
            detail=f"rate {rate:g}, seed {seed}",
        )
        self._instrument.faults.configure(rate, seed)
        return self.faults()

    def clear_faults(self, actor: str) -> SimulatorFaults:
        """Forget planned faults and set the random rate to 0."""
        self._audit.record("simulator.faults.clear", actor=actor, target="faults")
        self._instrument.faults.clear()
        return self.faults()

    # -- readings and counters --------------------------------------------------------------

    def set_hepa_pressure_drop(self, pressure_drop_pa: float, actor: str) -> float:
        """Set the pressure drop the HEPA filter check will read (above 150 Pa it asks for a new
        pre-filter).

        Raises:
            InvalidRequestError: a negative pressure drop.
        """
        if pressure_drop_pa < 0:
            raise InvalidRequestError(
                "The pressure drop must be zero or positive.", {"pressureDropPa": [">= 0"]}
            )
        before = self._instrument.hepa_pressure_drop_pa
        self._audit.record(
            "simulator.hepa.set",
            actor=actor,
            target="hepa",
            detail=f"{before:g} Pa -> {pressure_drop_pa:g} Pa",
        )
        self._instrument.hepa_pressure_drop_pa = pressure_drop_pa
        return pressure_drop_pa

    def set_counters(
        self, channel_text: str, values: dict[CounterKind, int], actor: str
    ) -> ChannelCounter:
        """Set some of a channel's counters (lifetime totals stay); returns the channel's counters.

        Raises:
            NotFoundError: no such channel on the instrument.
            InvalidRequestError: no counter given.
        """
        if not values:
            raise InvalidRequestError("Give at least one counter to set.")
        channel = self._counters.set_values(channel_text, values, actor)
        return next(counter for counter in self._counters.all() if counter.name is channel)

    # -- protocol runs ----------------------------------------------------------------------

    def simulate_protocol_run(
        self, duration: timedelta, tips: int, transfers: int, actor: str
    ) -> ProtocolRun:
        """Let one protocol run happen on every channel: its duration passes on the simulated
        clock (at once, whatever the speed), then the run and the counters it moved are recorded
        together. With the UV routine on `EveryProtocolRun`, UV Decontamination falls due.

        Raises:
            ConflictError: a maintenance run is in progress.
            InvalidRequestError: a negative duration or count, or a clock past the year 9000.
        """
        if tips < 0 or transfers < 0:
            raise InvalidRequestError("Tips and transfers must be zero or positive.")
        self._engine.ensure_idle("simulate a protocol run")
        started_at = self._clock.now()
        self._advance_clock(duration)
        ended_at = self._clock.now()
        run_id = self._ids.new_id()
        deltas = {
            CounterKind.TIP_PICK_UP: tips,
            CounterKind.TIP_EJECT: tips,
            CounterKind.ASPIRATE: transfers,
            CounterKind.DISPENSE: transfers,
        }
        channels = self._instrument.info.channels
        self._protocol_runs.record(
            run_id, started_at, ended_at, {channel: dict(deltas) for channel in channels}
        )
        self._audit.record(
            "simulator.protocol-run",
            actor=actor,
            target=run_id,
            detail=f"{duration}, {tips} tips, {transfers} transfers",
        )
        for channel in channels:
            self._announce_counters(
                channel,
                f"Counters of channel {channel.value} moved by protocol run {run_id}",
                {
                    "deltas": {kind.value: delta for kind, delta in deltas.items()},
                    "protocolRunId": run_id,
                },
            )
        zone = self._instrument.info.time_zone
        return ProtocolRun(
            id=run_id, started_at=in_zone(started_at, zone), ended_at=in_zone(ended_at, zone)
        )

    # -- factory reset ----------------------------------------------------------------------

    def factory_reset(self, actor: str) -> SimulatorState:
        """Put the instrument back in its factory state: no runs, views, errors or protocol runs;
        counters and lifetime totals at 0; every procedure never executed; the default UV
        interval; the catalogue loaded afresh; no faults and default readings.

        Users, tokens and the audit trail stay. The clock keeps its time and speed: time never
        runs backward, since stored timestamps (the audit trail's) were taken on it.

        Raises:
            ConflictError: a maintenance run is in progress.
        """
        self._engine.ensure_idle("reset the instrument to its factory state")
        self._factory_reset_store.reset(DEFAULT_INTERVAL)
        self._engine.history_replaced()
        self._counters.reload()
        self._procedures.initialize(actor)  # reads the rest of the state back
        self._instrument.factory_reset()
        self._audit.record("simulator.factory-reset", actor=actor, target="instrument")
        for channel in self._instrument.info.channels:
            self._announce_counters(
                channel, f"Counters of channel {channel.value} reset", {"how": "factory-reset"}
            )
        self._bus.publish(
            Event(EventCode.FACTORY_RESET, "Factory reset", {}, stream=Stream.SIMULATOR)
        )
        return self.state()

    # -- inside -----------------------------------------------------------------------------

    def _advance_clock(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise InvalidRequestError("The clock only moves forward.")
        if self._clock.now() + delta >= CLOCK_LIMIT:
            raise InvalidRequestError(
                f"The simulated clock cannot go past {CLOCK_LIMIT.date().isoformat()}."
            )
        self._clock.advance(delta)

    def _announce_clock(self, description: str) -> SimulatorClock:
        clock = self.clock()
        data = clock.model_dump(mode="json", by_alias=True)
        self._bus.publish(Event(EventCode.CLOCK, description, data, stream=Stream.SIMULATOR))
        return clock

    def _announce_counters(
        self, channel: Channel, description: str, data: dict[str, object]
    ) -> None:
        self._bus.publish(
            Event(EventCode.COUNTERS, description, {"channel": channel.value, **data})
        )
