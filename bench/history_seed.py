"""A data directory whose SQLite database already holds a long history of finished runs.

Driving 100,000 maintenance runs through the API would take hours, so they are written straight
into the database. The directory is first prepared by the server's own start-up code
(`open_services`, then `prepare_first_start`, as a first `mlprep serve` does: migrations to head,
the admin, the catalogue's procedures). The runs then go into the real tables in one transaction,
shaped as the run engine (`mlprep.maintenance.engine`) leaves a finished run:

- a `runs` row per run, `seq` growing with `started_at`, one run every `RUN_SPACING` (with some
  jitter) up to shortly before now; the catalogue's procedures about as often as a lab runs them
  (`PROCEDURE_WEIGHTS`), started by `admin` or an operator;
- a closed `views` row per dialog the run showed, with the operator's answer (a lot number in an
  input view; the HEPA dialog only when the reading was above its threshold), and the readings and
  inputs in `runs.inputs`;
- a `maintenance_errors` row with its Error view where an action failed: Aborted runs ended by
  answering an error with Abort, a few Completed runs went on after a Retry. Errors older than
  `ERRORS_CLEARED_AFTER` have left the error log, as an operator clears it now and then.

States are Completed, Aborted (a dialog's Cancel, an error's Abort, or the operator's abort during
an action) and Failed (the engine stopped during an action). Each procedure's last execution is its
newest Completed run, as completing a run stamps it. Counter moves are not seeded: no run page
reads them. A fixed seed draws the same history on every bench run.

Speed: SQLAlchemy's per-row parameter processing costs ~20 s for these ~340,000 rows, so the rows
are made in the form SQLite stores them (UTC text time stamps, JSON text) and handed to the
driver's `executemany` with the INSERT SQLAlchemy compiles from each table; reading the newest run
back through mlprep's own `RunStore` afterwards checks that the server reads them as it reads its
own.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, insert, update

from mlprep.contract.maintenance import ViewResult
from mlprep.contract.runs import RunState, ViewKind
from mlprep.maintenance.catalogue import (
    ActionStep,
    Outcome,
    ProcedureDefinition,
    ViewStep,
    load_catalogue,
)
from mlprep.maintenance.engine import ERROR_IMAGE, ERROR_RESULTS, RECOVERY_OF
from mlprep.services import open_services, prepare_first_start
from mlprep.settings import Settings
from mlprep.store.database import create_database_engine
from mlprep.store.runs import RunStore
from mlprep.store.tables import maintenance_errors, procedures, runs, views

SEED = 10
RUN_SPACING = timedelta(minutes=20)
ERRORS_CLEARED_AFTER = timedelta(days=30)
# How often each procedure (by catalogue key) is run, relative to the others.
PROCEDURE_WEIGHTS = {"daily": 60, "weekly": 15, "uv": 15, "hepa": 5, "calibration": 5}
STATE_WEIGHTS = {RunState.COMPLETED: 90, RunState.ABORTED: 7, RunState.FAILED: 3}
ACTORS = ("admin", "admin", "operator-1", "operator-2")
RETRIED_SHARE = 0.03  # Completed runs where an action failed once and was retried
LOT_NUMBER = "LOT-2024-0117"
ANSWER_SECONDS = (5.0, 90.0)  # how long an operator takes to answer a dialog
RUNS_PER_INSERT = 10_000  # runs (with their views and errors) per executemany
# Ids grow by a random step below 2**ID_GAP_BITS: room for 2**20 ids (runs, views and errors)
# in 128 bits.
ID_GAP_BITS = 107
# The readings of each run, drawn uniformly in these ranges.
READINGS = {
    "hepaPressureDropPa": (90.0, 170.0),
    "offsetFrontUm": (-40.0, 40.0),
    "offsetRearUm": (-40.0, 40.0),
}
# As `Settings` has it: the server runs with a clean environment.
INSTRUMENT_ID: str = Settings.model_fields["instrument_id"].default


@dataclass(frozen=True)
class SeededHistory:
    """What `seed_history` wrote."""

    runs: int
    views: int
    errors: int
    by_state: dict[str, int]
    by_procedure: dict[str, int]  # procedure name → runs
    first_started_at: datetime
    last_ended_at: datetime
    newest_run: tuple[str, int]  # the newest run's id, and how many views it showed
    seconds: float  # the whole preparation, the first start included


def seed_history(data_dir: Path, admin_password: str, run_count: int) -> SeededHistory:
    """Prepare `data_dir` as a first start does, then add `run_count` finished runs.

    Raises:
        RuntimeError: mlprep's store does not read the newest seeded run back as written.
    """
    started = time.perf_counter()
    settings = Settings(
        data_dir=data_dir,
        database_url=None,  # SQLite in `data_dir`, whatever MLPREP_DATABASE_URL says here
        instrument_id=INSTRUMENT_ID,
        admin_password=admin_password,
        speed=0.0,
    )
    services = open_services(settings)
    try:
        prepare_first_start(services)
    finally:
        services.close()

    history = _History(random.Random(SEED), datetime.now(UTC), run_count)
    engine = create_database_engine(settings.resolved_database_url())
    try:
        with engine.begin() as connection:
            # The whole history is one transaction: let SQLite keep its pages in memory meanwhile.
            connection.exec_driver_sql("PRAGMA cache_size = -262144")  # KiB
            for batch in history.batches(RUNS_PER_INSERT):
                _bulk_insert(connection, runs, batch.runs)
                _bulk_insert(connection, maintenance_errors, batch.errors)
                _bulk_insert(connection, views, batch.views)
            for procedure_id, ended_at in history.last_completed.items():
                connection.execute(
                    update(procedures)
                    .where(procedures.c.id == procedure_id)
                    .values(last_execution_time=_aware(ended_at))
                )
        _check_read_back(RunStore(engine, INSTRUMENT_ID), history)
    finally:
        engine.dispose()
    names = {plan.id: plan.name for plan in history.plans}
    return SeededHistory(
        runs=history.counts["runs"],
        views=history.counts["views"],
        errors=history.counts["errors"],
        by_state={state.value: history.states[state] for state in STATE_WEIGHTS},
        by_procedure={names[key]: count for key, count in history.procedures.most_common()},
        first_started_at=_aware(history.first_started_at),
        last_ended_at=_aware(history.newest.ended_at),
        newest_run=(history.newest.id, len(history.newest.views)),
        seconds=time.perf_counter() - started,
    )


def _bulk_insert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """`rows` (every column, in stored form) through the driver's executemany."""
    if not rows:
        return
    compiled = insert(table).compile(dialect=connection.dialect)
    order = itemgetter(*(column.name for column in table.columns))
    if list(compiled.positiontup or ()) != [column.name for column in table.columns]:
        raise RuntimeError(f"unexpected parameter order in {compiled}")
    connection.exec_driver_sql(str(compiled), [order(row) for row in rows])


