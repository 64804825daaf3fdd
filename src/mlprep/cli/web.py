"""The web half of `mlprep serve`: the app on uvicorn.

Imported by `cli/server.py` only once the database is open, while the first start is prepared
on another thread: FastAPI, uvicorn, the routes and the wire models are about half of a start.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import signal
import socket
import threading
from collections.abc import Iterator
from types import FrameType

import uvicorn
from fastapi import FastAPI

from mlprep.api.app import create_app, end_event_streams
from mlprep.cli.connection_limits import connection_limits, http_protocol, websocket_protocol
from mlprep.services import Services
from mlprep.settings import Settings

# Connections still open this long after a stop was asked for are cut: a backstop, since the event
# streams end on their own and no other request takes long.
GRACEFUL_SHUTDOWN_SECONDS = 5
STREAM_GOODBYE_SECONDS = 0.1
QUERY_TOKEN = re.compile(r"(access_token=)[^&\s\"]+")
logger = logging.getLogger("mlprep.serve")


def serve_app(settings: Settings, services: Services) -> bool:
    """Serve the app on `services` until a stop is asked for; whether the server started."""
    # The app's lifespan takes these services over (and closes them at the end): opening them a
    # second time would load the same state again.
    app = create_app(settings, services_factory=lambda _settings: services)
    limits = connection_limits(settings)
    server = _Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,  # configure_logging has set the handlers and the level
            access_log=False,  # mlprep.access logs each request instead
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            # Header, idle and send timeouts and the connection cap (cli/connection_limits.py).
            http=http_protocol(limits),
            ws=websocket_protocol(limits),
        ),
        app,
    )
    # uvicorn logs each WebSocket's path with its query, where browsers put their token.
    logging.getLogger("uvicorn.error").addFilter(_redact_query_tokens)
    # The app and its services live as long as the server, as do the modules frozen at import
    # (cli/server_imports.py): leave them out of the collector's full passes too, each of which
    # went over them all and held every request meanwhile (bench/README.md has the figures).
    gc.freeze()
    server.run()
    return server.started


class _Server(uvicorn.Server):
    """uvicorn's server, stopping on SIGHUP as on SIGTERM and ending the event streams as soon
    as it stops.

    uvicorn handles SIGINT and SIGTERM only, and SIGHUP's default ends the process at once:
    closing the terminal a server runs in would cut the run in progress short without recording
    it. uvicorn lets open connections finish before it runs the application's shutdown, and an
    event stream never finishes by itself, so the streams are ended first.
    """

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._app = app

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            with super().capture_signals():
                yield
            return
        # Outside uvicorn's own: a SIGHUP becomes the SIGTERM it raises again once stopped.
        before = signal.signal(signal.SIGHUP, self._hang_up)
        try:
            with super().capture_signals():
                yield
        finally:
            signal.signal(signal.SIGHUP, before)

    def _hang_up(self, _signal: int, frame: FrameType | None) -> None:
        logger.warning("SIGHUP (the terminal closed?): stopping as for SIGTERM")
        self.handle_exit(signal.SIGTERM, frame)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        end_event_streams(self._app)
        # Let the streams say goodbye (WebSocket close 1001) before uvicorn closes every
        # connection itself (with 1012).
        await asyncio.sleep(STREAM_GOODBYE_SECONDS)
        await super().shutdown(sockets)


def _redact_query_tokens(record: logging.LogRecord) -> bool:
    message = record.getMessage()
    if "access_token=" in message:
        record.msg, record.args = QUERY_TOKEN.sub(r"\1[redacted]", message), ()
    return True
