"""Maintenance runs, their views and their errors. Each state change is one transaction, unless
several are made `together`."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

from mlprep.contract.maintenance import Channel
from mlprep.contract.runs import TERMINAL_STATES, RunState
from mlprep.counters import CounterKind
from mlprep.store.counters import MoveSource, move_counters
from mlprep.store.tables import maintenance_errors, procedures, runs, views
from mlprep.store.transactions import shared, transaction

_UNFINISHED = [state.value for state in RunState if state not in TERMINAL_STATES]

# The writes a run makes between two views, built once and given their values when executed.
# Built on every call with `.values(...)` and literal conditions, SQLAlchemy spends longer
# building and keying a statement than SQLite spends running it (bench/README.md has the figures).
# Conditions take `bindparam`s named `match_*`: a column's own name is kept for its new value.
_INSERT_RUN = insert(runs)
_INSERT_VIEW = insert(views)
_INSERT_ERROR = insert(maintenance_errors)
_UPDATE_RUN = update(runs).where(runs.c.id == bindparam("match_run"))
_CLOSE_VIEW = update(views).where(
    views.c.id == bindparam("match_view"), views.c.closed_at.is_(None)
)
_CLOSE_VIEWS_OF_RUN = update(views).where(
    views.c.run_id == bindparam("match_run"), views.c.closed_at.is_(None)
)
_UPDATE_ERROR = update(maintenance_errors).where(
    maintenance_errors.c.id == bindparam("match_error")
)
_VIEW_OF = select(views.c.run_id, views.c.error_id).where(views.c.id == bindparam("match_view"))
_INPUTS_OF = select(runs.c.inputs).where(runs.c.id == bindparam("match_run"))
_PROCEDURE_OF = select(runs.c.procedure_id).where(runs.c.id == bindparam("match_run"))
_STAMP_PROCEDURE = update(procedures).where(procedures.c.id == bindparam("match_procedure"))
_LAST_VIEW_SEQ = select(func.coalesce(func.max(views.c.seq), 0)).where(
    views.c.run_id == bindparam("match_run")
)
_LAST_ERROR_SEQ = select(func.coalesce(func.max(maintenance_errors.c.seq), 0)).where(
    maintenance_errors.c.run_id == bindparam("match_run")
)
_LAST_RUN_SEQ = select(func.coalesce(func.max(runs.c.seq), 0)).where(
    runs.c.instrument_id == bindparam("match_instrument")
)


@dataclass(frozen=True)
class RunRecord:
    """A stored run."""

    id: str
    procedure_id: str
    state: RunState
    step_index: int
    step_count: int
    started_by: str | None
    started_at: datetime
    ended_at: datetime | None
    abort_requested: bool
    inputs: dict[str, str]


@dataclass(frozen=True)
class ViewRecord:
    """A stored view (operator dialog)."""

    id: str
    run_id: str
    step_index: int
    kind: str
    title: str
    message: str
    image_name: str | None
    results: list[str]
    input_required: bool
    created_at: datetime
    error_id: str | None = None
    closed_at: datetime | None = None
    result: str | None = None
    input: str | None = None
    closed_by: str | None = None


@dataclass(frozen=True)
class ErrorRecord:
    """A stored maintenance error; `recovery` is Pending until the operator answers."""

    id: str
    run_id: str
    procedure_id: str
    step_index: int
    channel: Channel | None
    response: str
    recovery: str
    raised_at: datetime
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class RunEnd:
    """How a run ends: its final state and, where errors may still wait for an answer, the
    (pending, recovery) pair that answers them."""

    state: RunState
    unanswered_errors: tuple[str, str] | None = None


@dataclass(frozen=True)
class CounterMove:
    """Counters a completed action moves."""

    channel: Channel
    deltas: dict[CounterKind, int] = field(default_factory=dict)


class RunStore:
    """Runs of one instrument."""

    def __init__(self, engine: Engine, instrument_id: str) -> None:
        self._engine = engine
        self._instrument = instrument_id

    def together(self) -> AbstractContextManager[None]:
        """A block whose store calls on this thread (of this store, and of any other on the same
        database) make one transaction, committed when it ends."""
        return shared(self._engine)

    # -- writes: one transaction each -------------------------------------------------------

    def create(self, record: RunRecord) -> None:
        """Store a new run."""
        with transaction(self._engine) as connection:
            seq = _next_seq(connection, _LAST_RUN_SEQ, match_instrument=self._instrument)
            connection.execute(
                _INSERT_RUN,
                {
                    **record.__dict__,
                    "instrument_id": self._instrument,
                    "seq": seq,
                    "state": record.state.value,
                },
            )

    def set_state(self, run_id: str, state: RunState, step_index: int | None = None) -> None:
        """Move a run to `state` (and to `step_index`, if given)."""
        values: dict[str, Any] = {"state": state.value}
        if step_index is not None:
            values["step_index"] = step_index
        with transaction(self._engine) as connection:
            connection.execute(_UPDATE_RUN, {"match_run": run_id, **values})

    def request_abort(self, run_id: str) -> None:
        """Remember that the operator asked to abort; the run moves to Aborting."""
        with transaction(self._engine) as connection:
            connection.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.state.in_(_UNFINISHED))
                .values(abort_requested=True, state=RunState.ABORTING.value)
            )

    def open_view(self, view: ViewRecord, state: RunState) -> None:
        """Store a newly shown view and the run's state while it waits."""
        with transaction(self._engine) as connection:
            self._insert_view(connection, view)
            connection.execute(
                _UPDATE_RUN,
                {"match_run": view.run_id, "state": state.value, "step_index": view.step_index},
            )

    def raise_error(self, error: ErrorRecord, view: ViewRecord) -> None:
        """Store an error, the Error view that asks how to recover, and the ErrorPending state."""
        with transaction(self._engine) as connection:
            seq = _next_seq(connection, _LAST_ERROR_SEQ, match_run=error.run_id)
            connection.execute(
                _INSERT_ERROR,
                {
                    **error.__dict__,
                    "seq": seq,
                    "channel": error.channel.value if error.channel else None,
                },
            )
            self._insert_view(connection, view)
            connection.execute(
                _UPDATE_RUN, {"match_run": error.run_id, "state": RunState.ERROR_PENDING.value}
            )

    def close_view(
        self,
        view_id: str,
        result: str,
        input_text: str | None,
        closed_by: str | None,
        now: datetime,
        recovery: str | None = None,
        keep_input_as: str | None = None,
        end: RunEnd | None = None,
    ) -> bool:
        """Close an open view; False if it was unknown or already closed (the first close wins).

        In the same transaction: when the view asks about an error, the chosen `recovery` is
        stored with the error; with `keep_input_as`, the input is kept in the run's inputs; with
        `end`, the answer ends the run, which is finished too (so an acknowledged answer that
        ends a run can never be lost).
        """
        with transaction(self._engine) as connection:
            closed = connection.execute(
                _CLOSE_VIEW,
                {
                    "match_view": view_id,
                    "closed_at": now,
                    "result": result,
                    "input": input_text,
                    "closed_by": closed_by,
                },
            ).rowcount
            if closed != 1:
                return False
            run_id, error_id = connection.execute(_VIEW_OF, {"match_view": view_id}).one()
            if keep_input_as and input_text is not None:
                _keep_input(connection, run_id, keep_input_as, input_text)
            if error_id and recovery:
                connection.execute(
                    _UPDATE_ERROR,
                    {"match_error": error_id, "recovery": recovery, "resolved_at": now},
                )
            if end is not None:
                _finish(connection, run_id, end, now, "mlprep: run ended")
        return True

    def complete_action(
        self,
        run_id: str,
        next_step: int,
        move: CounterMove | None,
        reading: tuple[str, str] | None,
        at: datetime,
    ) -> None:
        """Record an action's completion (at `at`): counters moved, reading kept, run on to
        `next_step`."""
        with transaction(self._engine) as connection:
            if move is not None:
                source = MoveSource("maintenance", run_id, at)
                move_counters(connection, self._instrument, move.channel, move.deltas, source)
            if reading is not None:
                _keep_input(connection, run_id, *reading)
            connection.execute(_UPDATE_RUN, {"match_run": run_id, "step_index": next_step})

    def finish(self, run_id: str, end: RunEnd, now: datetime, closed_by: str) -> None:
        """End a run; a Completed run stamps its procedure's last execution, in one transaction."""
        with transaction(self._engine) as connection:
            _finish(connection, run_id, end, now, closed_by)

    def interrupt_unfinished(self, now: datetime, pending: str, aborted: str) -> list[RunRecord]:
        """End runs left unfinished (by a crash or a stop), their views closed: a run whose
        abort was acknowledged ends Aborted (its `pending` errors answered `aborted`), any other
        Interrupted. Returns the runs as they ended."""
        with transaction(self._engine) as connection:
            unfinished = [
                run_from_row(row)
                for row in connection.execute(
                    select(runs).where(
                        runs.c.instrument_id == self._instrument, runs.c.state.in_(_UNFINISHED)
                    )
                )
            ]
            for run in unfinished:
                end = (
                    RunEnd(RunState.ABORTED, (pending, aborted))
                    if run.abort_requested
                    else RunEnd(RunState.INTERRUPTED)
                )
                _finish(connection, run.id, end, now, "mlprep: run interrupted")
        return [self.get(run.id) or run for run in unfinished]

    # -- reads ------------------------------------------------------------------------------

    def get(self, run_id: str) -> RunRecord | None:
        """A run by id."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(runs).where(runs.c.id == run_id, runs.c.instrument_id == self._instrument)
            ).first()
        return run_from_row(row) if row else None

    def latest(self) -> RunRecord | None:
        """The most recently started run."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(runs)
                .where(runs.c.instrument_id == self._instrument)
                .order_by(runs.c.seq.desc())
                .limit(1)
            ).first()
        return run_from_row(row) if row else None

    def page(self, offset: int, limit: int) -> tuple[list[RunRecord], int]:
        """Runs newest first, and how many there are.

        The count is the span of the runs' sequence numbers: they are numbered 1, 2, 3... as they
        start, and runs are only ever deleted all together (a factory reset, after which the
        numbering starts again), so the span is the count. Two index look-ups, where counting
        the rows would read every one of them, a cost that grows with the history
        (bench/README.md).
        """
        mine = runs.c.instrument_id == self._instrument
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(runs).where(mine).order_by(runs.c.seq.desc()).offset(offset).limit(limit)
            ).all()
            first, last = connection.execute(
                select(
                    select(func.min(runs.c.seq)).where(mine).scalar_subquery(),
                    select(func.max(runs.c.seq)).where(mine).scalar_subquery(),
                )
            ).one()
        total = 0 if first is None else int(last) - int(first) + 1
        return [run_from_row(row) for row in rows], total

    def count_by_state(self) -> dict[RunState, int]:
        """How many runs there are in each state."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(runs.c.state, func.count())
                .where(runs.c.instrument_id == self._instrument)
                .group_by(runs.c.state)
            ).all()
        return {RunState(state): int(count) for state, count in rows}

    def view(self, view_id: str) -> ViewRecord | None:
        """A view by id."""
        with self._engine.connect() as connection:
            row = connection.execute(select(views).where(views.c.id == view_id)).first()
        return view_from_row(row) if row else None

    def error_view(self, error_id: str) -> ViewRecord | None:
        """The Error view that asks how to recover from an error."""
        with self._engine.connect() as connection:
            row = connection.execute(select(views).where(views.c.error_id == error_id)).first()
        return view_from_row(row) if row else None

    def views_of(self, run_id: str) -> list[ViewRecord]:
        """A run's views, oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(views).where(views.c.run_id == run_id).order_by(views.c.seq)
            ).all()
        return [view_from_row(row) for row in rows]

    def errors_of(self, run_id: str) -> list[ErrorRecord]:
        """A run's errors, oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(maintenance_errors)
                .where(maintenance_errors.c.run_id == run_id)
                .order_by(maintenance_errors.c.seq)
            ).all()
        return [error_from_row(row) for row in rows]

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _insert_view(connection: Connection, view: ViewRecord) -> None:
        seq = _next_seq(connection, _LAST_VIEW_SEQ, match_run=view.run_id)
        connection.execute(_INSERT_VIEW, {**view.__dict__, "seq": seq})


def _finish(
    connection: Connection, run_id: str, end: RunEnd, now: datetime, closed_by: str
) -> None:
    """Within a caller's transaction: end a run, its open views closed and, if it completed,
    its procedure's last execution stamped."""
    connection.execute(
        _CLOSE_VIEWS_OF_RUN, {"match_run": run_id, "closed_at": now, "closed_by": closed_by}
    )
    if end.unanswered_errors is not None:
        pending, recovery = end.unanswered_errors
        connection.execute(
            update(maintenance_errors)
            .where(maintenance_errors.c.run_id == run_id, maintenance_errors.c.recovery == pending)
            .values(recovery=recovery, resolved_at=now)
        )
    connection.execute(
        _UPDATE_RUN, {"match_run": run_id, "state": end.state.value, "ended_at": now}
    )
    if end.state is RunState.COMPLETED:
        procedure_id = connection.execute(_PROCEDURE_OF, {"match_run": run_id}).scalar_one()
        connection.execute(
            _STAMP_PROCEDURE, {"match_procedure": procedure_id, "last_execution_time": now}
        )


