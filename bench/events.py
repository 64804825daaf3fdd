"""Event latency: close-view → the next view's event on the instrument's WebSocket, against a
bare POST → WebSocket push on the baseline, in the same run.

A reader task stamps each WebSocket message as it arrives, so a message that comes before the
POST's own response is timed when it came, not when it was read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.baseline import PUSH
from bench.load import HOST, Connection, request_bytes
from bench.workflows import CLOSE_VIEW, JSON, LOT_NUMBER

EVENTS_PATH = "/NimbusLite/instinctevents"
WAIT_SECONDS = 10.0


class StampedMessages:
    """The messages of one WebSocket, each with the `perf_counter` of its arrival."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self.queue: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()

    async def read(self) -> None:
        """Read until the connection closes (run as a task)."""
        async for text in self._socket:
            self.queue.put_nowait((time.perf_counter(), json.loads(text)))

    async def next_with(self, *codes: str) -> tuple[float, dict[str, Any]]:
        """The next message with one of `codes` (others are skipped), with its arrival."""
        while True:
            arrived, message = await asyncio.wait_for(self.queue.get(), WAIT_SECONDS)
            if message.get("code") in codes:
                return arrived, message


@asynccontextmanager
async def stamped(port: int, token: str | None) -> AsyncIterator[StampedMessages]:
    """A WebSocket on `EVENTS_PATH` of 127.0.0.1:`port`, read by a background task."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with connect(f"ws://{HOST}:{port}{EVENTS_PATH}", additional_headers=headers) as socket:
        messages = StampedMessages(socket)
        reader = asyncio.create_task(messages.read())
        try:
            yield messages
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader


async def close_view_to_next_view(
    port: int, token: str, procedure_id: str, runs: int
) -> list[float]:
    """Seconds from sending each close-view to the arrival of the event that follows it: the
    next view opened (`maintenancedata`), or the run's end (`finished`)."""
    auth = ("Authorization", f"Bearer {token}")
    samples: list[float] = []
    connection = Connection(port)
    try:
        async with stamped(port, token) as messages:
            for _ in range(runs):
                start = request_bytes(
                    port, "POST", f"/api/v1/maintenance/{procedure_id}", headers=[auth]
                )
                if (await connection.send(start)).status != 200:
                    raise RuntimeError("could not start the benchmark's run")
                _arrived, event = await messages.next_with("maintenancedata")
                while True:
                    view = event["data"]
                    answer = {
                        "viewId": view["viewId"],
                        "viewResult": "Yes" if view["kind"] == "Question" else "Ok",
                        "viewInput": LOT_NUMBER if view["inputRequired"] else None,
                    }
                    close = request_bytes(
                        port,
                        "POST",
                        CLOSE_VIEW,
                        headers=[auth, JSON],
                        body=json.dumps(answer).encode(),
                    )
                    sent = time.perf_counter()
                    if (await connection.send(close)).status != 200:
                        raise RuntimeError("close-view was refused")
                    arrived, event = await messages.next_with("maintenancedata", "finished")
                    samples.append(arrived - sent)
                    if event["code"] == "finished":
                        break
    finally:
        await connection.close()
    return samples


async def bare_push(port: int, count: int, path: str = PUSH) -> list[float]:
    """Seconds from sending `POST <path>` to the baseline to the arrival of the pushed frame
    (`PUSH`: pushed at once; `PUSH_COMMITTED`: after a commit)."""
    samples: list[float] = []
    body = json.dumps({"code": "maintenancedata", "description": "push", "data": {}}).encode()
    push = request_bytes(port, "POST", path, headers=[JSON], body=body)
    connection = Connection(port)
    try:
        async with stamped(port, None) as messages:
            for _ in range(count):
                sent = time.perf_counter()
                if (await connection.send(push)).status != 200:
                    raise RuntimeError(f"the baseline refused POST {path}")
                arrived, _message = await messages.next_with("maintenancedata")
                samples.append(arrived - sent)
    finally:
        await connection.close()
    return samples
