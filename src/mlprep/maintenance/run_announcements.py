"""What the run engine tells the event bus, in the shapes DESIGN §8 gives each event code.

The engine calls these only after the change they announce has been committed. Each is also one
line in the server's log (logger `mlprep.runs`).
"""

from __future__ import annotations

import logging
from datetime import tzinfo
from typing import Any

from mlprep.contract.maintenance import Channel
from mlprep.contract.runs import RunState
from mlprep.counters import CounterKind
from mlprep.events.bus import Event, EventBus, EventCode, Stream
from mlprep.maintenance.catalogue import ProcedureDefinition
from mlprep.maintenance.wire import error_to_wire, view_to_wire
from mlprep.store.runs import ErrorRecord, ViewRecord

logger = logging.getLogger("mlprep.runs")


class RunAnnouncer:
    """Publishes a run's events: status, views opened and closed, counters, errors, the end."""

    def __init__(self, bus: EventBus, zone: tzinfo) -> None:
        self._bus = bus
        self._zone = zone

    def state(
        self, run_id: str, definition: ProcedureDefinition, state: RunState, step: int
    ) -> None:
        """`maintenancestatus`: the run moved to `state` at step index `step`."""
        steps = definition.steps
        logger.info(
            "run %s (%s) %s at step %d/%d",
            run_id,
            definition.name,
            state.value,
            step + 1,
            len(steps),
            extra={"runId": run_id, "state": state.value, "step": step + 1},
        )
        self._publish(
            EventCode.MAINTENANCE_STATUS,
            f"{definition.name}: {state.value}",
            {
                "runId": run_id,
                "procedureId": definition.id,
                "procedureName": definition.name,
                "state": state.value,
                "step": step + 1,
                "stepCount": len(steps),
                "stepTitle": steps[step].title if step < len(steps) else None,
            },
        )

    def view_opened(self, view: ViewRecord) -> None:
        """`maintenancedata`: a view opened; the data is the view."""
        logger.info(
            "run %s opened view %s '%s' (%s)",
            view.run_id,
            view.id,
            view.title,
            "/".join(view.results),
            extra={"runId": view.run_id, "viewId": view.id},
        )
        self._publish(
            EventCode.MAINTENANCE_DATA,
            view.title,
            view_to_wire(view, self._zone).model_dump(mode="json", by_alias=True),
        )

    def view_closed(
        self,
        view_id: str,
        run_id: str,
        result: str | None,
        input_text: str | None,
        closed_by: str,
        description: str,
    ) -> None:
        """`viewclosed`: a view was answered, or closed because its run ended (result None)."""
        logger.info(
            "run %s closed view %s with %s by %s",
            run_id,
            view_id,
            result or "no answer",
            closed_by,
            extra={"runId": run_id, "viewId": view_id, "result": result},
        )
        self._publish(
            EventCode.VIEW_CLOSED,
            description,
            {
                "viewId": view_id,
                "runId": run_id,
                "result": result,
                "input": input_text,
                "closedBy": closed_by,
            },
        )

    def counters_moved(self, channel: Channel, deltas: dict[CounterKind, int]) -> None:
        """`counters`: a completed action moved a channel's counters."""
        self._publish(
            EventCode.COUNTERS,
            f"Counters of channel {channel.value} moved",
            {"channel": channel.value, "deltas": {k.value: v for k, v in deltas.items()}},
        )

    def error_raised(self, error: ErrorRecord) -> None:
        """`error` on the errors stream: an action faulted."""
        logger.warning(
            "run %s raised error %s: %s",
            error.run_id,
            error.id,
            error.response,
            extra={"runId": error.run_id, "errorId": error.id},
        )
        self._bus.publish(
            Event(
                EventCode.ERROR,
                error.response,
                error_to_wire(error, self._zone).model_dump(mode="json", by_alias=True),
                Stream.ERRORS,
            )
        )

    def finished(self, run_id: str, definition: ProcedureDefinition, outcome: RunState) -> None:
        """`finished`: the run ended with `outcome`."""
        logger.info(
            "run %s (%s) ended %s",
            run_id,
            definition.name,
            outcome.value,
            extra={"runId": run_id, "outcome": outcome.value},
        )
        self._publish(
            EventCode.FINISHED,
            f"{definition.name} ended: {outcome.value}",
            {
                "runId": run_id,
                "procedureId": definition.id,
                "procedureName": definition.name,
                "outcome": outcome.value,
            },
        )

    def _publish(self, code: EventCode, description: str, data: dict[str, Any]) -> None:
        self._bus.publish(Event(code, description, data))