def _check_read_back(store: RunStore, history: _History) -> None:
    """Read the newest run, its views and errors back as the server does; compare."""
    newest = history.newest
    written = (newest.id, _aware(newest.started_at), _aware(newest.ended_at))
    record = store.latest()
    if record is None or (record.id, record.started_at, record.ended_at) != written:
        raise RuntimeError(f"the newest seeded run reads back as {record}, not as {written}")
    views_read = [(view.id, view.closed_at) for view in store.views_of(newest.id)]
    views_written = [(view_id, _aware(closed_at)) for view_id, closed_at in newest.views]
    errors_read = [error.id for error in store.errors_of(newest.id)]
    if views_read != views_written or errors_read != newest.errors:
        raise RuntimeError(f"the views or errors of run {newest.id} do not read back as written")


@dataclass
class _Batch:
    """Rows to insert, per table, in the form SQLite stores them."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    views: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Written:
    """One run as written, to compare with what the store reads back."""

    id: str
    started_at: datetime
    ended_at: datetime
    views: list[tuple[str, datetime]] = field(default_factory=list)  # (id, closed_at)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _ViewText:
    """What a view shows, as its row stores it."""

    kind: str
    title: str
    message: str
    image: str | None
    results: str  # JSON text
    input_required: bool


@dataclass(frozen=True)
class _Dialog:
    """A view step, with what its rows repeat on every run."""

    index: int
    step: ViewStep
    text: _ViewText
    next_result: str  # the answer that goes on (Ok, or Yes to a question)
    cancel_result: str | None  # the answer that aborts the run, if there is one


@dataclass(frozen=True)
class _Action:
    """An action step, with what its rows repeat on every run."""

    index: int
    step: ActionStep
    seconds: float
    channel: str | None
    error_message: str  # the start of the Error view's message


@dataclass(frozen=True)
class _Plan:
    """A procedure's steps, prepared once for its thousands of runs."""

    id: str
    name: str
    steps: tuple[_Dialog | _Action, ...]
    actions: tuple[int, ...]  # step indexes
    cancellable: tuple[int, ...]  # dialogs shown every time, with an answer that aborts


