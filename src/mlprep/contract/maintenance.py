"""Wire models of the vendor's maintenance operations (the reference contract's schemas)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from mlprep.contract.base import WireModel, nullable_as_vendor
from mlprep.contract.time import InstrumentTime


class WireEnum(StrEnum):
    """A string enum read as ASP.NET's JsonStringEnumConverter reads them: by name in any letter
    case, or by its integer value (the member's position, 0 first)."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # Say what is read: the names, or their positions as integers.
        names = handler(core_schema)
        title = names.pop("title", cls.__name__)
        names.pop("description", None)
        position = {"type": "integer", "minimum": 0, "maximum": len(cls) - 1}
        return {
            "title": title,
            "description": f"{cls.__doc__} By name in any letter case, or by position (0 first).",
            "anyOf": [names, position],
        }

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            folded = value.casefold()
            return next((member for member in cls if member.value.casefold() == folded), None)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(cls):
            return list(cls)[value]
        return None


class ProcedureStatus(WireEnum):
    """Whether a procedure is due."""

    OK = "Ok"
    EXPIRED = "Expired"


class Channel(WireEnum):
    """A pipetting channel; the instrument's index is 1 for Front, 2 for Rear."""

    FRONT = "Front"
    REAR = "Rear"

    @property
    def number(self) -> int:
        """The instrument's channel index (1 = Front, 2 = Rear)."""
        return 1 if self is Channel.FRONT else 2


class ViewResult(WireEnum):
    """An answer to a view."""

    OK = "Ok"
    YES = "Yes"
    NO = "No"
    CANCEL = "Cancel"
    ABORT = "Abort"


class UvInterval(WireEnum):
    """How often UV Decontamination falls due."""

    NEVER = "Never"
    EVERY_PROTOCOL_RUN = "EveryProtocolRun"
    DAILY = "Daily"
    WEEKLY = "Weekly"


class MaintenanceProcedure(WireModel):
    """A procedure in the list (`GET /maintenance`)."""

    model_config = ConfigDict(json_schema_extra=nullable_as_vendor("id", "status", "name", "info"))

    id: str
    status: ProcedureStatus
    name: str
    info: str
    last_execution_time: InstrumentTime
    due_date_time: InstrumentTime


class MaintenanceProcedureDetails(WireModel):
    """One procedure (`GET /maintenance/{id}`)."""

    model_config = ConfigDict(json_schema_extra=nullable_as_vendor("id", "status", "name"))

    id: str
    status: ProcedureStatus
    name: str
    info: str
    due_date_time: InstrumentTime
    last_execution_time: InstrumentTime


class MaintenanceError(WireModel):
    """An error raised by a maintenance run, with the recovery the operator chose."""

    model_config = ConfigDict(json_schema_extra=nullable_as_vendor("message", "response"))

    message: str = Field(description="Retry, Continue or Abort; Pending while unanswered")
    response: str = Field(description="The error as shown to the operator")
    id: str
    run_id: str
    procedure_id: str
    step: int
    channel: Channel | None
    raised_at: InstrumentTime
    resolved_at: InstrumentTime | None


class ChannelCounter(WireModel):
    """The usage counters of one channel (unsigned 32-bit, wrapping as the instrument does)."""

    model_config = ConfigDict(json_schema_extra=nullable_as_vendor("name"))

    name: Channel
    tip_pick_up_counter: int = Field(ge=0, le=2**32 - 1)
    tip_eject_counter: int = Field(ge=0, le=2**32 - 1)
    aspirate_counter: int = Field(ge=0, le=2**32 - 1)
    dispense_counter: int = Field(ge=0, le=2**32 - 1)


class CounterTotals(WireModel):
    """Four counters' values (lifetime totals, or what one run moved)."""

    tip_pick_up_counter: int = Field(ge=0)
    tip_eject_counter: int = Field(ge=0)
    aspirate_counter: int = Field(ge=0)
    dispense_counter: int = Field(ge=0)


class ChannelCounterWithLifetime(ChannelCounter):
    """A channel's counters since their last reset, and their lifetime totals (mlprep's)."""

    lifetime: CounterTotals


class ChannelUsage(CounterTotals):
    """What a run moved on one channel."""

    name: Channel


class RunCounterUsage(WireModel):
    """What one run moved: a maintenance run's actions, or a simulated protocol run."""

    run_id: str
    kind: str = Field(description="maintenance or protocol")
    at: InstrumentTime
    channels: list[ChannelUsage]


class UvRoutineIntervalOption(WireModel):
    """One interval the UV routine can be set to."""

    model_config = ConfigDict(json_schema_extra=nullable_as_vendor("description", "name"))

    id: int
    description: str
    name: UvInterval


class UvRoutineSettings(WireModel):
    """The UV routine's setting."""

    interval: UvInterval


class CloseViewRequest(WireModel):
    """The answer to a view (`POST /maintenance/close-view`)."""

    # Any string, as the contract has it: an unknown (or empty) id is a 404, not a 400.
    view_id: str = Field(max_length=100, examples=["5854c6bfedba41cba94560861b0075d8"])
    view_result: ViewResult
    view_input: str | None = Field(default=None, max_length=10_000)


class StartedRun(WireModel):
    """The body of `POST /maintenance/{id}`: the run that started."""

    run_id: str
    procedure_id: str
    state: str
