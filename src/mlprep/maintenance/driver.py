"""Whether this server drives its instrument: the lock that says so can be lost (PostgreSQL
restarted under it) and taken by another server before this one takes it back. A watch in the
server's lifespan checks it now and then, and the run engine stops driving while another server
does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mlprep.maintenance.engine import RunEngine

CHECK_SECONDS = 2.0


async def keep_driving(
    check: Callable[[], str | None], engine: RunEngine, every: float = CHECK_SECONDS
) -> None:
    """Forever: `check` the lock (on a worker thread: it blocks; it names the other driver, or
    None while this server holds the lock) and hand the instrument to `engine`, or take it back."""
    elsewhere: str | None = None
    while True:
        await asyncio.sleep(every)
        driver = await asyncio.to_thread(check)
        if driver is not None and driver != elsewhere:
            engine.relinquish(driver)
        elif driver is None and elsewhere is not None:
            await engine.resume()
        elsewhere = driver
