"""One log line per request: method, path, status and milliseconds (logger `mlprep.access`)."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlprep.logs import QueuedLogHandler, TextFormatter

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

    With the server's own text logging, the line goes to its handler's queue without a record
    (`_direct_handler`). Otherwise the record is made and handed to the logger's handlers
    directly: `Logger.info` would also look up the calling frame and copy `extra` item by item,
    which made up half the cost of a line, and a busy server writes thousands a second.
    """
    if not logger.isEnabledFor(logging.INFO):
        return
    method = scope.get("method", "WEBSOCKET") if scope["type"] == "http" else "WEBSOCKET"
    milliseconds = (time.perf_counter() - started) * 1000
    path = scope["path"]
    direct = _direct_handler()
    if direct is not None:
        handler, formatter = direct
        shown = status if status is not None else "-"
        message = f"{method} {path} {shown} {milliseconds:.1f}ms"
        handler.put_line(formatter.info_line(logger.name, message, time.time()))
        return
    client = scope.get("client")
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


def _direct_handler() -> tuple[QueuedLogHandler, TextFormatter] | None:
    """The handler that would write the line, and its formatter, where a record would only be
    formatted as text by it: the server's own logging (`mlprep.logs.configure_logging`) in its
    text format. The line is then formatted as `TextFormatter` formats a record and handed to
    the handler without one: making the record and passing it through `Logger.handle` was a
    large part of a polled read's time in the server (bench/README.md has the figure). JSON
    lines and any other set-up get records."""
    if logger.filters or logger.disabled:
        return None
    current: logging.Logger | None = logger
    while current is not None and current is not logging.root:
        if current.handlers or not current.propagate:
            return None
        current = current.parent
    handlers = logging.root.handlers
    if len(handlers) != 1:
        return None
    handler = handlers[0]
    formatter = handler.formatter
    if (
        type(handler) is QueuedLogHandler
        and type(formatter) is TextFormatter
        and not handler.filters
        and handler.level <= logging.INFO
    ):
        return handler, formatter
    return None


_record_factory = logging.getLogRecordFactory
