"""`AsyncPrepClient`: the same operations awaited, and its event stream consumed while another
client answers the run's views."""

from __future__ import annotations

import asyncio

import pytest

from mlprep.client import Answer, AsyncPrepClient, InstrumentEvent, NotFound, PrepClient
from mlprep.contract.runs import RunState
from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD

pytestmark = pytest.mark.anyio


async def test_the_async_client_answers_typed_values(instrument: ServerProcess) -> None:
    async with AsyncPrepClient(
        instrument.base_url, user_name="admin", password=ADMIN_PASSWORD
    ) as prep:
        procedures = await prep.procedures()
        daily = await prep.find_procedure("daily maintenance")
        details = await prep.procedure(daily.id)
        counters = await prep.channel_counters()
        with pytest.raises(NotFound):
            await prep.run("f" * 32)
        assert await prep.check_authentication() is True

    assert len(procedures) == 5 and details.name == "Daily Maintenance"
    assert [c.name.value for c in counters] == ["Front", "Rear"]


async def test_events_are_consumed_while_another_client_answers_the_views(
    instrument: ServerProcess,
) -> None:
    seen: list[InstrumentEvent] = []

    def operator_runs_weekly_maintenance() -> RunState:
        with PrepClient(instrument.base_url, user_name="admin", password=ADMIN_PASSWORD) as other:
            run = other.run_procedure(
                "Weekly Maintenance",
                lambda prompt: Answer("Ok", "LOT-9" if prompt.view.input_required else None),
            )
        return run.state

    async with (
        AsyncPrepClient(instrument.base_url, user_name="admin", password=ADMIN_PASSWORD) as watcher,
        watcher.events() as events,
    ):
        operator = asyncio.create_task(asyncio.to_thread(operator_runs_weekly_maintenance))
        async for event in events:
            seen.append(event)
            if event.code == "finished":
                break
        state = await operator

    assert state is RunState.COMPLETED
    codes = [event.code for event in seen]
    opened = [event.data.get("title") for event in seen if event.code == "maintenancedata"]
    assert opened == ["Clean both tip adapters", "Cleaning agent lot number"]
    assert codes.count("viewclosed") == 2
    assert "counters" in codes and "maintenancestatus" in codes
    finished = seen[-1]
    assert finished.data["outcome"] == "Completed"
    assert finished.data["procedureName"] == "Weekly Maintenance"
