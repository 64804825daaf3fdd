"""Wire models of mlprep's run history (`/mlprep/v1/runs`)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from mlprep.contract.base import WireModel
from mlprep.contract.maintenance import Channel, MaintenanceError, ViewResult
from mlprep.contract.time import InstrumentTime


class RunState(StrEnum):
    """Where a maintenance run is (DESIGN §6)."""

    RUNNING = "Running"
    WAITING_FOR_VIEW = "WaitingForView"
    ERROR_PENDING = "ErrorPending"
    ABORTING = "Aborting"
    COMPLETED = "Completed"
    ABORTED = "Aborted"
    FAILED = "Failed"
    INTERRUPTED = "Interrupted"

    @property
    def is_terminal(self) -> bool:
        """Whether the run has ended."""
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset(
    {RunState.COMPLETED, RunState.ABORTED, RunState.FAILED, RunState.INTERRUPTED}
)


class ViewKind(StrEnum):
    """What a view asks of the operator."""

    INSTRUCTION = "Instruction"
    QUESTION = "Question"
    INPUT = "Input"
    ERROR = "Error"


class View(WireModel):
    """An operator dialog that a run shows."""

    view_id: str
    run_id: str
    kind: ViewKind
    title: str
    message: str
    image_name: str | None
    results: list[ViewResult]
    input_required: bool
    created_at: InstrumentTime
    closed_at: InstrumentTime | None = None
    result: ViewResult | None = None
    input: str | None = None


class RunProgress(WireModel):
    """How far a run has come, and while an action runs, how long it takes (in real seconds at
    the simulator's present speed, so that a 15-minute UV lamp can show its time left)."""

    step: int
    step_count: int
    step_title: str | None
    action_seconds: float | None = Field(
        default=None, description="How long the running action takes; null between actions"
    )
    action_remaining_seconds: float | None = Field(
        default=None, description="How long until the running action ends; null between actions"
    )


class StepKind(StrEnum):
    """A step shows a view (and waits for its answer), or runs an action on the instrument."""

    VIEW = "View"
    ACTION = "Action"


class StepOutcome(StrEnum):
    """What answering a step's view with one result does."""

    NEXT = "next"
    REPEAT = "repeat"
    ABORT = "abort"


class StepAnswer(WireModel):
    """One result a step's view allows, and what it leads to."""

    result: ViewResult
    then: StepOutcome = Field(
        description="next: the run goes on; repeat: the same view is asked again; abort: the "
        "run ends Aborted"
    )


class RunStep(WireModel):
    """One step of a run's procedure, as the catalogue defines it."""

    title: str
    kind: StepKind
    seconds: float | None = Field(description="An action's duration on the instrument's clock")
    view_kind: ViewKind | None = Field(default=None, description="A view step's kind")
    answers: list[StepAnswer] = Field(
        default_factory=list, description="A view step's allowed results and what each does"
    )
    input_required: bool = Field(default=False, description="A view step that asks for text")
    conditional: bool = Field(
        default=False, description="A view step shown only when an earlier reading calls for it"
    )


class Run(WireModel):
    """A maintenance run, with its open view, errors and progress."""

    id: str
    procedure_id: str
    procedure_name: str
    state: RunState
    started_by: str | None
    started_at: InstrumentTime
    ended_at: InstrumentTime | None
    progress: RunProgress
    open_view: View | None
    errors: list[MaintenanceError]
    views: list[View]
    inputs: dict[str, str]
    steps: list[RunStep] = Field(default_factory=list, description="The procedure's steps")


class RunSummary(WireModel):
    """A run in the history."""

    id: str
    procedure_id: str
    procedure_name: str
    state: RunState
    started_by: str | None
    started_at: InstrumentTime
    ended_at: InstrumentTime | None


class RunPage(WireModel):
    """A page of the run history, newest first."""

    items: list[RunSummary]
    total: int
    offset: int
    limit: int


__all__ = [
    "Channel",
    "Run",
    "RunPage",
    "RunProgress",
    "RunState",
    "RunStep",
    "RunSummary",
    "StepAnswer",
    "StepKind",
    "StepOutcome",
    "View",
    "ViewKind",
]
