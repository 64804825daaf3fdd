"""Following a run to its end, answering its views: the flow behind `run_procedure` and
`follow_run`, written once for both faces (`client/flows.py` says how a flow is driven)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from mlprep.client import calls
from mlprep.client.errors import Conflict, NotFound
from mlprep.client.flows import Flow, Flows, NextEvent
from mlprep.client.runs import (
    Answer,
    Answerer,
    ErrorPolicy,
    answerer_for,
    as_answer,
    view_to_answer,
)
from mlprep.contract.runs import Run, View


def follow(
    flows: Flows,
    run_id: str,
    answer: Answerer | None,
    on_error: ErrorPolicy | str | Answerer | None,
    on_update: Callable[[Run], None] | None,
    poll_seconds: float,
    abort_if_stopped: bool,
    read_image: Callable[[View], Any],
) -> Flow[Run]:
    """Read the run after every event (and every `poll_seconds`), answer each open view once,
    and return the finished run; abort it if stopped, unless `abort_if_stopped` is False."""
    answered: set[str] = set()
    try:
        while True:
            run = yield from flows.send(calls.run(run_id))
            if on_update is not None:
                on_update(run)
            if run.state.is_terminal:
                return run
            view = view_to_answer(run, answered)
            if view is None:
                yield NextEvent(poll_seconds)
                continue
            reply = yield from _answer(flows, view, run, answer, on_error, read_image)
            answered.add(view.view_id)
            # Answered elsewhere first (404 or 409): the first answer wins.
            with contextlib.suppress(NotFound, Conflict):
                yield from flows.send(calls.close_view(view.view_id, reply.result, reply.input))
    except GeneratorExit:
        raise  # abandoned by its driver: no step may be yielded any more
    except BaseException:
        if abort_if_stopped:
            yield from _abort_quietly(flows, run_id)
        raise


def _answer(
    flows: Flows,
    view: View,
    run: Run,
    answer: Answerer | None,
    on_error: ErrorPolicy | str | Answerer | None,
    read_image: Callable[[View], Any],
) -> Flow[Answer]:
    who = answerer_for(view, answer, on_error)
    if isinstance(who, Answer):
        return who
    reply = yield from flows.ask(who, view, run, read_image)
    return as_answer(reply)


def _abort_quietly(flows: Flows, run_id: str) -> Flow[None]:
    # Best effort: the exception that stopped the run matters more than one from here.
    with contextlib.suppress(Exception):
        current = yield from flows.send(calls.current_run())
        if current is not None and current.id == run_id:
            yield from flows.send(calls.abort())
