"""Stored records as the API shows them, in the instrument's time zone."""

from __future__ import annotations

from datetime import tzinfo

from mlprep.contract.maintenance import MaintenanceError, ViewResult
from mlprep.contract.runs import RunStep, StepAnswer, StepKind, StepOutcome, View, ViewKind
from mlprep.contract.time import in_zone
from mlprep.maintenance.catalogue import ActionStep, Step
from mlprep.store.runs import ErrorRecord, ViewRecord


def view_to_wire(record: ViewRecord, zone: tzinfo) -> View:
    """A view as `/runs/current` and the `maintenancedata` event show it."""
    return View(
        view_id=record.id,
        run_id=record.run_id,
        kind=ViewKind(record.kind),
        title=record.title,
        message=record.message,
        image_name=record.image_name,
        results=[ViewResult(result) for result in record.results],
        input_required=record.input_required,
        created_at=in_zone(record.created_at, zone),
        closed_at=in_zone(record.closed_at, zone) if record.closed_at else None,
        result=ViewResult(record.result) if record.result else None,
        input=record.input,
    )


def error_to_wire(record: ErrorRecord, zone: tzinfo) -> MaintenanceError:
    """An error as `GET /maintenance/errors` lists it."""
    return MaintenanceError(
        message=record.recovery,
        response=record.response,
        id=record.id,
        run_id=record.run_id,
        procedure_id=record.procedure_id,
        step=record.step_index + 1,
        channel=record.channel,
        raised_at=in_zone(record.raised_at, zone),
        resolved_at=in_zone(record.resolved_at, zone) if record.resolved_at else None,
    )


def step_to_wire(step: Step) -> RunStep:
    """A catalogue step as a run (and `/procedures/{id}/steps`) lists it: an action with its
    duration, a view with what each of its results does."""
    if isinstance(step, ActionStep):
        return RunStep(
            title=step.title, kind=StepKind.ACTION, seconds=step.duration.total_seconds()
        )
    return RunStep(
        title=step.title,
        kind=StepKind.VIEW,
        seconds=None,
        view_kind=step.kind,
        answers=[
            StepAnswer(result=result, then=StepOutcome(outcome.value))
            for result, outcome in step.results.items()
        ],
        input_required=step.input_required,
        conditional=step.only_if is not None,
    )
