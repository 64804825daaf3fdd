"""The instrument's general error operations over the errors maintenance runs raise.

A pending error is answered either by closing its Error view (`close-view`) or here, with the
instrument's recovery names: Retry (the view's Yes), Continue (Ok) and Abort. Both go through the
run engine's one closing path, so the first answer wins and the other finds the error answered.
"""

from __future__ import annotations

from mlprep.audit import AuditTrail
from mlprep.clock import Clock
from mlprep.contract.errors import (
    ErrorDataItem,
    ErrorLogEntry,
    ErrorRecovery,
    ErrorResponseOption,
    PendingError,
    RuntimeErrorResponse,
)
from mlprep.contract.maintenance import ViewResult
from mlprep.contract.time import in_zone
from mlprep.errors import ConflictError, InvalidRequestError, NotFoundError
from mlprep.maintenance.catalogue import Catalogue
from mlprep.maintenance.engine import PENDING, RunEngine
from mlprep.store.error_log import ErrorLogStore, LoggedError

RESULT_OF = {
    ErrorRecovery.RETRY: ViewResult.YES,
    ErrorRecovery.CONTINUE: ViewResult.OK,
    ErrorRecovery.ABORT: ViewResult.ABORT,
}
RESPONSES = (
    ErrorResponseOption(response=ErrorRecovery.RETRY, description="Retry the failed action"),
    ErrorResponseOption(response=ErrorRecovery.CONTINUE, description="Continue with the next step"),
    ErrorResponseOption(response=ErrorRecovery.ABORT, description="Abort the procedure"),
)
CHOICES = ", ".join(recovery.value for recovery in ErrorRecovery)
ERROR_TITLE = "Maintenance error"


class ErrorLog:
    """The error log, the pending errors and their answers."""

    def __init__(
        self,
        store: ErrorLogStore,
        engine: RunEngine,
        catalogue: Catalogue,
        clock: Clock,
        audit: AuditTrail,
    ) -> None:
        self._store = store
        self._engine = engine
        self._catalogue = catalogue
        self._clock = clock
        self._audit = audit

    def page(self, offset: int, limit: int) -> tuple[list[ErrorLogEntry], int]:
        """Errors in the log, newest first, and how many the log holds."""
        logged, total = self._store.page(offset, limit)
        return [self._entry(item) for item in logged], total

    def pending(self) -> list[PendingError]:
        """The errors that wait for an answer, oldest first."""
        return [self._pending(item) for item in self._store.pending()]

    async def respond(self, answer: RuntimeErrorResponse, actor: str) -> None:
        """Answer a pending error.

        Raises:
            NotFoundError: no error has that id.
            InvalidRequestError: the group or an item is not the error's, or no (or more than
                one) response is chosen.
            ConflictError: the error was answered already, or its run ended without an answer.
        """
        logged = self._store.get(answer.id)
        if logged is None:
            raise NotFoundError(f"There is no error with id '{answer.id}'.")
        recovery = self._chosen(answer, logged)
        if not logged.pending or not await self._engine.answer_error(
            logged.error.id, RESULT_OF[recovery], actor
        ):
            raise ConflictError(self._not_pending(answer.id))

    def clear(self, actor: str) -> int:
        """Clear every error that no longer waits for an answer from the log."""
        cleared = self._store.clear(self._clock.now())
        self._audit.record("errors.clear", actor=actor, detail=f"{cleared} errors cleared")
        return cleared

    def _chosen(self, answer: RuntimeErrorResponse, logged: LoggedError) -> ErrorRecovery:
        error = logged.error
        if answer.group_id is not None and answer.group_id != error.run_id:
            message = f"The error '{error.id}' belongs to the group '{error.run_id}'."
            raise InvalidRequestError(message, {"groupId": [message]})
        strangers = [item.id for item in answer.error_data if item.id != error.id]
        if strangers:
            message = (
                f"{', '.join(repr(s) for s in strangers)}: not an item of this error; its one "
                f"item is '{error.id}'."
            )
            raise InvalidRequestError(message, {"errorData": [message]})
        chosen = {item.selected_response for item in answer.error_data} | {answer.selected_response}
        chosen.discard(None)
        if len(chosen) != 1:
            message = (
                f"Choose one response, one of {CHOICES}, as selectedResponse (or the same in "
                "every errorData item)."
            )
            raise InvalidRequestError(message, {"selectedResponse": [message]})
        (recovery,) = chosen
        assert recovery is not None
        return recovery

    def _not_pending(self, error_id: str) -> str:
        logged = self._store.get(error_id)
        if logged is not None and logged.error.recovery != PENDING:
            return (
                f"The error '{error_id}' was answered already ({logged.error.recovery}); the "
                "first answer wins."
            )
        return f"The error '{error_id}' no longer waits for an answer: its run has ended."

    def _entry(self, logged: LoggedError) -> ErrorLogEntry:
        error, zone = logged.error, self._engine.zone
        chosen = None if error.recovery == PENDING else ErrorRecovery(error.recovery)
        return ErrorLogEntry(
            id=error.id,
            group_id=error.run_id,
            title=logged.view.title if logged.view else ERROR_TITLE,
            message=error.response,
            selected_response=chosen,
            pending=logged.pending,
            run_id=error.run_id,
            procedure_id=error.procedure_id,
            procedure_name=self._procedure_name(error.procedure_id),
            step=error.step_index + 1,
            channel=error.channel,
            raised_at=in_zone(error.raised_at, zone),
            resolved_at=in_zone(error.resolved_at, zone) if error.resolved_at else None,
        )

    def _pending(self, logged: LoggedError) -> PendingError:
        error, view = logged.error, logged.view
        assert view is not None  # pending: its Error view is open
        return PendingError(
            id=error.id,
            group_id=error.run_id,
            title=view.title,
            message=view.message,
            error_responses=list(RESPONSES),
            error_data=[
                ErrorDataItem(
                    id=error.id,
                    title=self._step_title(error.procedure_id, error.step_index),
                    message=error.response,
                    channel=error.channel,
                    step=error.step_index + 1,
                )
            ],
            view_id=view.id,
            run_id=error.run_id,
            procedure_id=error.procedure_id,
            procedure_name=self._procedure_name(error.procedure_id),
            raised_at=in_zone(error.raised_at, self._engine.zone),
        )

    def _procedure_name(self, procedure_id: str) -> str:
        definition = self._catalogue.by_id(procedure_id)
        return definition.name if definition else procedure_id

    def _step_title(self, procedure_id: str, step_index: int) -> str:
        definition = self._catalogue.by_id(procedure_id)
        if definition is None or step_index >= len(definition.steps):
            return ERROR_TITLE
        return definition.steps[step_index].title