def _plan(definition: ProcedureDefinition) -> _Plan:
    steps: list[_Dialog | _Action] = []
    for index, step in enumerate(definition.steps):
        if isinstance(step, ViewStep):
            outcomes = step.results.items()
            steps.append(
                _Dialog(
                    index=index,
                    step=step,
                    text=_ViewText(
                        kind=step.kind.value,
                        title=step.title,
                        message=step.message,
                        image=step.image,
                        results=json.dumps([result.value for result in step.results]),
                        input_required=step.input_required,
                    ),
                    next_result=next(r.value for r, o in outcomes if o is Outcome.NEXT),
                    cancel_result=next((r.value for r, o in outcomes if o is Outcome.ABORT), None),
                )
            )
        else:
            steps.append(
                _Action(
                    index=index,
                    step=step,
                    seconds=step.duration.total_seconds(),
                    channel=step.channel.value if step.channel else None,
                    error_message=f"{step.title} failed: ",
                )
            )
    return _Plan(
        id=definition.id,
        name=definition.name,
        steps=tuple(steps),
        actions=tuple(s.index for s in steps if isinstance(s, _Action)),
        cancellable=tuple(
            s.index
            for s in steps
            if isinstance(s, _Dialog) and s.cancel_result and s.step.only_if is None
        ),
    )


def _stored(moment: datetime) -> str:
    """A naive UTC time stamp as SQLAlchemy stores a `UtcDateTime` in SQLite (to microseconds).

    The seeding keeps its clock naive (in UTC) because `replace(tzinfo=None)` on 700,000 aware
    time stamps costs more than a second.
    """
    return moment.isoformat(" ", "microseconds")


def _aware(moment: datetime) -> datetime:
    """A naive UTC time stamp of the seeding's clock, as the store reads it back."""
    return moment.replace(tzinfo=UTC)


_ERROR_VIEW_RESULTS = json.dumps([result.value for result in ERROR_RESULTS])
_ERROR_VIEW_QUESTION = (
    # As the engine words it (RunEngine._raise_error).
    " Retry the action (Yes), continue with the next step (Ok) or abort the procedure (Abort)?"
)


