"""Listening to the run engine's announcements in a domain test."""

from __future__ import annotations

import asyncio
from typing import Any

from mlprep.contract.maintenance import ViewResult
from mlprep.events.bus import Event, EventBus, EventCode
from mlprep.maintenance.engine import RunEngine

# How long to wait for an event before failing: a bound against hanging, not a timing check.
EVENT_WAIT_SECONDS = 5


class EventRecorder:
    """Listens on the bus from the moment it is made and hands out events by code."""

    def __init__(self, bus: EventBus) -> None:
        self._subscription = bus.subscribe()
        self.seen: list[Event] = []

    async def next(self, code: EventCode) -> Event:
        """The next event with `code` (events of other codes before it are passed over)."""
        while True:
            event = await asyncio.wait_for(self._subscription.next(), EVENT_WAIT_SECONDS)
            assert event is not None, "the event subscription ended"
            self.seen.append(event)
            if event.code is code:
                return event

    async def view(self) -> dict[str, Any]:
        """The next view that opens (the `maintenancedata` event's data)."""
        return (await self.next(EventCode.MAINTENANCE_DATA)).data

    async def outcome(self) -> str:
        """How the run ended (the `finished` event's outcome)."""
        outcome: str = (await self.next(EventCode.FINISHED)).data["outcome"]
        return outcome

    async def answer(
        self, runs: RunEngine, result: ViewResult, view_input: str | None = None
    ) -> dict[str, Any]:
        """Wait for the next view and close it with `result`; returns the view."""
        view = await self.view()
        await runs.close_view(view["viewId"], result, view_input, actor="tester")
        return view
