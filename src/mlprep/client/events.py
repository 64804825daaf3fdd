"""Events over the instrument's WebSockets (`/NimbusLite/instinctevents` and `/instincterrors`),
as iterators that reconnect by themselves.

The server does not replay what was sent while a connection was down: after a reconnect the
iterator yields an event with code `reconnected` (made by the client, on the stream that came
back), so that a consumer knows to read the present state again (`current_run()`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection as AsyncConnection
from websockets.asyncio.client import connect as connect_async
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from mlprep.client.errors import ClientError, ServerUnreachable, Unauthenticated
from mlprep.contract.problem import ProblemDetails

STREAMS = ("events", "errors")
RECONNECTED = "reconnected"
OPEN_TIMEOUT = 10.0
MAX_BACKOFF = 5.0


@dataclass(frozen=True)
class InstrumentEvent:
    """One message: `stream` is `events` or `errors`; `data` is the event's JSON object."""

    stream: str
    code: str
    description: str
    data: dict[str, Any] = field(default_factory=dict)


def websocket_url(base_url: str, stream: str) -> str:
    """ws(s)://host/NimbusLite/instinct<stream> for the server at `base_url`."""
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    path = f"{parts.path.rstrip('/')}/NimbusLite/instinct{stream}"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def parse_message(stream: str, message: str | bytes) -> InstrumentEvent | None:
    """The event a text frame carries; None for anything that is not one (defensively)."""
    try:
        body = json.loads(message)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return None
    data = body.get("data")
    if isinstance(data, str):  # some instruments send the data as JSON inside a string
        with contextlib.suppress(ValueError):
            data = json.loads(data)
    return InstrumentEvent(
        stream=stream,
        code=body["code"],
        description=str(body.get("description") or ""),
        data=data if isinstance(data, dict) else {},
    )


def _reconnected(stream: str) -> InstrumentEvent:
    return InstrumentEvent(
        stream, RECONNECTED, "The stream reconnected; events may have been missed."
    )


def _refused(error: InvalidStatus) -> ClientError:
    status = error.response.status_code
    problem = ProblemDetails(
        title="Unauthorized" if status in (401, 403) else f"HTTP {status}",
        status=status,
        detail="The server refused the event stream: log in again (the token may have expired "
        "or been revoked).",
    )
    return Unauthenticated(problem) if status in (401, 403) else ClientError(problem.detail)


def _backoff(failures: int) -> float:
    return float(min(MAX_BACKOFF, 0.2 * 2**failures))


class _Filter:
    def __init__(self, streams: Collection[str], codes: Collection[str] | None) -> None:
        unknown = set(streams) - set(STREAMS)
        if unknown or not streams:
            raise ValueError(f"streams must be some of {STREAMS}, not {sorted(streams)}")
        self.streams = tuple(stream for stream in STREAMS if stream in streams)
        self.codes = {code.lower() for code in codes} if codes else None

    def wants(self, event: InstrumentEvent) -> bool:
        return self.codes is None or event.code in self.codes or event.code == RECONNECTED


class EventSubscription:
    """Events as they happen (sync). Iterate it, or wait with `next(timeout)`; close it when done
    (it is a context manager). Each stream is read by a thread of its own."""

    def __init__(
        self,
        base_url: str,
        headers: Callable[[], dict[str, str]],
        streams: Collection[str] = STREAMS,
        codes: Collection[str] | None = None,
        reconnect: bool = True,
        reauthenticate: Callable[[], bool] | None = None,
    ) -> None:
        self._base_url = base_url
        self._headers = headers
        self._filter = _Filter(streams, codes)
        self._reconnect = reconnect
        self._reauthenticate = reauthenticate
        self._queue: queue.Queue[InstrumentEvent | BaseException | None] = queue.Queue()
        self._closed = threading.Event()
        self._sockets: dict[str, ClientConnection] = {}
        self._threads: list[threading.Thread] = []
        self._open_errors: list[ClientError] = []
        self._ended = 0

    def open(self) -> EventSubscription:
        """Connect every stream; returns once all are connected (events published from then on
        are received). Raises ServerUnreachable or Unauthenticated."""
        started = []
        for stream in self._filter.streams:
            ready = threading.Event()
            thread = threading.Thread(target=self._follow, args=(stream, ready), daemon=True)
            thread.start()
            self._threads.append(thread)
            started.append(ready)
        for ready in started:
            ready.wait()
        if self._open_errors:
            self.close()
            raise self._open_errors[0]
        return self

    def next(self, timeout: float | None = None) -> InstrumentEvent | None:
        """The next event; None if `timeout` seconds pass first or the subscription has ended."""
        while self._ended < len(self._threads):
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                return None
            if item is None:
                self._ended += 1
                continue
            if isinstance(item, BaseException):
                raise item
            return item
        return None

    def __iter__(self) -> Iterator[InstrumentEvent]:
        while (event := self.next()) is not None:
            yield event

    def close(self) -> None:
        """Disconnect; the iterator ends."""
        self._closed.set()
        for socket in list(self._sockets.values()):
            with contextlib.suppress(Exception):
                socket.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> EventSubscription:
        return self if self._threads else self.open()

    def __exit__(self, *_: object) -> None:
        self.close()

    def _connect(self, stream: str) -> ClientConnection:
        url = websocket_url(self._base_url, stream)
        try:
            return connect(url, additional_headers=self._headers(), open_timeout=OPEN_TIMEOUT)
        except InvalidStatus as error:
            raise _refused(error) from error
        except (OSError, TimeoutError, WebSocketException) as error:
            raise ServerUnreachable(f"Cannot open the event stream {url}: {error}") from error

    def _connect_again(self, stream: str) -> ClientConnection:
        """Reconnect; a refused token (revoked, expired) gets one new login where possible."""
        try:
            return self._connect(stream)
        except Unauthenticated:
            if self._reauthenticate is None or not self._reauthenticate():
                raise
            return self._connect(stream)

    def _follow(self, stream: str, ready: threading.Event) -> None:
        failures = 0
        try:
            while not self._closed.is_set():
                try:
                    first = not ready.is_set()
                    connection = self._connect(stream) if first else self._connect_again(stream)
                except ClientError as error:
                    if not ready.is_set():
                        self._open_errors.append(error)
                        ready.set()
                        return
                    if not isinstance(error, ServerUnreachable):
                        self._queue.put(error)
                        return
                    failures += 1
                else:
                    with connection as socket:
                        self._sockets[stream] = socket
                        if ready.is_set():
                            self._queue.put(_reconnected(stream))
                        ready.set()
                        failures = 0
                        self._read(stream, socket)
                    self._sockets.pop(stream, None)
                if self._closed.is_set() or not self._reconnect:
                    return
                if self._closed.wait(_backoff(failures)):
                    return
        finally:
            ready.set()
            self._queue.put(None)

    def _read(self, stream: str, socket: ClientConnection) -> None:
        with contextlib.suppress(OSError, WebSocketException):
            for message in socket:
                event = parse_message(stream, message)
                if event is not None and self._filter.wants(event):
                    self._queue.put(event)


