"""Races, in every order: an abort racing the answer that completes a run, and a counter reset
racing the actions that move the counters. Whoever comes first wins; the other is refused or
counted after it, and the stored state always tells one consistent story."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mlprep.contract.maintenance import ViewResult
from mlprep.contract.runs import RunState
from mlprep.contract.time import EMPTY_DATE
from mlprep.counters import CounterKind
from mlprep.errors import ConflictError
from mlprep.maintenance.catalogue import load_catalogue
from mlprep.maintenance.engine import RunEngine
from mlprep.services import Services
from tests.unit.maintenance.event_recorder import EventRecorder

pytestmark = pytest.mark.anyio

DAILY = next(p.id for p in load_catalogue().procedures if p.key == "daily")
OK, YES = ViewResult.OK, ViewResult.YES


async def to_the_last_view(runs: RunEngine, events: EventRecorder) -> tuple[str, dict[str, Any]]:
    started = await runs.start(DAILY, actor="tester")
    await events.answer(runs, OK)
    await events.answer(runs, OK)
    return started.run_id, await events.view()


async def outcome_of(call: Any) -> str:
    try:
        await call
    except ConflictError:
        return "409"
    return "200"


def daily_executed(services: Services) -> bool:
    daily = next(p for p in services.procedures.all() if p.id == DAILY)
    return daily.last_execution_time != EMPTY_DATE


@pytest.mark.parametrize("abort_first", [False, True])
async def test_an_abort_racing_the_completing_answer(
    services: Services, runs: RunEngine, events: EventRecorder, abort_first: bool
) -> None:
    run_id, last = await to_the_last_view(runs, events)
    answer = outcome_of(runs.close_view(last["viewId"], YES, None, actor="operator"))
    abort = outcome_of(runs.abort(actor="supervisor"))

    if abort_first:
        aborted, answered = await asyncio.gather(abort, answer)
    else:
        answered, aborted = await asyncio.gather(answer, abort)
    ended = await events.outcome()

    state = services.history.get(run_id).state
    assert answered == "200"
    if abort_first:
        assert (aborted, ended, state) == ("200", "Aborted", RunState.ABORTED)
        assert not daily_executed(services)
    else:
        assert (aborted, ended, state) == ("409", "Completed", RunState.COMPLETED)
        assert daily_executed(services)


async def test_a_counter_reset_racing_the_tip_checks(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    await runs.start(DAILY, actor="tester")
    await events.answer(runs, OK)
    view = await events.view()  # "Empty the tip waste"; the tip checks follow its answer

    await runs.close_view(view["viewId"], OK, None, actor="tester")
    for channel in ("Front", "Rear", "Front", "Rear", "Front", "Rear"):
        services.counters.reset(channel, "service")  # between the engine's steps
        await asyncio.sleep(0)
    await events.view()  # "Deck wiped?": both tip checks are done

    for counters in services.counters.with_lifetime():
        tips = (CounterKind.TIP_PICK_UP, CounterKind.TIP_EJECT)
        assert [counters.lifetime[kind] for kind in tips] == [1, 1]  # every move counted once
        assert {counters.values[kind] for kind in tips} <= {0, 1}  # before or after a reset
        assert counters.values[CounterKind.TIP_PICK_UP] >= counters.values[CounterKind.TIP_EJECT]
    await runs.abort(actor="tester")
