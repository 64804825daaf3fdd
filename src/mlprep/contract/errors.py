"""Wire models of the instrument's general error operations (`/errors`, beyond the seed)."""

from __future__ import annotations

from pydantic import Field

from mlprep.contract.base import WireModel
from mlprep.contract.maintenance import Channel, WireEnum
from mlprep.contract.time import InstrumentTime

ID_LENGTH = 100


class ErrorRecovery(WireEnum):
    """How to go on after an error: retry the action, continue with the next step, or abort."""

    RETRY = "Retry"
    CONTINUE = "Continue"
    ABORT = "Abort"


class ErrorResponseOption(WireModel):
    """One answer a pending error accepts."""

    response: ErrorRecovery
    description: str


class ErrorDataItem(WireModel):
    """One part of an error (a maintenance error has one: the failed action on its channel)."""

    id: str
    title: str
    message: str
    channel: Channel | None
    step: int = Field(description="The run's step that failed, 1 first")


class PendingError(WireModel):
    """An error that waits for an answer (`GET /errors/check-for-pending-errors`)."""

    id: str
    group_id: str = Field(description="The group the error belongs to: its maintenance run")
    title: str
    message: str
    error_responses: list[ErrorResponseOption]
    error_data: list[ErrorDataItem]
    view_id: str = Field(description="The Error view that asks the same question")
    run_id: str
    procedure_id: str
    procedure_name: str
    raised_at: InstrumentTime


class ErrorLogEntry(WireModel):
    """An error in the instrument's error log (`GET /errors`)."""

    id: str
    group_id: str
    title: str
    message: str
    selected_response: ErrorRecovery | None = Field(
        description="The answer chosen; null while pending, or if its run ended unanswered"
    )
    pending: bool
    run_id: str
    procedure_id: str
    procedure_name: str
    step: int
    channel: Channel | None
    raised_at: InstrumentTime
    resolved_at: InstrumentTime | None


class ErrorDataResponse(WireModel):
    """The answer to one error data item."""

    id: str = Field(max_length=ID_LENGTH)
    selected_response: ErrorRecovery | None = None


class RuntimeErrorResponse(WireModel):
    """The answer to a pending error (`PUT /errors/runtime`)."""

    id: str = Field(max_length=ID_LENGTH)
    group_id: str | None = Field(default=None, max_length=ID_LENGTH)
    selected_response: ErrorRecovery | None = None
    error_data: list[ErrorDataResponse] = Field(default_factory=list, max_length=100)