class _History:
    """Draws the runs, oldest first, and writes each as rows the run engine would have left."""

    def __init__(self, rng: random.Random, now: datetime, run_count: int) -> None:
        self._rng = rng
        self._last_id = 0
        self._now = now.astimezone(UTC).replace(tzinfo=None)  # naive UTC from here on
        self._run_count = run_count
        self._origin = self._now - RUN_SPACING * (run_count + 1)
        catalogue = load_catalogue()
        self.plans = [_plan(definition) for definition in catalogue.procedures]
        self._plan_weights = [PROCEDURE_WEIGHTS.get(d.key, 1) for d in catalogue.procedures]
        self.counts: Counter[str] = Counter()
        self.states: Counter[RunState] = Counter()
        self.procedures: Counter[str] = Counter()
        self.last_completed: dict[str, datetime] = {}
        self.first_started_at = self._now
        self.newest = _Written("", self._now, self._now)

    def batches(self, runs_per_batch: int) -> Iterator[_Batch]:
        """The rows of every run, oldest first, `runs_per_batch` runs at a time."""
        rng = self._rng
        plans = rng.choices(self.plans, self._plan_weights, k=self._run_count)
        states = rng.choices(list(STATE_WEIGHTS), list(STATE_WEIGHTS.values()), k=self._run_count)
        batch = _Batch()
        for index, (plan, state) in enumerate(zip(plans, states, strict=True)):
            started_at = self._origin + RUN_SPACING * index + timedelta(seconds=rng.uniform(0, 300))
            self._write_run(batch, plan, state, index + 1, started_at)
            if len(batch.runs) == runs_per_batch:
                yield batch
                batch = _Batch()
        if batch.runs:
            yield batch

    def _new_id(self) -> str:
        """An id as `RandomIds` makes them, 32 random hex digits, but each greater than the last:
        SQLite then appends to the id indexes instead of inserting all over them, which makes
        the seeding a third faster. A look-up by id costs the same either way."""
        self._last_id += self._rng.getrandbits(ID_GAP_BITS) + 1
        return f"{self._last_id:032x}"

    def _write_run(
        self, batch: _Batch, plan: _Plan, state: RunState, seq: int, started_at: datetime
    ) -> None:
        rng = self._rng
        run = _Written(self._new_id(), started_at, started_at)
        actor = rng.choice(ACTORS)
        # Where the run stops early, and how.
        stop_at, how = len(plan.steps), "end"
        if state is RunState.FAILED:
            stop_at, how = rng.choice(plan.actions), "failed"
        elif state is RunState.ABORTED:
            ways = [("cancel", i) for i in plan.cancellable]
            ways += [(way, i) for i in plan.actions for way in ("error", "abort")]
            how, stop_at = rng.choice(ways)
        retried = -1
        if state is RunState.COMPLETED and rng.random() < RETRIED_SHARE:
            retried = rng.choice(plan.actions)

        clock = started_at
        inputs: dict[str, str] = {}
        step_index = 0
        view_seq = error_seq = 0
        for step in plan.steps[: stop_at + 1]:
            if isinstance(step, _Dialog):
                condition = step.step.only_if
                if condition is not None:
                    reading = inputs.get(condition.reading)
                    if reading is None or float(reading) <= condition.above:
                        continue  # not shown
                step_index = step.index
                cancels = step.index == stop_at
                answer = step.cancel_result if cancels else step.next_result
                text = None
                if step.step.input_required and not cancels:
                    text = inputs[step.step.title] = LOT_NUMBER
                created_at, clock = clock, clock + self._answer_time()
                view_seq += 1
                batch.views.append(
                    self._view_row(
                        run,
                        view_seq,
                        step.index,
                        step.text,
                        None,
                        (created_at, clock),
                        answer,
                        text,
                        actor,
                    )
                )
                continue
            step_index = step.index
            failed_with = (
                ViewResult.YES
                if step.index == retried
                else ViewResult.ABORT
                if step.index == stop_at and how == "error"
                else None
            )
            if failed_with is not None:
                clock += timedelta(seconds=step.seconds * rng.random())
                error_seq += 1
                view_seq += 1
                clock = self._error(
                    batch, run, plan, step, (error_seq, view_seq), clock, failed_with, actor
                )
            if step.index == stop_at:
                if how != "error":  # failed or aborted during the action
                    clock += timedelta(seconds=step.seconds * rng.random())
                break
            clock += timedelta(seconds=step.seconds)
            if step.step.reading:
                low, high = READINGS.get(step.step.reading, (0.0, 100.0))
                inputs[step.step.reading] = f"{round(rng.uniform(low, high), 1):g}"
            step_index = step.index + 1

        run.ended_at = clock
        batch.runs.append(
            {
                "id": run.id,
                "instrument_id": INSTRUMENT_ID,
                "seq": seq,
                "procedure_id": plan.id,
                "state": state.value,
                "step_index": min(step_index, len(plan.steps)),
                "step_count": len(plan.steps),
                "started_by": actor,
                "started_at": _stored(started_at),
                "ended_at": _stored(clock),
                "abort_requested": how == "abort",
                "inputs": json.dumps(inputs) if inputs else "{}",
            }
        )
        self.counts["runs"] += 1
        self.states[state] += 1
        self.procedures[plan.id] += 1
        self.first_started_at = min(self.first_started_at, started_at)
        if state is RunState.COMPLETED:
            self.last_completed[plan.id] = clock
        self.newest = run

    def _answer_time(self) -> timedelta:
        return timedelta(seconds=self._rng.uniform(*ANSWER_SECONDS))

    def _error(
        self,
        batch: _Batch,
        run: _Written,
        plan: _Plan,
        action: _Action,
        seqs: tuple[int, int],  # (the error's, its view's)
        raised_at: datetime,
        answer: ViewResult,
        actor: str,
    ) -> datetime:
        """A failed action: its error and the Error view answered `answer`; when it was answered."""
        error_seq, view_seq = seqs
        faults = action.step.faults
        message = self._rng.choice(faults) if faults else "The action failed."
        error_id = self._new_id()
        resolved_at = raised_at + self._answer_time()
        cleared = resolved_at < self._now - ERRORS_CLEARED_AFTER
        batch.errors.append(
            {
                "id": error_id,
                "run_id": run.id,
                "seq": error_seq,
                "procedure_id": plan.id,
                "step_index": action.index,
                "channel": action.channel,
                "response": message,
                "recovery": RECOVERY_OF[answer],
                "raised_at": _stored(raised_at),
                "resolved_at": _stored(resolved_at),
                "cleared_at": _stored(resolved_at + timedelta(days=1)) if cleared else None,
            }
        )
        run.errors.append(error_id)
        self.counts["errors"] += 1
        text = _ViewText(
            kind=ViewKind.ERROR.value,
            title="Maintenance error",
            message=action.error_message + message + _ERROR_VIEW_QUESTION,
            image=ERROR_IMAGE,
            results=_ERROR_VIEW_RESULTS,
            input_required=False,
        )
        batch.views.append(
            self._view_row(
                run,
                view_seq,
                action.index,
                text,
                error_id,
                (raised_at, resolved_at),
                answer.value,
                None,
                actor,
            )
        )
        return resolved_at

    def _view_row(
        self,
        run: _Written,
        seq: int,
        step_index: int,
        text: _ViewText,
        error_id: str | None,
        shown: tuple[datetime, datetime],  # (created, closed)
        result: str | None,
        input_text: str | None,
        actor: str,
    ) -> dict[str, Any]:
        """The row of a view the run showed and the operator answered."""
        created_at, closed_at = shown
        view_id = self._new_id()
        run.views.append((view_id, closed_at))
        self.counts["views"] += 1
        return {
            "id": view_id,
            "run_id": run.id,
            "seq": seq,
            "step_index": step_index,
            "kind": text.kind,
            "title": text.title,
            "message": text.message,
            "image_name": text.image,
            "results": text.results,
            "input_required": text.input_required,
            "error_id": error_id,
            "created_at": _stored(created_at),
            "closed_at": _stored(closed_at),
            "result": result,
            "input": input_text,
            "closed_by": actor,
        }
