"""Whether the database can be used, as the health endpoint reports it, without ever blocking the
event loop: the probe runs on a worker thread, at most once per `every` seconds, and one slower
than `limit` seconds counts as the cause last seen (else as unreachable)."""

from __future__ import annotations

import asyncio

from mlprep.errors import Unavailability
from mlprep.store.availability import DatabaseAvailability

EVERY_SECONDS = 1.0
LIMIT_SECONDS = 2.0


class DatabaseCheck:
    """The database's last known state, probed again when it is older than `every`."""

    def __init__(
        self,
        availability: DatabaseAvailability,
        every: float = EVERY_SECONDS,
        limit: float = LIMIT_SECONDS,
    ) -> None:
        self._availability = availability
        self._every = every
        self._limit = limit
        self._checked: tuple[float, Unavailability | None] | None = None  # (loop time, cause)
        self._probing: asyncio.Future[Unavailability | None] | None = None

    async def answers(self) -> bool:
        """Whether the database answered its latest probe and can be written."""
        return await self.unavailability() is None

    async def unavailability(self) -> Unavailability | None:
        """Why the database cannot be used now (None: it can), probing first if the last
        probe is old."""
        loop = asyncio.get_running_loop()
        checked = self._checked
        if checked is not None and loop.time() - checked[0] < self._every:
            return checked[1]
        probing = self._probing
        if probing is None or probing.done() or probing.get_loop() is not loop:
            # One probe at a time: while the database hangs, callers share the one in flight.
            probing = self._probing = asyncio.ensure_future(
                asyncio.to_thread(self._availability.probe)
            )
        try:
            cause = await asyncio.wait_for(asyncio.shield(probing), self._limit)
        except TimeoutError:
            return self._availability.cause or Unavailability.UNREACHABLE
        self._checked = (loop.time(), cause)
        return cause
