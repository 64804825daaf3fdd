"""The bare-ASGI baseline: answers fixed paths with fixed bytes, nothing else.

`python -m bench.baseline --port N --responses FILE` serves, with uvicorn and the same settings
`mlprep serve` uses, the responses recorded in FILE (JSON: `{"GET /path": {"status": 200,
"headers": [[name, value], ...], "body": "<base64>"}}`), which the benchmark captured from mlprep
first. No authentication, no database, no routing beyond a dictionary look-up: what is left is the
cost of uvicorn and the ASGI call itself. Any other path gets an empty 404.

For the event-latency comparison it also keeps the WebSockets opened on any path and, on
`POST /push`, sends every one of them the text of the request's body, then answers 200: a bare
POST → WebSocket push. With `--journal FILE`, `POST /push-committed` first commits the body to
an SQLite table kept as mlprep keeps its data (WAL, `synchronous=FULL`), on a worker thread: the
least a server that commits before it announces must spend.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import signal
import sqlite3
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

HOST = "127.0.0.1"
# As `mlprep serve` configures uvicorn (mlprep.cli.serve); not imported, so that the baseline's
# memory is not charged with FastAPI and the whole application.
GRACEFUL_SHUTDOWN_SECONDS = 5
NOT_FOUND: tuple[int, list[tuple[bytes, bytes]], bytes] = (404, [(b"content-length", b"0")], b"")


def load_responses(
    path: Path,
) -> dict[tuple[str, str], tuple[int, list[tuple[bytes, bytes]], bytes]]:
    """The recorded responses in `path`, keyed by (method, path)."""
    recorded = json.loads(path.read_text())
    responses = {}
    for key, response in recorded.items():
        method, _, target = key.partition(" ")
        headers = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in response["headers"]
        ]
        responses[(method, target)] = (
            int(response["status"]),
            headers,
            base64.b64decode(response["body"]),
        )
    return responses


PUSHED: tuple[int, list[tuple[bytes, bytes]], bytes] = (200, [(b"content-length", b"0")], b"")
PUSH = "/push"
PUSH_COMMITTED = "/push-committed"
CREATE_JOURNAL = "CREATE TABLE IF NOT EXISTS pushed (seq INTEGER PRIMARY KEY, message TEXT)"


class Journal:
    """One SQLite table, kept as mlprep keeps its data (WAL, `synchronous=FULL`): each message is
    committed, one sync of the log to disk, on a worker thread of its own."""

    def __init__(self, path: Path) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="journal")
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=FULL")
        self._connection.execute(CREATE_JOURNAL)

    async def commit(self, text: str) -> None:
        """Commit `text` as a new row."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self._insert, text)

    def _insert(self, text: str) -> None:
        self._connection.execute("BEGIN")
        self._connection.execute("INSERT INTO pushed (message) VALUES (?)", (text,))
        self._connection.execute("COMMIT")


def baseline_app(
    responses: dict[tuple[str, str], tuple[int, list[tuple[bytes, bytes]], bytes]],
    journal: Journal | None = None,
) -> Asgi:
    """A minimal ASGI application answering `responses` (and pushing to WebSockets, after a
    commit to `journal` on `PUSH_COMMITTED`)."""
    sockets: set[Send] = set()

    async def websocket(receive: Receive, send: Send) -> None:
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        sockets.add(send)
        try:
            while (await receive())["type"] != "websocket.disconnect":
                pass
        finally:
            sockets.discard(send)

    async def push(receive: Receive, send: Send, journal: Journal | None) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        text = body.decode()
        if journal is not None:
            await journal.commit(text)
        for socket in list(sockets):
            await socket({"type": "websocket.send", "text": text})
        status, headers, content = PUSHED
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] == "websocket":
            await websocket(receive, send)
            return
        if scope["type"] != "http":
            return
        if (scope["method"], scope["path"]) == ("POST", PUSH):
            await push(receive, send, None)
            return
        if (scope["method"], scope["path"]) == ("POST", PUSH_COMMITTED) and journal is not None:
            await push(receive, send, journal)
            return
        path = scope["path"]
        if scope["query_string"]:  # recorded with its query (`/mlprep/v1/runs?limit=20`)
            path = f"{path}?{scope['query_string'].decode('latin-1')}"
        status, headers, body = responses.get((scope["method"], path), NOT_FOUND)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    """Serve the recorded responses on 127.0.0.1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--responses", type=Path, required=True)
    parser.add_argument("--journal", type=Path, help=f"the SQLite file of {PUSH_COMMITTED}")
    arguments = parser.parse_args()
    journal = Journal(arguments.journal) if arguments.journal else None
    # As `mlprep serve` does: uvicorn re-raises SIGTERM after its graceful shutdown, and this
    # handler turns it into the exit status 0 of a clean stop.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        baseline_app(load_responses(arguments.responses), journal),
        host=HOST,
        port=arguments.port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def _exit_cleanly(_signal: int, _frame: FrameType | None) -> None:
    sys.exit(0)


if __name__ == "__main__":
    main()
