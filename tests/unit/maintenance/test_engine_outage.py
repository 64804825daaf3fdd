"""A database outage mid-run: a write that fails is refused (503) and leaves the run where it was,
the run waits for the database and goes on once it is back, and nothing that failed to commit is
kept in memory or announced.

The outage is the database's own error (SQLite's "database or disk is full"), raised for every
write while the test says so, through the engine's real error handling.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from mlprep.contract.maintenance import ViewResult
from mlprep.contract.runs import RunState
from mlprep.errors import DatabaseUnavailableError, Unavailability
from mlprep.maintenance.catalogue import load_catalogue
from mlprep.maintenance.engine import RunEngine
from mlprep.services import Services, open_services
from tests.unit.maintenance.event_recorder import EventRecorder

pytestmark = pytest.mark.anyio

PROCEDURE_ID = {p.key: p.id for p in load_catalogue().procedures}
DAILY = PROCEDURE_ID["daily"]
OK, YES = ViewResult.OK, ViewResult.YES


@contextmanager
def disk_full(engine: Engine) -> Iterator[None]:
    """Every write fails as SQLite's do on a full disk, until the block ends."""

    def refuse(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:6].upper() in {"INSERT", "UPDATE", "DELETE"}:
            raise sqlite3.OperationalError("database or disk is full")

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


def counters(services: Services) -> list[int]:
    return [counter.tip_pick_up_counter for counter in services.counters.all()]


async def test_an_answer_that_cannot_be_stored_is_refused_and_the_view_stays_open(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    await events.answer(runs, OK)
    tip_waste = await events.view()
    seen = len(events.seen)
    time_before = services.clock.now()

    with disk_full(services.engine), pytest.raises(DatabaseUnavailableError) as refused:
        await runs.close_view(tip_waste["viewId"], OK, None, actor="tester")

    assert refused.value.cause is Unavailability.DISK_FULL
    assert "disk is full" in refused.value.detail and "nothing was changed" in refused.value.detail
    # The tip checks the answer led to ran, but nothing of them was stored, so nothing is kept:
    # the run waits at the same view, the counters did not move, nothing was announced.
    run = services.history.current()
    assert run is not None and run.state is RunState.WAITING_FOR_VIEW
    assert run.open_view is not None and run.open_view.view_id == tip_waste["viewId"]
    assert counters(services) == [0, 0]
    assert events.seen[seen:] == []
    assert services.clock.now() == time_before  # nor the time the undone tip checks took

    # The database is back: the same view takes the same answer, and the run goes on to its end.
    await runs.close_view(tip_waste["viewId"], OK, None, actor="tester")
    wiped = await events.view()
    assert wiped["title"] == "Deck wiped?"
    assert counters(services) == [1, 1]
    await runs.close_view(wiped["viewId"], YES, None, actor="tester")
    assert await events.outcome() == "Completed"
    assert services.history.get(started.run_id).state is RunState.COMPLETED


async def test_an_answer_that_ends_the_run_is_refused_whole_while_the_disk_is_full(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    await events.answer(runs, OK)
    await events.answer(runs, OK)
    wiped = await events.view()

    with disk_full(services.engine), pytest.raises(DatabaseUnavailableError):
        await runs.close_view(wiped["viewId"], YES, None, actor="tester")

    run = services.history.get(started.run_id)
    assert run.state is RunState.WAITING_FOR_VIEW
    assert services.procedures.get(DAILY).status == "Expired"
    await runs.close_view(wiped["viewId"], YES, None, actor="tester")
    assert await events.outcome() == "Completed"
    assert services.procedures.get(DAILY).status == "Ok"


async def test_an_abort_that_cannot_be_stored_is_not_taken(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    first = await events.view()

    with disk_full(services.engine), pytest.raises(DatabaseUnavailableError):
        await runs.abort(actor="tester")

    assert services.history.get(started.run_id).state is RunState.WAITING_FOR_VIEW
    assert all(e.data.get("state") != "Aborting" for e in events.seen)
    # The run was not aborted: its view still takes an answer; then an abort goes through.
    await runs.close_view(first["viewId"], OK, None, actor="tester")
    await events.view()
    await runs.abort(actor="tester")
    assert await events.outcome() == "Aborted"


async def test_the_run_waits_for_the_database_and_goes_on_once_it_is_back(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    with disk_full(services.engine):
        started = None
        with pytest.raises(DatabaseUnavailableError):
            started = await runs.start(DAILY, actor="tester")
        assert started is None and runs.active_run_id is None  # nothing started

    # The run is stored, its first view cannot be yet: the run waits, trying again, and opens
    # the view once the database takes it (no answer was waiting for that write).
    engine = services.engine
    failing = {"left": 3}

    def refuse_views(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO views") and failing["left"] > 0:
            failing["left"] -= 1
            raise sqlite3.OperationalError("database is locked")

    event.listen(engine, "before_cursor_execute", refuse_views)
    try:
        started = await runs.start(DAILY, actor="tester")
        assert (await events.view())["title"] == "Clear the deck"
    finally:
        event.remove(engine, "before_cursor_execute", refuse_views)
    assert failing["left"] == 0
    assert services.history.get(started.run_id).state is RunState.WAITING_FOR_VIEW


async def test_a_clock_change_that_cannot_be_kept_is_not_made(services: Services) -> None:
    clock = services.clock
    offset, speed = clock.offset, clock.speed
    with disk_full(services.engine):
        with pytest.raises(DatabaseUnavailableError):
            services.simulator.advance(timedelta(days=3), actor="tester")
        with pytest.raises(DatabaseUnavailableError):
            services.simulator.set_speed(7, actor="tester")
    assert (clock.offset, clock.speed) == (offset, speed)
    restarted = open_services(services.settings, ids=services.ids)
    try:
        assert restarted.clock.offset == offset
    finally:
        restarted.close()


async def test_the_end_of_a_run_waits_for_the_database(
    services: Services, runs: RunEngine, events: EventRecorder
) -> None:
    started = await runs.start(DAILY, actor="tester")
    await events.view()
    await runs.abort(actor="tester")
    # The abort is stored; the run's end cannot be written for a while: the run stays Aborting,
    # trying again, and ends Aborted once the database takes it.
    failing = {"left": 3}

    def refuse_writes(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement[:6] in {"INSERT", "UPDATE"} and failing["left"] > 0:
            failing["left"] -= 1
            raise sqlite3.OperationalError("database or disk is full")

    event.listen(services.engine, "before_cursor_execute", refuse_writes)
    try:
        assert await events.outcome() == "Aborted"
    finally:
        event.remove(services.engine, "before_cursor_execute", refuse_writes)
    assert failing["left"] == 0
    assert services.history.get(started.run_id).state is RunState.ABORTED
    assert runs.active_run_id is None
    await runs.start(DAILY, actor="tester")  # the instrument is free again