def _keep_input(connection: Connection, run_id: str, name: str, value: str) -> None:
    """Within a caller's transaction: add one named value to a run's inputs."""
    inputs = dict(connection.execute(_INPUTS_OF, {"match_run": run_id}).scalar_one())
    inputs[name] = value
    connection.execute(_UPDATE_RUN, {"match_run": run_id, "inputs": inputs})


def _next_seq(connection: Connection, last_seq: Any, **match: str) -> int:
    """The next number in a sequence: one past the last `last_seq` selects where it `match`es."""
    return int(connection.execute(last_seq, match).scalar_one()) + 1


def run_from_row(row: Any) -> RunRecord:
    """A stored run from its row."""
    return RunRecord(
        id=row.id,
        procedure_id=row.procedure_id,
        state=RunState(row.state),
        step_index=row.step_index,
        step_count=row.step_count,
        started_by=row.started_by,
        started_at=row.started_at,
        ended_at=row.ended_at,
        abort_requested=row.abort_requested,
        inputs=dict(row.inputs or {}),
    )


def view_from_row(row: Any) -> ViewRecord:
    """A stored view from its row."""
    return ViewRecord(
        id=row.id,
        run_id=row.run_id,
        step_index=row.step_index,
        kind=row.kind,
        title=row.title,
        message=row.message,
        image_name=row.image_name,
        results=list(row.results),
        input_required=row.input_required,
        created_at=row.created_at,
        error_id=row.error_id,
        closed_at=row.closed_at,
        result=row.result,
        input=row.input,
        closed_by=row.closed_by,
    )


def error_from_row(row: Any) -> ErrorRecord:
    """A stored error from its row (of `maintenance_errors`)."""
    return ErrorRecord(
        id=row.id,
        run_id=row.run_id,
        procedure_id=row.procedure_id,
        step_index=row.step_index,
        channel=Channel(row.channel) if row.channel else None,
        response=row.response,
        recovery=row.recovery,
        raised_at=row.raised_at,
        resolved_at=row.resolved_at,
    )
