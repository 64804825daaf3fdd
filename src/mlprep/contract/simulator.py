"""Wire models of mlprep's simulator control (`/mlprep/v1/simulator`)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from mlprep.contract.base import WireModel
from mlprep.contract.maintenance import Channel, WireEnum
from mlprep.contract.numbers import Number, WholeNumber
from mlprep.contract.time import InstrumentTime

COUNTER_MAX = 2**32 - 1
# A counter to set, if given: a whole number in the counters' range (null is not a value).
Counter = Annotated[
    WholeNumber | None,
    WithJsonSchema({"type": "integer", "format": "int64", "minimum": 0, "maximum": COUNTER_MAX}),
]
SEED_MAX = 2**63 - 1
# Bounds that keep the simulated clock far from the largest date the platform can show.
MAX_ADVANCE_DAYS = 36_500
MAX_PROTOCOL_RUN_SECONDS = 30 * 86_400


class SimulatedOperation(WireEnum):
    """An instrument operation a fault can be planned for."""

    TIP_CHECK = "tip_check"
    LEAK_CHECK = "leak_check"
    UV_LAMP = "uv_lamp"
    HEPA_PRESSURE = "hepa_pressure"
    MEASURE_OFFSET = "measure_offset"


class SimulatorClock(WireModel):
    """The simulated instrument's clock."""

    now: InstrumentTime
    speed: float = Field(description="Simulated seconds per real second; 0 = actions at once")
    offset_seconds: float = Field(description="How far the clock has been moved ahead of real time")


class PlannedFaultInfo(WireModel):
    """A fault waiting for its operation: the next one of its kind (on its channel) fails."""

    operation: SimulatedOperation
    channel: Channel | None = Field(description="None: the next such operation on any channel")
    message: str | None = Field(description="None: one of the catalogue's texts for it")


class SimulatorFaults(WireModel):
    """The fault injector: a random rate with its seed, and the planned faults."""

    fault_rate: float
    fault_seed: int | None
    planned_faults: list[PlannedFaultInfo]


class SimulatorState(WireModel):
    """Everything the simulator is set to (`GET /simulator`)."""

    now: InstrumentTime
    speed: float
    offset_seconds: float
    fault_rate: float
    fault_seed: int | None
    planned_faults: list[PlannedFaultInfo]
    channels: list[Channel]
    serial_number: str
    time_zone: str
    hepa_pressure_drop_pa: float


class ClockSpeedRequest(WireModel):
    """`PUT /simulator/clock/speed`."""

    speed: Number = Field(ge=0, le=1_000_000, examples=[0, 1, 60])


class ClockAdvanceRequest(WireModel):
    """`POST /simulator/clock/advance`: the parts are added up; at least one must be given."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    seconds: Number = Field(default=0, ge=0, le=MAX_ADVANCE_DAYS * 86_400)
    minutes: Number = Field(default=0, ge=0, le=MAX_ADVANCE_DAYS * 1_440)
    hours: Number = Field(default=0, ge=0, le=MAX_ADVANCE_DAYS * 24)
    days: Number = Field(default=0, ge=0, le=MAX_ADVANCE_DAYS)

    @model_validator(mode="after")
    def _names_a_duration(self) -> Self:
        # A misspelt field would otherwise be ignored and advance by nothing.
        if not self.model_fields_set:
            raise ValueError("Give at least one of seconds, minutes, hours, days.")
        return self


class FaultPlanRequest(WireModel):
    """`POST /simulator/faults/next`: fail the next operation of this kind on this channel."""

    operation: SimulatedOperation
    channel: Channel | None = None
    message: str | None = Field(default=None, max_length=1_000)


class FaultRateRequest(WireModel):
    """`PUT /simulator/faults`: the random fault rate and the seed that makes it repeatable."""

    rate: Number = Field(ge=0, le=1)
    seed: Annotated[
        WholeNumber | None,
        WithJsonSchema({"type": ["integer", "null"], "minimum": 0, "maximum": SEED_MAX}),
    ] = None

    @field_validator("seed")
    @classmethod
    def _seed_in_range(cls, seed: int | None) -> int | None:
        if seed is not None and not 0 <= seed <= SEED_MAX:
            raise ValueError(f"The seed must be a whole number from 0 to {SEED_MAX}.")
        return seed


class ProtocolRunRequest(WireModel):
    """`POST /simulator/protocol-runs` (every field optional): one simulated protocol run."""

    duration_seconds: Number = Field(default=1_800, ge=0, le=MAX_PROTOCOL_RUN_SECONDS)
    tips: WholeNumber = Field(default=8, ge=0, le=COUNTER_MAX)
    transfers: WholeNumber = Field(default=24, ge=0, le=COUNTER_MAX)


class ProtocolRun(WireModel):
    """A protocol run the simulated instrument has done."""

    id: str
    started_at: InstrumentTime
    ended_at: InstrumentTime


class ChannelCounterValues(WireModel):
    """`PUT /simulator/counters/{channel}`: the counters to set; at least one must be given."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    tip_pick_up_counter: Counter = None
    tip_eject_counter: Counter = None
    aspirate_counter: Counter = None
    dispense_counter: Counter = None

    @field_validator("*")
    @classmethod
    def _in_range(cls, value: int | None) -> int | None:
        if value is None:
            raise ValueError("Give a whole number from 0 to 4294967295, or leave the counter out.")
        if not 0 <= value <= COUNTER_MAX:
            raise ValueError(f"A counter holds a whole number from 0 to {COUNTER_MAX}.")
        return value

    @model_validator(mode="after")
    def _names_a_counter(self) -> Self:
        if all(value is None for value in self.model_dump().values()):
            raise ValueError(
                "Give at least one of tipPickUpCounter, tipEjectCounter, aspirateCounter, "
                "dispenseCounter."
            )
        return self


class HepaPressureDrop(WireModel):
    """`PUT /simulator/hepa`: the pressure drop (Pa) the HEPA filter check will read."""

    pressure_drop_pa: Number = Field(ge=0, le=100_000)


__all__ = [
    "ChannelCounterValues",
    "ClockAdvanceRequest",
    "ClockSpeedRequest",
    "FaultPlanRequest",
    "FaultRateRequest",
    "HepaPressureDrop",
    "PlannedFaultInfo",
    "ProtocolRun",
    "ProtocolRunRequest",
    "SimulatedOperation",
    "SimulatorClock",
    "SimulatorFaults",
    "SimulatorState",
]
