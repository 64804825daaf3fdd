"""The async face made to look like the sync one, so that the sync face's tests run it too.

`BlockingAsyncClient` runs an `AsyncPrepClient` on its own event loop: each method call runs the
coroutine to its end, an answer callback's prompt hands out the image's bytes (fetched before the
callback is called, as a blocking test expects them), and a blocking `sleep` is awaited.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from mlprep.client import AsyncEventSubscription, AsyncPrepClient, InstrumentEvent, ViewPrompt

Face = Callable[..., Any]


class BlockingEvents:
    """An `AsyncEventSubscription` read as the blocking `EventSubscription` is."""

    def __init__(self, subscription: AsyncEventSubscription, loop: asyncio.AbstractEventLoop):
        self._subscription = subscription
        self._loop = loop

    def next(self, timeout: float | None = None) -> InstrumentEvent | None:
        return self._loop.run_until_complete(self._subscription.next(timeout))

    def __enter__(self) -> BlockingEvents:
        self._loop.run_until_complete(self._subscription.__aenter__())
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.run_until_complete(self._subscription.__aexit__())


class BlockingAsyncClient:
    """An `AsyncPrepClient` with the sync face's manners (constructor, `with`, blocking calls)."""

    def __init__(self, *args: Any, sleep: Callable[[float], None] | None = None, **kwargs: Any):
        self._loop = asyncio.new_event_loop()
        if sleep is not None:
            kwargs["sleep"] = _awaitable(sleep)
        self._client = self._run(_make(args, kwargs))

    def _run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return self._loop.run_until_complete(coroutine)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._client, name)
        if name == "events":
            return lambda *a, **k: BlockingEvents(value(*a, **k), self._loop)
        if name in ("run_procedure", "follow_run"):
            return lambda *a, **k: self._run(value(*_prefetching(a), **_prefetching_kw(k)))
        if inspect.iscoroutinefunction(value):
            return lambda *a, **k: self._run(value(*a, **k))
        return value

    def close(self) -> None:
        self._run(self._client.close())
        self._loop.close()

    def __enter__(self) -> BlockingAsyncClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


async def _make(args: tuple[Any, ...], kwargs: dict[str, Any]) -> AsyncPrepClient:
    return AsyncPrepClient(*args, **kwargs)  # made on its loop, as an async caller makes it


def _awaitable(sleep: Callable[[float], None]) -> Callable[[float], Coroutine[Any, Any, None]]:
    async def asleep(seconds: float) -> None:
        sleep(seconds)

    return asleep


def _with_image(answerer: Any) -> Any:
    if not callable(answerer):
        return answerer  # an error policy such as "abort"

    async def answer(prompt: ViewPrompt) -> Any:
        image = await prompt.image()
        return answerer(dataclasses.replace(prompt, _fetch_image=lambda: image))

    return answer


def _prefetching(args: tuple[Any, ...]) -> list[Any]:
    return [args[0], *(_with_image(a) for a in args[1:])] if args else []


def _prefetching_kw(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: _with_image(v) if k in ("answer", "on_error") else v for k, v in kwargs.items()}
