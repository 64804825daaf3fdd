"""Store calls made off the event loop, one at a time, in the order they are made.

With a networked PostgreSQL a commit takes milliseconds; made on the event loop, it would hold up
every other request and every event stream meanwhile. The run engine therefore hands each store
call to one worker thread of its own and awaits it: the loop goes on serving reads (which come
from memory) while a run writes. One thread keeps the calls in order; `close` lets the calls
handed over finish before the thread stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Commits:
    """Runs store calls on one worker thread, in order."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="mlprep-commit")
        self.finished = 0  # calls finished without an error so far (only the worker thread counts)

    async def __call__(self, call: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`call(*args, **kwargs)` on the worker thread; its result (or exception)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, partial(self._counted, call, *args, **kwargs)
        )

    def _counted(self, call: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        # Only calls that went through count: one that failed changed nothing, so what readers
        # keep (answers read during a database outage) stays good.
        result = call(*args, **kwargs)
        self.finished += 1
        return result

    def close(self) -> None:
        """Finish the calls handed over, then stop the thread."""
        self._executor.shutdown(wait=True)