class AsyncEventSubscription:
    """Events as they happen (async): `async for event in subscription`, or `await next(timeout)`;
    an async context manager. Each stream is read by a task of its own."""

    def __init__(
        self,
        base_url: str,
        headers: Callable[[], Awaitable[dict[str, str]]],
        streams: Collection[str] = STREAMS,
        codes: Collection[str] | None = None,
        reconnect: bool = True,
        reauthenticate: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self._base_url = base_url
        self._headers = headers
        self._filter = _Filter(streams, codes)
        self._reconnect = reconnect
        self._reauthenticate = reauthenticate
        self._queue: asyncio.Queue[InstrumentEvent | BaseException | None] = asyncio.Queue()
        self._sockets: dict[str, AsyncConnection] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False
        self._ended = 0

    async def open(self) -> AsyncEventSubscription:
        """Connect every stream; returns once all are connected."""
        for stream in self._filter.streams:
            self._sockets[stream] = await self._connect(stream)
        self._tasks = [asyncio.create_task(self._follow(s)) for s in self._filter.streams]
        return self

    async def next(self, timeout: float | None = None) -> InstrumentEvent | None:
        """The next event; None if `timeout` seconds pass first or the subscription has ended."""
        while self._ended < len(self._tasks):
            try:
                item = await asyncio.wait_for(self._queue.get(), timeout)
            except TimeoutError:
                return None
            if item is None:
                self._ended += 1
                continue
            if isinstance(item, BaseException):
                raise item
            return item
        return None

    async def __aiter__(self) -> AsyncIterator[InstrumentEvent]:
        while (event := await self.next()) is not None:
            yield event

    async def close(self) -> None:
        """Disconnect; the iterator ends."""
        self._closed = True
        for task in self._tasks:
            task.cancel()
        for socket in list(self._sockets.values()):
            with contextlib.suppress(Exception):
                await socket.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> AsyncEventSubscription:
        return self if self._tasks else await self.open()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def _connect(self, stream: str) -> AsyncConnection:
        url = websocket_url(self._base_url, stream)
        try:
            return await connect_async(
                url, additional_headers=await self._headers(), open_timeout=OPEN_TIMEOUT
            )
        except InvalidStatus as error:
            raise _refused(error) from error
        except (OSError, TimeoutError, WebSocketException) as error:
            raise ServerUnreachable(f"Cannot open the event stream {url}: {error}") from error

    async def _connect_again(self, stream: str) -> AsyncConnection:
        try:
            return await self._connect(stream)
        except Unauthenticated:
            if self._reauthenticate is None or not await self._reauthenticate():
                raise
            return await self._connect(stream)

    async def _follow(self, stream: str) -> None:
        failures = 0
        try:
            while not self._closed:
                socket = self._sockets.get(stream)
                if socket is not None:
                    failures = 0
                    await self._read(stream, socket)
                if self._closed or not self._reconnect:
                    return
                self._sockets.pop(stream, None)
                await asyncio.sleep(_backoff(failures))
                try:
                    self._sockets[stream] = await self._connect_again(stream)
                except ClientError as error:
                    if isinstance(error, ServerUnreachable):
                        failures += 1
                        continue
                    self._queue.put_nowait(error)
                    return
                self._queue.put_nowait(_reconnected(stream))
        finally:
            self._queue.put_nowait(None)

    async def _read(self, stream: str, socket: AsyncConnection) -> None:
        with contextlib.suppress(OSError, WebSocketException):
            async for message in socket:
                event = parse_message(stream, message)
                if event is not None and self._filter.wants(event):
                    self._queue.put_nowait(event)
