"""Whether the database answers, as the health endpoint reports it, without ever blocking the
event loop: the ping runs on a worker thread, at most once per `every` seconds, and an answer
slower than `limit` seconds counts as unreachable."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from mlprep.store.database import ping

EVERY_SECONDS = 1.0
LIMIT_SECONDS = 2.0


class DatabaseCheck:
    """The database's last known state, pinged again when it is older than `every`."""

    def __init__(
        self, engine: Engine, every: float = EVERY_SECONDS, limit: float = LIMIT_SECONDS
    ) -> None:
        self._engine = engine
        self._every = every
        self._limit = limit
        self._checked: tuple[float, bool] | None = None  # (loop time, answered)
        self._pinging: asyncio.Future[bool] | None = None

    async def answers(self) -> bool:
        """Whether the database answered its latest ping (pinging first if that is old)."""
        loop = asyncio.get_running_loop()
        checked = self._checked
        if checked is not None and loop.time() - checked[0] < self._every:
            return checked[1]
        pinging = self._pinging
        if pinging is None or pinging.done() or pinging.get_loop() is not loop:
            # One ping at a time: while the database hangs, callers share the ping in flight.
            pinging = self._pinging = asyncio.ensure_future(asyncio.to_thread(ping, self._engine))
        try:
            answered = await asyncio.wait_for(asyncio.shield(pinging), self._limit)
        except TimeoutError:
            return False
        self._checked = (loop.time(), answered)
        return answered
