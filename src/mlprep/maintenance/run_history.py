"""Reading runs back: the live run, the history, and the errors of the latest run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from mlprep.clock import SimulatedClock
from mlprep.contract.maintenance import MaintenanceError
from mlprep.contract.runs import (
    Run,
    RunPage,
    RunProgress,
    RunState,
    RunSummary,
)
from mlprep.contract.time import in_zone
from mlprep.errors import NotFoundError
from mlprep.maintenance.catalogue import Catalogue
from mlprep.maintenance.engine import RunEngine
from mlprep.maintenance.wire import error_to_wire, step_to_wire, view_to_wire
from mlprep.store.runs import RunRecord, RunStore

T = TypeVar("T")
# Answers kept per state of the runs: the current run, a few pages, a few runs.
KEPT = 64
_CURRENT = ("current",)


class RunHistory:
    """Read-only views of runs, in the instrument's time zone.

    The current run, pages of the history and single runs are read from the store once per
    state of the runs (the engine's `version` and its run in progress) and kept: a client that
    polls costs no database statement, and `knows_*` tells a caller (on the event loop) whether an
    answer is at hand or needs the store (on a worker thread). Kept answers are the same objects
    while nothing changes, so their JSON can be kept too (`api/prepared.py`).
    """

    def __init__(
        self, runs: RunStore, catalogue: Catalogue, engine: RunEngine, clock: SimulatedClock
    ) -> None:
        self._runs = runs
        self._catalogue = catalogue
        self._engine = engine
        self._clock = clock
        self._errors: tuple[int, tuple[MaintenanceError, ...]] | None = None
        self._kept: dict[tuple[object, ...], object] = {}
        self._kept_at: tuple[int, str | None] | None = None
        self._lock = threading.Lock()

    def errors(self) -> list[MaintenanceError]:
        """Errors of the current run, else of the most recent one; oldest first."""
        return list(self.error_listing())

    def error_listing(self) -> tuple[MaintenanceError, ...]:
        """`errors()`, as the same object while the runs do not change: read from the store once
        per change (the engine's `version`), so polling costs no database statement."""
        version = self._engine.version
        kept = self._errors
        if kept is not None and kept[0] == version:
            return kept[1]
        run_id = self._engine.active_run_id
        record = self._runs.get(run_id) if run_id else self._runs.latest()
        zone = self._engine.zone
        errors = (
            tuple(error_to_wire(error, zone) for error in self._runs.errors_of(record.id))
            if record is not None
            else ()
        )
        self._errors = (version, errors)
        return errors

    def current(self) -> Run | None:
        """The run in progress, if any."""
        run = self._kept_or(_CURRENT, self._read_current)
        return self._timed(run) if run is not None else None

    def knows_current(self) -> bool:
        """Whether `current()` answers without the store."""
        return self._knows(_CURRENT)

    def _read_current(self) -> Run | None:
        run_id = self._engine.active_run_id
        record = self._runs.get(run_id) if run_id else None
        return self._details(record) if record else None

    def get(self, run_id: str) -> Run:
        """One run. Raises NotFoundError for an unknown id."""
        run = self._kept_or(("run", run_id), lambda: self._read_run(run_id))
        if run is None:
            raise NotFoundError(f"There is no maintenance run with id '{run_id}'.")
        return self._timed(run)

    def knows_run(self, run_id: str) -> bool:
        """Whether `get(run_id)` answers without the store."""
        return self._knows(("run", run_id))

    def _read_run(self, run_id: str) -> Run | None:
        record = self._runs.get(run_id)
        return self._details(record) if record is not None else None

    def count_by_state(self) -> dict[RunState, int]:
        """How many runs ended (or are) in each state."""
        return self._runs.count_by_state()

    def page(self, offset: int, limit: int) -> RunPage:
        """Runs newest first."""
        return self._kept_or(("page", offset, limit), lambda: self._read_page(offset, limit))

    def knows_page(self, offset: int, limit: int) -> bool:
        """Whether `page(offset, limit)` answers without the store."""
        return self._knows(("page", offset, limit))

    def _read_page(self, offset: int, limit: int) -> RunPage:
        records, total = self._runs.page(offset, limit)
        zone = self._engine.zone
        items = [
            RunSummary(
                id=r.id,
                procedure_id=r.procedure_id,
                procedure_name=self._name(r.procedure_id),
                state=r.state,
                started_by=r.started_by,
                started_at=in_zone(r.started_at, zone),
                ended_at=in_zone(r.ended_at, zone) if r.ended_at else None,
            )
            for r in records
        ]
        return RunPage(items=items, total=total, offset=offset, limit=limit)

    def _details(self, record: RunRecord) -> Run:
        zone = self._engine.zone
        views = [view_to_wire(view, zone) for view in self._runs.views_of(record.id)]
        # An aborting run asks nothing more: the view it showed closes as the run ends.
        open_view = None
        if record.state is not RunState.ABORTING:
            open_view = next((view for view in views if view.closed_at is None), None)
        definition = self._catalogue.by_id(record.procedure_id)
        title = None
        if definition and record.step_index < len(definition.steps):
            title = definition.steps[record.step_index].title
        return Run(
            id=record.id,
            procedure_id=record.procedure_id,
            procedure_name=self._name(record.procedure_id),
            state=record.state,
            started_by=record.started_by,
            started_at=in_zone(record.started_at, zone),
            ended_at=in_zone(record.ended_at, zone) if record.ended_at else None,
            progress=self._progress(record, title),
            open_view=open_view,
            errors=[error_to_wire(error, zone) for error in self._runs.errors_of(record.id)],
            views=views,
            inputs=record.inputs,
            steps=[step_to_wire(step) for step in definition.steps] if definition else [],
        )

    def _progress(self, record: RunRecord, title: str | None) -> RunProgress:
        return RunProgress(
            step=min(record.step_index + 1, record.step_count),
            step_count=record.step_count,
            step_title=title,
        )

    def _timed(self, run: Run) -> Run:
        """`run`, while one of its actions runs, with the action's duration and time left (which
        change with time: never kept)."""
        timing = self._engine.action_timing
        if timing is None or run.id != self._engine.active_run_id:
            return run
        # While an action runs the clock runs `speed` times as fast (an advance brings its end
        # nearer), so what is left of it on the clock takes `left / speed` real seconds.
        speed = self._clock.speed
        total = timing.duration.total_seconds()
        left = min(total, max(0.0, total - (self._clock.now() - timing.started_at).total_seconds()))
        progress = run.progress.model_copy(
            update={
                "action_seconds": round(total / speed if speed > 0 else 0.0, 3),
                "action_remaining_seconds": round(left / speed if speed > 0 else 0.0, 3),
            }
        )
        return run.model_copy(update={"progress": progress})

    # -- answers kept per state of the runs ------------------------------------------------------

    def _state(self) -> tuple[int, str | None]:
        return self._engine.version, self._engine.active_run_id

    def _knows(self, key: tuple[object, ...]) -> bool:
        return self._kept_at == self._state() and key in self._kept

    def _kept_or(self, key: tuple[object, ...], read: Callable[[], T]) -> T:
        """The answer kept for `key` in this state of the runs, else `read()` (kept)."""
        state = self._state()  # before reading: a change meanwhile makes a newer state
        with self._lock:
            if self._kept_at == state and key in self._kept:
                return self._kept[key]  # type: ignore[return-value]  # kept by `read` for `key`
        value = read()
        with self._lock:
            if self._kept_at != state:
                self._kept = {}
                self._kept_at = state
            if len(self._kept) >= KEPT:
                self._kept.clear()
            self._kept[key] = value
        return value

    def _name(self, procedure_id: str) -> str:
        definition = self._catalogue.by_id(procedure_id)
        return definition.name if definition else procedure_id
