"""What `run_procedure` decides, with no I/O: which view to answer and with what.

A run is followed by reading it back (`GET /mlprep/v1/runs/{id}`) after every event and at least
once a second, so nothing is missed even when an event is; each view is answered once. An answer
that loses to another client's (404 or 409) is simply dropped: the first answer wins.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from mlprep.client.errors import ClientError, NotFound
from mlprep.contract.maintenance import MaintenanceProcedure, ViewResult
from mlprep.contract.runs import Run, View, ViewKind

ErrorPolicy = Literal["retry", "continue", "abort"]
# How an Error view is answered for each policy: Yes retries the action, Ok goes on, Abort ends.
ERROR_RESULTS: dict[str, ViewResult] = {
    "retry": ViewResult.YES,
    "continue": ViewResult.OK,
    "abort": ViewResult.ABORT,
}


@dataclass(frozen=True)
class Answer:
    """The answer to one view: a result the view allows, and text where it asks for input."""

    result: ViewResult | str
    input: str | None = None


@dataclass(frozen=True)
class ViewPrompt:
    """What an `answer` callback is given: the view, the run it belongs to, and its image."""

    view: View
    run: Run
    image_url: str | None
    _fetch_image: Callable[[], Any] = field(repr=False)

    def image(self) -> Any:
        """The view's PNG bytes (awaitable with the async client); b"" when it has none."""
        return self._fetch_image()


AnswerLike = Answer | ViewResult | str
Answerer = Callable[[ViewPrompt], AnswerLike | Awaitable[AnswerLike]]


def as_answer(value: AnswerLike) -> Answer:
    """An Answer from what a callback returned (a bare result is allowed)."""
    if isinstance(value, Answer):
        return value
    return Answer(value)


def policy_answer(policy: ErrorPolicy | str) -> Answer:
    """The answer an error policy gives an Error view."""
    try:
        return Answer(ERROR_RESULTS[policy.lower()])
    except KeyError:
        raise ValueError(
            f"on_error must be one of retry, continue, abort; not {policy!r}"
        ) from None


def answerer_for(
    view: View, answer: Answerer | None, on_error: ErrorPolicy | str | Answerer | None
) -> Answerer | Answer:
    """Who answers `view`: the error policy for Error views when one is given, else `answer`."""
    if view.kind is ViewKind.ERROR and on_error is not None:
        return policy_answer(on_error) if isinstance(on_error, str) else on_error
    if answer is None:
        raise ClientError(
            f"The run opened the view '{view.title}' and no answer callback was given."
        )
    return answer


def view_to_answer(run: Run, answered: set[str]) -> View | None:
    """The run's open view if it still needs an answer from us."""
    view = run.open_view
    if view is None or view.view_id in answered:
        return None
    return view


def resolve_procedure(procedures: list[MaintenanceProcedure], wanted: str) -> MaintenanceProcedure:
    """The procedure whose id or name (any letter case) is `wanted`, or the only one whose name
    starts with it ("daily"). Raises NotFound."""
    folded = wanted.strip().casefold()
    for procedure in procedures:
        if procedure.id == wanted or procedure.name.casefold() == folded:
            return procedure
    starting = [p for p in procedures if folded and p.name.casefold().startswith(folded)]
    if len(starting) == 1:
        return starting[0]
    names = ", ".join(procedure.name for procedure in procedures) or "none"
    raise NotFound.without_response(
        f"There is no procedure with the id or name '{wanted}'. Procedures: {names}."
    )
