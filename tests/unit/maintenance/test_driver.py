"""While another server drives the instrument, this one's run engine stands aside: it stops
driving its run without recording anything, refuses to start one, and once it drives again ends
what was left unfinished as a start-up does."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from mlprep.contract.maintenance import ViewResult
from mlprep.contract.runs import RunState
from mlprep.errors import ConflictError
from mlprep.maintenance.catalogue import load_catalogue
from mlprep.maintenance.driver import keep_driving
from mlprep.maintenance.engine import RunEngine
from mlprep.services import Services
from tests.unit.maintenance.event_recorder import EventRecorder

pytestmark = pytest.mark.anyio

DAILY = next(p.id for p in load_catalogue().procedures if p.key == "daily")
OTHER = "pid 4242, http://10.0.0.9:8080"


async def test_a_relinquished_run_is_left_as_stored_and_starts_are_refused(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    view = await events.view()

    runs.relinquish(OTHER)
    await asyncio.sleep(0)

    assert runs.active_run_id is None
    stored = services.history.get(started.run_id)
    assert stored.state is RunState.WAITING_FOR_VIEW  # the new driver recovers it, not this one
    with pytest.raises(ConflictError) as refused:
        await runs.start(DAILY, actor="tester")
    assert refused.value.detail == (
        "Cannot start a maintenance procedure now: another mlprep server drives this instrument "
        f"({OTHER}); this one stopped driving it."
    )
    assert view["runId"] == started.run_id


async def test_driving_again_ends_what_was_left_and_allows_starts(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    await events.view()
    runs.relinquish(OTHER)

    assert await runs.resume() == [started.run_id]

    assert services.history.get(started.run_id).state is RunState.INTERRUPTED
    again = await runs.start(DAILY, actor="tester")
    view = await events.view()
    await runs.close_view(view["viewId"], ViewResult.OK, None, actor="tester")
    assert again.run_id != started.run_id


class Lock:
    """A lock whose checks answer what the test lines up (then the last answer, again)."""

    def __init__(self, answers: list[str | None]) -> None:
        self._answers: Iterator[str | None] = iter(answers)
        self.last: str | None = None
        self.checks = 0

    def check(self) -> str | None:
        self.checks += 1
        self.last = next(self._answers, self.last)
        return self.last


async def test_the_watch_hands_the_instrument_over_and_takes_it_back(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    await events.view()
    lock = Lock([None, OTHER, OTHER, None])

    watch = asyncio.create_task(keep_driving(lock.check, runs, every=0))
    while lock.checks < 6:
        await asyncio.sleep(0.01)
    watch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await watch

    assert services.history.get(started.run_id).state is RunState.INTERRUPTED
    assert runs.active_run_id is None
    await runs.start(DAILY, actor="tester")  # it drives again
