"""The run engine: one maintenance run at a time, driven step by step.

Every state change is committed to the store before it is announced on the event bus, so a
client that hears of a change can read it back, and a crash loses nothing that was announced.

Store calls run off the event loop (`Commits`: one worker thread, in order), so that a slow
database never holds up other requests or the event streams. Each operation that changes the run
(start, an answer, an abort, each step of the drive loop) holds `_changes` from its first check to
its last announcement: with commits awaited in between, the lock keeps each one whole, as if it
ran without a pause, so they never interleave.

The drive loop stages its changes (`_stage`) rather than committing each: the steps between an
answer and the next view (states, counters, readings, the time the actions took) are committed in
one transaction, with the change that opens the view, before any of them is announced. Staged
changes are committed before the run waits for anything (a view's answer, an action that takes
real time) and with any other change the engine commits, ahead of it; at speed 0 a Daily
Maintenance answer then costs two commits instead of ten.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import partial
from typing import Any, ParamSpec, TypeVar

from mlprep.audit import AuditTrail
from mlprep.clock import SimulatedClock
from mlprep.contract.maintenance import StartedRun, ViewResult
from mlprep.contract.runs import RunState, ViewKind
from mlprep.errors import (
    ConflictError,
    DatabaseUnavailableError,
    InvalidRequestError,
    MlprepError,
    NotFoundError,
)
from mlprep.events.bus import EventBus
from mlprep.ids import IdGenerator
from mlprep.instrument.port import Instrument, InstrumentFault, OperationRequest
from mlprep.maintenance.catalogue import (
    ActionStep,
    Catalogue,
    Outcome,
    ProcedureDefinition,
    ViewStep,
)
from mlprep.maintenance.channel_counters import ChannelCounters
from mlprep.maintenance.commits import Commits
from mlprep.maintenance.run_announcements import RunAnnouncer
from mlprep.store.procedures import ProcedureStore
from mlprep.store.runs import CounterMove, ErrorRecord, RunEnd, RunRecord, RunStore, ViewRecord

logger = logging.getLogger("mlprep.engine")

ERROR_RESULTS = (ViewResult.YES, ViewResult.OK, ViewResult.ABORT)
RECOVERY_OF = {ViewResult.YES: "Retry", ViewResult.OK: "Continue", ViewResult.ABORT: "Abort"}
PENDING = "Pending"
ERROR_IMAGE = "maintenance-error.png"
# While the database is away, the drive loop tries its commit again after these many seconds,
# doubling up to the last.
RETRY_FIRST_SECONDS = 0.1
RETRY_LAST_SECONDS = 5.0

# Told of each completed run once its end is committed: (procedure id, when it completed).
CompletionListener = Callable[[str, datetime], None]

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class _Answer:
    result: ViewResult
    input: str | None


@dataclass(frozen=True)
class ActionTiming:
    """When the running action started (on the instrument's clock) and how long it takes there."""

    started_at: datetime
    duration: timedelta


@dataclass(frozen=True)
class _Checkpoint:
    """Where a run was when an answer was taken: it goes back there if the answer cannot be
    stored (the view open again, the steps the answer led to undone)."""

    view: ViewRecord
    state: RunState
    readings: dict[str, float]
    time_passed: timedelta  # the clock's `passed`


@dataclass
class _ActiveRun:
    record: RunRecord
    definition: ProcedureDefinition
    state: RunState = RunState.RUNNING
    step: int = 0
    task: asyncio.Task[None] | None = None
    action: asyncio.Task[Any] | None = None
    action_timing: ActionTiming | None = None
    open_view: ViewRecord | None = None  # the view the run waits on
    answer: asyncio.Future[_Answer] | None = None
    answered: str | None = None  # the open view's id once answered, until the answer is stored
    abort_requested: bool = False
    readings: dict[str, float] = field(default_factory=dict)
    # Set when an answer ended the run and its end was committed with the answer.
    ended: RunState | None = None
    checkpoint: _Checkpoint | None = None  # taken with an answer the run goes on from
    completion_pending: datetime | None = None  # a completion stored, not yet told of


class _Rewind(Exception):
    """Raised inside the drive loop when an answer could not be stored: the run waits on its
    view again."""

    def __init__(self, view: ViewRecord) -> None:
        super().__init__(view.id)
        self.view = view


class _AbortRun(Exception):
    """Raised inside the drive loop when the run is to end as Aborted."""


class RunEngine:
    """Starts, drives, answers and aborts maintenance runs."""

    def __init__(
        self,
        catalogue: Catalogue,
        procedures: ProcedureStore,
        runs: RunStore,
        instrument: Instrument,
        clock: SimulatedClock,
        ids: IdGenerator,
        bus: EventBus,
        audit: AuditTrail,
        counters: ChannelCounters,
    ) -> None:
        self._catalogue = catalogue
        self._procedures = procedures
        self._runs = runs
        self._instrument = instrument
        self._clock = clock
        self._ids = ids
        self._announce = RunAnnouncer(bus, instrument.info.time_zone)
        self._audit = audit
        self._counters = counters
        self._completion_listeners: list[CompletionListener] = []
        self._active: _ActiveRun | None = None
        self._changes = asyncio.Lock()
        self._commits = Commits()
        # Store changes made but not committed yet, and what to do once they are (announce them).
        self._staged: list[partial[object]] = []
        # Keeps the clock's offset after an action's time passed (with the run's next commit).
        self._passed_time: Callable[[], None] | None = None
        self._once_committed: list[Callable[[], None]] = []
        # Answers staged with the next commit, acknowledged once it is made.
        self._acknowledged: list[asyncio.Future[None]] = []
        self._history_replaced = 0
        self._driven_elsewhere: str | None = None  # who drives the instrument, if not this one

    @property
    def zone(self) -> tzinfo:
        """The instrument's time zone."""
        return self._instrument.info.time_zone

    @property
    def active_run_id(self) -> str | None:
        """The id of the run in progress, if any."""
        return self._active.record.id if self._active else None

    @property
    def action_timing(self) -> ActionTiming | None:
        """The running action's start and duration, while an action runs."""
        return self._active.action_timing if self._active else None

    @property
    def version(self) -> int:
        """Moves on with every store call the engine makes and with each replacement of the run
        history (a factory reset): readers of runs and errors key what they keep on it."""
        return self._commits.finished + self._history_replaced

    def history_replaced(self) -> None:
        """The run history was rewritten outside the engine (a factory reset)."""
        self._history_replaced += 1

    def when_completed(self, listener: CompletionListener) -> None:
        """Tell `listener` of every run that completes, once its end is committed."""
        self._completion_listeners.append(listener)

    def ensure_idle(self, what: str) -> None:
        """Raises ConflictError while a run is in progress, or while another server drives the
        instrument (`what` names the refused operation)."""
        if self._driven_elsewhere is not None:
            raise ConflictError(
                f"Cannot {what} now: another mlprep server drives this instrument "
                f"({self._driven_elsewhere}); this one stopped driving it."
            )
        if self._active is not None:
            raise ConflictError(f"Cannot {what} now: {self._describe(self._active)}.")

    # -- starting -------------------------------------------------------------------------

    async def start(self, procedure_id: str, actor: str) -> StartedRun:
        """Start a procedure and return at once; the run goes on in the background.

        Raises:
            NotFoundError: no such (active) procedure.
            ConflictError: a run is already in progress.
        """
        async with self._changes:
            self.ensure_idle("start a maintenance procedure")
            stored = await self._commit(self._procedures.get, procedure_id)
            definition = self._catalogue.by_id(procedure_id)
            if stored is None or definition is None:
                raise NotFoundError(f"There is no maintenance procedure with id '{procedure_id}'.")
            record = RunRecord(
                id=self._ids.new_id(),
                procedure_id=procedure_id,
                state=RunState.RUNNING,
                step_index=0,
                step_count=len(definition.steps),
                started_by=actor,
                started_at=self._clock.now(),
                ended_at=None,
                abort_requested=False,
                inputs={},
            )
            await self._commit(self._started, record, definition.name, actor)
            active = _ActiveRun(record, definition)
            self._active = active
            self._announce_state(active, RunState.RUNNING)
            active.task = asyncio.create_task(self._drive(active), name=f"run-{record.id}")
        return StartedRun(run_id=record.id, procedure_id=procedure_id, state=RunState.RUNNING.value)

    def _started(self, record: RunRecord, name: str, actor: str) -> None:
        """On the commit thread: the new run and its audit entry."""
        self._runs.create(record)
        self._audit.record("maintenance.start", actor=actor, target=name, detail=f"run {record.id}")

    # -- answering views ------------------------------------------------------------------

    async def close_view(
        self, view_id: str, result: ViewResult, input_text: str | None, actor: str
    ) -> None:
        """Answer a view; the first answer wins.

        Raises:
            NotFoundError: the view is unknown or already closed.
            InvalidRequestError: the view does not allow `result`, or needs an input.
        """
        async with self._changes:
            view = self._waiting_view(view_id) or await self._commit(self._runs.view, view_id)
            self._check_answer(view_id, view, result, input_text)
            assert view is not None
            stored = await self._close(view, result, input_text, actor)
            if stored is None:
                raise NotFoundError(
                    f"There is no open view with id '{view_id}'; it was closed already by "
                    "another client."
                )
        await stored

    def _waiting_view(self, view_id: str) -> ViewRecord | None:
        """The view the run in progress waits on, if its id is `view_id` (known without asking
        the store; any other view is closed, or unknown)."""
        active = self._active
        view = active.open_view if active is not None else None
        return view if view is not None and view.id == view_id else None

    @staticmethod
    def _check_answer(
        view_id: str, view: ViewRecord | None, result: ViewResult, input_text: str | None
    ) -> None:
        """Raises NotFoundError or InvalidRequestError unless `view` is open and takes `result`
        (with an input where it needs one)."""
        if view is None or view.closed_at is not None:
            raise NotFoundError(
                f"There is no open view with id '{view_id}'; it may have been closed already by "
                "another client."
            )
        if result.value not in view.results:
            allowed = ", ".join(view.results)
            raise InvalidRequestError(
                f"The view '{view.title}' allows only these results: {allowed}.",
                {"viewResult": [f"'{result.value}' is not allowed here; use one of {allowed}."]},
            )
        if view.input_required and result is ViewResult.OK and not (input_text or "").strip():
            raise InvalidRequestError(
                f"The view '{view.title}' needs an input: send it as viewInput.",
                {"viewInput": ["This view needs an input."]},
            )

    async def answer_error(self, error_id: str, result: ViewResult, actor: str) -> bool:
        """Answer a pending error as its Error view would be answered (`result` one of the view's
        results); the first answer wins. Returns False if the view was closed already."""
        async with self._changes:
            view = await self._commit(self._runs.error_view, error_id)
            if view is None or view.closed_at is not None:
                return False
            stored = await self._close(view, result, None, actor)
            if stored is None:
                return False
        await stored
        return True

    async def _close(
        self, view: ViewRecord, result: ViewResult, input_text: str | None, actor: str
    ) -> asyncio.Future[None] | None:
        """Close an open view with an answer it allows, and tell the waiting run; None if
        another answer came first, else what to await before acknowledging the answer: its
        commit.

        An answer the run goes on from is committed with the run's next commit: the steps it
        leads to and the next view (or the start of an action that takes time) are stored in
        one transaction with it, and the answer is acknowledged once they are. The engine's
        lock decides the first answer; the view is no longer the one the run waits on.
        """
        view_id = view.id
        active = self._active
        waiting = active.open_view if active is not None else None
        answering = active if waiting is not None and waiting.id == view_id else None
        if answering is not None and answering.answered == view_id:
            return None  # answered already; the answer is on its way to the store
        end = self._end_after(answering, view, result) if answering else None
        now = self._clock.now()
        if (
            answering is not None
            and end is None
            and answering.answer is not None
            and not answering.answer.done()  # else an abort came first and the run is ending
        ):
            stored = asyncio.get_running_loop().create_future()
            answering.answered = view_id
            answering.checkpoint = _Checkpoint(
                view, answering.state, dict(answering.readings), self._clock.passed
            )
            self._stage(self._close_audited, view, result, input_text, actor, now, None)
            self._once_committed.append(
                partial(self._answer_stored, answering, view, result, input_text, actor)
            )
            self._acknowledged.append(stored)
            answering.answer.set_result(_Answer(result, input_text))
            return stored
        closed = await self._commit(self._close_audited, view, result, input_text, actor, now, end)
        if not closed:
            return None
        if answering is not None:
            answering.open_view = None
        if answering is not None and end is not None:
            answering.ended = end.state
            if end.state is RunState.COMPLETED:
                try:
                    await self._commit(self._completed, answering, now)
                except DatabaseUnavailableError:
                    # The run's end is stored; the drive loop tells of it once it can read.
                    answering.completion_pending = now
        self._view_closed(view, result, input_text, actor)
        if answering is not None and answering.answer and not answering.answer.done():
            answering.answer.set_result(_Answer(result, input_text))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    def _answer_stored(
        self,
        active: _ActiveRun,
        view: ViewRecord,
        result: ViewResult,
        input_text: str | None,
        actor: str,
    ) -> None:
        """Once an answer the run went on from is committed: its view is closed. (Until then
        it stays the run's open view, which a run that fails before it is stored closes.)"""
        if active.open_view is view:
            active.open_view = None
        active.answered = None
        self._view_closed(view, result, input_text, actor)

    def _view_closed(
        self, view: ViewRecord, result: ViewResult, input_text: str | None, actor: str
    ) -> None:
        self._announce.view_closed(
            view.id,
            view.run_id,
            result.value,
            input_text,
            actor,
            f"View '{view.title}' closed with {result.value}",
        )

    def _close_audited(
        self,
        view: ViewRecord,
        result: ViewResult,
        input_text: str | None,
        actor: str,
        now: datetime,
        end: RunEnd | None,
    ) -> bool:
        """On the commit thread: close `view` with `result` and, if this answer was the first,
        add it to the audit trail (in the same transaction)."""
        closed = self._runs.close_view(
            view.id,
            result.value,
            input_text,
            actor,
            now,
            recovery=RECOVERY_OF.get(result) if view.error_id else None,
            keep_input_as=view.title if view.input_required else None,
            end=end,
        )
        if closed:
            self._audit.record(
                "maintenance.close-view",
                actor=actor,
                target=view.id,
                detail=f"{view.title}: {result.value}",
            )
        return closed

    def _end_after(self, active: _ActiveRun, view: ViewRecord, result: ViewResult) -> RunEnd | None:
        """How the run ends if `view` is answered with `result` now, if that answer ends it:
        the end is then committed with the answer, before the answer is acknowledged."""
        if active.abort_requested:
            return None
        if view.error_id:
            if result is ViewResult.ABORT:
                return RunEnd(RunState.ABORTED, (PENDING, RECOVERY_OF[ViewResult.ABORT]))
            continues = result is ViewResult.OK
        else:
            step = active.definition.steps[view.step_index]
            assert isinstance(step, ViewStep)
            outcome = step.results[result]
            if outcome is Outcome.ABORT:
                return RunEnd(RunState.ABORTED, (PENDING, RECOVERY_OF[ViewResult.ABORT]))
            continues = outcome is Outcome.NEXT
        if continues and self._nothing_left_after(active, view.step_index):
            return RunEnd(RunState.COMPLETED)
        return None

    def _nothing_left_after(self, active: _ActiveRun, step: int) -> bool:
        """Whether every step after `step` would be skipped (a view whose condition is not met,
        an action on a channel this instrument lacks)."""
        present = self._instrument.info.channels
        for later in active.definition.steps[step + 1 :]:
            if isinstance(later, ActionStep):
                if later.channel is None or later.channel in present:
                    return False
            elif later.only_if is None:
                return False
            else:
                reading = active.readings.get(later.only_if.reading)
                if reading is not None and reading > later.only_if.above:
                    return False
        return True

    # -- aborting ------------------------------------------------------------------------

    async def abort(self, actor: str) -> None:
        """Ask the running procedure to stop at its next safe point.

        Raises:
            ConflictError: nothing is running.
        """
        async with self._changes:
            active = self._active
            if active is None:
                raise ConflictError(
                    "No maintenance procedure is running; there is nothing to abort."
                )
            if active.ended is not None:
                raise ConflictError(
                    f"'{active.definition.name}' has just ended ({active.ended.value}); there is "
                    "nothing to abort."
                )
            if active.abort_requested:
                return
            await self._commit(self._abort_requested, active.record.id, active.definition, actor)
            active.abort_requested = True
            self._announce_state(active, RunState.ABORTING)
            if active.answer is not None and not active.answer.done():
                active.answer.set_exception(_AbortRun())
            if active.action is not None and not active.action.done():
                active.action.cancel()

    def _abort_requested(self, run_id: str, definition: ProcedureDefinition, actor: str) -> None:
        """On the commit thread: the run's abort request and its audit entry."""
        self._runs.request_abort(run_id)
        self._audit.record(
            "maintenance.abort", actor=actor, target=definition.name, detail=f"run {run_id}"
        )

    # -- lifecycle -------------------------------------------------------------------------

    def recover(self) -> list[str]:
        """At start-up: runs left unfinished end, their views closed: Aborted where an abort
        was acknowledged, else Interrupted."""
        ended = self._end_unfinished()
        for run in ended:
            definition = self._catalogue.by_id(run.procedure_id)
            logger.warning(
                "run %s (%s) was unfinished at start-up (the server had stopped while it ran); "
                "marked %s: it is not resumed, start the procedure again",
                run.id,
                definition.name if definition else run.procedure_id,
                run.state.value,
            )
        return [run.id for run in ended]

    def _end_unfinished(self) -> list[RunRecord]:
        return self._runs.interrupt_unfinished(
            self._clock.now(), PENDING, RECOVERY_OF[ViewResult.ABORT]
        )

    async def shutdown(self) -> None:
        """Stop driving the run in progress; it is recorded as Interrupted."""
        active = self._active
        if active is None or active.task is None:
            return
        active.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await active.task
        self._active = None
        # After the calls handed over before the cancellation: none can undo the interruption.
        try:
            await self._commit(self._end_unfinished)
        except DatabaseUnavailableError as error:
            logger.warning(
                "run %s could not be marked Interrupted (the database is %s): the next start "
                "marks it",
                active.record.id,
                error.cause.value,
            )

    def relinquish(self, driver: str) -> None:
        """Another server drives the instrument now (`driver` describes it): stop driving the
        run in progress, recording nothing (the new driver has recovered it), and refuse to
        start one until `resume`."""
        self._driven_elsewhere = driver
        active, self._active = self._active, None
        # What the dropped run staged is not this server's to store any more.
        dropped = ConflictError(f"Another mlprep server drives this instrument ({driver}).")
        self._refuse(self._acknowledged, dropped)
        self._staged, self._once_committed, self._acknowledged = [], [], []
        if active is not None and active.task is not None:
            active.task.cancel()
            logger.error(
                "stopped driving run %s: another mlprep server drives the instrument (%s)",
                active.record.id,
                driver,
            )

    async def resume(self) -> list[str]:
        """This server drives the instrument again: the runs the other driver left unfinished
        end as at start-up; returns their ids."""
        # Starts stay refused until then: a run started meanwhile would be ended with the rest.
        ended = await self._commit(self._end_unfinished)
        self._driven_elsewhere = None
        for run in ended:
            logger.warning("run %s was left unfinished; ended as at start-up", run.id)
        return [run.id for run in ended]

    def close(self) -> None:
        """Stop the thread that commits (after the calls handed over)."""
        self._commits.close()

    async def with_run_changes(self, change: Callable[[], None]) -> None:
        """Make the store change `change` in one transaction with the run's next changes (the
        time an action took, kept with the action's end); at once while no run is going on."""
        self._passed_time = change  # it keeps the values current when it runs: once is enough
        if self._active is None:
            await self._flush()

    # -- the drive loop ----------------------------------------------------------------------

    async def _drive(self, active: _ActiveRun) -> None:
        """Run the steps, then end the run; an answer that could not be stored takes the run
        back to its view, which waits for an answer again."""
        resume: ViewRecord | None = None
        while True:
            try:
                outcome = await self._run_steps(active, resume)
                await self._finish(active, outcome)
                return
            except _Rewind as rewind:
                resume = rewind.view
                logger.warning(
                    "run %s: the answer to view %s could not be stored; the view waits again",
                    active.record.id,
                    resume.id,
                )

    async def _run_steps(self, active: _ActiveRun, resume: ViewRecord | None) -> RunState:
        """The run's steps from the start, or from the answer to `resume`; how the run ends."""
        try:
            step = 0 if resume is None else await self._resume(active, resume)
            steps = active.definition.steps
            while step < len(steps):
                if active.abort_requested:
                    raise _AbortRun
                current = steps[step]
                if isinstance(current, ViewStep):
                    step = await self._run_view_step(active, current, step)
                else:
                    step = await self._run_action_step(active, current, step)
        except _Rewind:
            raise
        except _AbortRun:
            return RunState.ABORTED
        except asyncio.CancelledError:
            raise  # shutdown: the run stays unfinished and becomes Interrupted
        except Exception:
            logger.exception("run %s failed", active.record.id)
            return RunState.FAILED
        return RunState.COMPLETED

    async def _resume(self, active: _ActiveRun, view: ViewRecord) -> int:
        """Wait again for the answer to `view` (still open: the last one was not stored); the
        step the run goes on with."""
        answer = await self._wait_for_answer(active, view)
        step = active.definition.steps[view.step_index]
        if view.error_id is not None:
            return self._after_recovery(answer.result, view.step_index)
        assert isinstance(step, ViewStep)
        return await self._after_view(active, step, view.step_index, answer)

    async def _run_view_step(self, active: _ActiveRun, view: ViewStep, step: int) -> int:
        if view.only_if is not None:
            reading = active.readings.get(view.only_if.reading)
            if reading is None or reading <= view.only_if.above:
                return step + 1
        answer = await self._ask(
            active,
            step,
            view.kind,
            view.title,
            view.message,
            view.image,
            list(view.results),
            view.input_required,
            error_id=None,
        )
        return await self._after_view(active, view, step, answer)

    async def _after_view(
        self, active: _ActiveRun, view: ViewStep, step: int, answer: _Answer
    ) -> int:
        """The step a run goes on with after `view` (at `step`) was answered with `answer`."""
        outcome = view.results[answer.result]
        if outcome is Outcome.ABORT:
            raise _AbortRun
        if active.ended is not None:
            return len(active.definition.steps)  # the answer ended the run: nothing is left
        await self._set_state(active, RunState.RUNNING, step)
        return step if outcome is Outcome.REPEAT else step + 1

    async def _run_action_step(self, active: _ActiveRun, action: ActionStep, step: int) -> int:
        present = self._instrument.info.channels
        if action.channel is not None and action.channel not in present:
            return step + 1  # a one-channel instrument skips the Rear channel's actions
        request = OperationRequest(action.operation, action.channel, action.duration, action.faults)
        while True:
            await self._set_state(active, RunState.RUNNING, step)
            takes_time = self._instrument.takes_time(request)
            if takes_time:
                await self._flushed()  # announced before the wait, as the action starts
            try:
                active.action_timing = ActionTiming(self._clock.now(), action.duration)
                performing = self._instrument.perform(request)
                if takes_time:
                    active.action = asyncio.ensure_future(performing)  # an abort cancels it
                    result = await active.action
                else:
                    # Done at once (a simulator at speed 0): nothing can abort it meanwhile,
                    # and the run goes on to its next commit without giving up the loop.
                    result = await performing
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if active.abort_requested and not (current and current.cancelling()):
                    raise _AbortRun from None
                raise
            except InstrumentFault as fault:
                active.action_timing = None  # the action is over; its Error view is open
                if active.abort_requested:
                    raise _AbortRun from None
                recovery = await self._raise_error(active, action, step, fault.message)
                after = self._after_recovery(recovery, step)
                if after == step:
                    continue
                return after
            finally:
                active.action = None
                active.action_timing = None
            await self._complete_action(active, action, step, result.reading)
            return step + 1

    async def _complete_action(
        self, active: _ActiveRun, action: ActionStep, step: int, reading: float | None
    ) -> None:
        move = (
            CounterMove(action.channel, dict(action.counters))
            if (action.channel is not None and action.counters)
            else None
        )
        kept = (action.reading, f"{reading:g}") if action.reading and reading is not None else None
        async with self._changes:
            self._stage(
                self._runs.complete_action,
                active.record.id,
                step + 1,
                move,
                kept,
                self._clock.now(),
            )
            if action.reading and reading is not None:
                active.readings[action.reading] = reading
            if move is not None:
                self._once_committed.append(partial(self._counters_moved, move))

    @staticmethod
    def _after_recovery(recovery: ViewResult, step: int) -> int:
        """The step a run goes on with after the Error view of the action at `step` was answered
        with `recovery`: the same (retry) or the next (continue past it; it moved no counters).

        Raises:
            _AbortRun: the operator chose to abort.
        """
        if recovery is ViewResult.ABORT:
            raise _AbortRun
        return step if recovery is ViewResult.YES else step + 1

    async def _raise_error(
        self, active: _ActiveRun, action: ActionStep, step: int, message: str
    ) -> ViewResult:
        now = self._clock.now()
        error = ErrorRecord(
            id=self._ids.new_id(),
            run_id=active.record.id,
            procedure_id=active.definition.id,
            step_index=step,
            channel=action.channel,
            response=message,
            recovery=PENDING,
            raised_at=now,
        )
        view = self._view_record(
            active,
            step,
            ViewKind.ERROR,
            "Maintenance error",
            f"{action.title} failed: {message.rstrip('.')}. Retry the action (Yes), continue "
            "with the next step (Ok) or abort the procedure (Abort)?",
            ERROR_IMAGE,
            [result.value for result in ERROR_RESULTS],
            False,
            error.id,
        )

        def raised(_: None) -> None:
            active.state = RunState.ERROR_PENDING
            self._announce.error_raised(error)
            self._announce.view_opened(view)
            self._announce_state(active, RunState.ERROR_PENDING)

        await self._stored(raised, self._runs.raise_error, error, view)
        answer = await self._wait_for_answer(active, view)
        return answer.result

    async def _ask(
        self,
        active: _ActiveRun,
        step: int,
        kind: ViewKind,
        title: str,
        message: str,
        image: str | None,
        results: list[ViewResult],
        input_required: bool,
        error_id: str | None,
    ) -> _Answer:
        view = self._view_record(
            active,
            step,
            kind,
            title,
            message,
            image,
            [result.value for result in results],
            input_required,
            error_id,
        )

        def opened(_: None) -> None:
            active.step = step
            self._announce.view_opened(view)
            self._announce_state(active, RunState.WAITING_FOR_VIEW)

        await self._stored(opened, self._runs.open_view, view, RunState.WAITING_FOR_VIEW)
        return await self._wait_for_answer(active, view)

    async def _wait_for_answer(self, active: _ActiveRun, view: ViewRecord) -> _Answer:
        active.open_view = view
        active.answer = asyncio.get_running_loop().create_future()
        if active.abort_requested:
            raise _AbortRun
        try:
            return await active.answer
        finally:
            # The view stays the run's open view until the answer is stored (see `_close`).
            # If the run ends instead (abort), it stays so that finishing the run announces
            # the view's closing.
            active.answer = None

    def _view_record(
        self,
        active: _ActiveRun,
        step: int,
        kind: ViewKind,
        title: str,
        message: str,
        image: str | None,
        results: list[str],
        input_required: bool,
        error_id: str | None,
    ) -> ViewRecord:
        return ViewRecord(
            id=self._ids.new_id(),
            run_id=active.record.id,
            step_index=step,
            kind=kind.value,
            title=title,
            message=message,
            image_name=image,
            results=results,
            input_required=input_required,
            created_at=self._clock.now(),
            error_id=error_id,
        )

    async def _finish(self, active: _ActiveRun, outcome: RunState) -> None:
        if active.ended is not None:
            outcome = active.ended  # committed already, with the answer that ended the run
            await self._flushed()
            if active.completion_pending is not None:
                await self._stored(None, self._completed, active, active.completion_pending)
        else:
            # An error left waiting when the operator aborted the run was answered by that abort.
            unanswered = (
                (PENDING, RECOVERY_OF[ViewResult.ABORT]) if outcome is RunState.ABORTED else None
            )
            now = self._clock.now()
            end = RunEnd(outcome, unanswered)
            await self._stored(
                None, self._runs.finish, active.record.id, end, now, "mlprep: run ended"
            )
            if outcome is RunState.COMPLETED:
                await self._stored(None, self._completed, active, now)
        async with self._changes:
            open_view = active.open_view.id if active.open_view else None
            self._active = None
            if open_view:
                self._announce.view_closed(
                    open_view,
                    active.record.id,
                    None,
                    None,
                    "mlprep",
                    "View closed because the run ended",
                )
            self._announce_state(active, outcome)
            self._announce.finished(active.record.id, active.definition, outcome)

    def _counters_moved(self, move: CounterMove) -> None:
        self._counters.moved(move.channel, move.deltas)
        self._announce.counters_moved(move.channel, move.deltas)

    def _completed(self, active: _ActiveRun, at: datetime) -> None:
        for listener in self._completion_listeners:
            listener(active.record.procedure_id, at)

    # -- announcing -------------------------------------------------------------------------

    async def _set_state(self, active: _ActiveRun, state: RunState, step: int) -> None:
        async with self._changes:
            if active.abort_requested:
                # A safe point: an aborting run ends here instead of reporting Running again.
                raise _AbortRun
            if active.state is state and active.step == step:
                return
            # It overwrites both columns a state staged before it wrote: that one need not run.
            self._staged = [
                change
                for change in self._staged
                if change.func != self._runs.set_state or change.args[0] != active.record.id
            ]
            self._stage(self._runs.set_state, active.record.id, state, step)
            active.state = state
            active.step = step
            self._once_committed.append(
                partial(self._announce.state, active.record.id, active.definition, state, step)
            )

    def _announce_state(self, active: _ActiveRun, state: RunState) -> None:
        active.state = state
        self._announce.state(active.record.id, active.definition, state, active.step)

    # -- committing ---------------------------------------------------------------------------

    def _stage(self, change: Callable[P, object], /, *args: P.args, **kwargs: P.kwargs) -> None:
        """Make the store change `change(*args, **kwargs)` with the engine's next commit."""
        self._staged.append(partial(change, *args, **kwargs))

    async def _commit(self, call: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`call(*args, **kwargs)` on the commit thread, in one transaction with the changes
        staged before it; its result. Once committed, what waited for the staged changes runs
        (their announcements), before the caller goes on to announce its own.

        Raises:
            DatabaseUnavailableError: nothing was stored; the staged changes wait for the next
                commit (the caller's own change is not kept).
            _Rewind: in the drive loop, the staged changes carried an answer, which is refused
                (503) and undone with the steps it led to.
        """
        staged, self._staged = self._staged, []
        once_committed, self._once_committed = self._once_committed, []
        acknowledged, self._acknowledged = self._acknowledged, []
        passed_time, self._passed_time = self._passed_time, None
        try:
            result = await self._commits(
                self._together, passed_time, staged, partial(call, *args, **kwargs)
            )
        except DatabaseUnavailableError as error:
            self._passed_time = self._passed_time or passed_time
            active = self._active
            if acknowledged and active is not None and asyncio.current_task() is active.task:
                self._refuse(acknowledged, error)
                raise _Rewind(self._rewind(active)) from error
            self._staged[:0] = staged
            self._once_committed[:0] = once_committed
            self._acknowledged[:0] = acknowledged
            raise
        except BaseException as error:
            self._passed_time = self._passed_time or passed_time
            for answer in acknowledged:  # not stored: each answer's request fails with it
                if answer.done():  # its request is gone (cancelled) and waits no more
                    continue
                if isinstance(error, Exception):
                    answer.set_exception(error)
                else:
                    answer.cancel()
            raise
        for then in once_committed:
            then()
        for answer in acknowledged:
            if not answer.done():
                answer.set_result(None)
        return result

    def _has_staged(self) -> bool:
        return bool(self._staged or self._once_committed or self._acknowledged or self._passed_time)

    async def _flush(self) -> None:
        """Commit the staged changes, if any, and announce them."""
        if self._has_staged():
            await self._commit(_nothing)

    async def _flushed(self) -> None:
        """In the drive loop: commit the staged changes, if any, once the database takes them."""
        if self._has_staged():
            await self._stored(None, _nothing)

    async def _stored(
        self,
        then: Callable[[T], object] | None,
        call: Callable[P, T],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """In the drive loop: `call` committed under the engine's lock with the staged changes,
        then `then(result)` under the lock (what the commit lets the run announce); its result.

        While the database is away the commit is tried again, doubling the wait each time; the
        lock is let go meanwhile, so that requests are answered (503) rather than held.
        """
        delay = RETRY_FIRST_SECONDS
        while True:
            async with self._changes:
                try:
                    result = await self._commit(call, *args, **kwargs)
                except DatabaseUnavailableError as error:
                    cause = error.cause
                else:
                    if then is not None:
                        then(result)
                    return result
            logger.warning(
                "the database is unavailable (%s): the run waits, next try in %.1f s",
                cause.value,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_LAST_SECONDS)

    @staticmethod
    def _refuse(answers: list[asyncio.Future[None]], error: MlprepError) -> None:
        """Each answer's request fails with `error` (its answer was not stored)."""
        for answer in answers:
            if not answer.done():
                answer.set_exception(error)

    def _rewind(self, active: _ActiveRun) -> ViewRecord:
        """Take `active` back to where its last answer found it, with the time its steps took
        on the clock; the view it waits on again."""
        checkpoint = active.checkpoint
        assert checkpoint is not None, "an answer is staged only with its checkpoint"
        self._clock.take_back(checkpoint.time_passed)
        active.checkpoint = None
        active.state = checkpoint.state
        active.step = checkpoint.view.step_index
        active.readings = dict(checkpoint.readings)
        active.open_view = checkpoint.view
        active.answered = None
        active.action_timing = None
        return checkpoint.view

    def _together(
        self,
        passed_time: Callable[[], None] | None,
        staged: list[partial[object]],
        call: Callable[[], T],
    ) -> T:
        """On the commit thread: the clock's offset, the staged changes, then `call`, as one
        transaction."""
        with self._runs.together():
            if passed_time is not None:
                passed_time()
            for change in staged:
                change()
            return call()

    @staticmethod
    def _describe(active: _ActiveRun) -> str:
        return (
            f"'{active.definition.name}' is running (run {active.record.id}, "
            f"state {active.state.value})"
        )


def _nothing() -> None:
    return None
