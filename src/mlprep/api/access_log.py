"""One log line per request: method, path, status and milliseconds (logger `mlprep.access`)."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("mlprep.access")


class AccessLogMiddleware:
    """Logs each HTTP request and each WebSocket when it ends (a stream: its whole duration).

    Only the path is logged, never the query string: browsers put their token there.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] in ("http.response.start", "websocket.http.response.start"):
                status = int(message["status"])
            elif message["type"] == "websocket.accept":
                status = 101
            elif message["type"] == "websocket.close" and status is None:
                status = 403  # closed before the handshake completed: a refusal
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            log_access(scope, status, started)


def log_access(scope: Scope, status: int | None, started: float) -> None:
    """The request's line: `started` is its `time.perf_counter()` on arrival.

    The record is made and handed to the logger's handlers directly: `Logger.info` would also
    look up the calling frame and copy `extra` item by item, which made up half the cost of a
    line, and a busy server writes thousands a second.
    """
    if not logger.isEnabledFor(logging.INFO):
        return
    method = scope.get("method", "WEBSOCKET") if scope["type"] == "http" else "WEBSOCKET"
    milliseconds = (time.perf_counter() - started) * 1000
    client = scope.get("client")
    path = scope["path"]
    record = _record_factory()(
        logger.name,
        logging.INFO,
        __file__,
        0,
        "%s %s %s %.1fms",
        (method, path, status if status is not None else "-", milliseconds),
        None,
    )
    record.method = method
    record.path = path
    record.status = status
    record.ms = round(milliseconds, 1)
    record.client = client[0] if client else None
    logger.handle(record)


_record_factory = logging.getLogRecordFactory
