"""The server's log: the standard library's `logging`, as text lines or JSON lines.

Loggers: `mlprep.access` (one line per request: method, path, status, milliseconds),
`mlprep.runs` (one line per run transition: started, view opened or closed, error, ended),
`mlprep.engine`, `mlprep.api`, `mlprep.events`, and uvicorn's own.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TextIO


class LogFormat(StrEnum):
    """How log records are written."""

    TEXT = "text"
    JSON = "json"


LEVELS = ("debug", "info", "warning", "error")
# Lines wait at most this long to be written together (see BatchedStreamHandler).
FLUSH_SECONDS = 0.05
FLUSH_CHARACTERS = 64 * 1024
# Attributes every LogRecord has; anything else on a record is an `extra` field worth showing.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class TextFormatter(logging.Formatter):
    """`time level logger: message`, each second's time stamp formatted once: a server under
    load writes thousands of lines a second (one per request), and `strftime` was a third of
    the cost of each."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self._second: int | None = None
        self._stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (the standard library's name)
        return self._time_stamp(record.created, int(record.msecs))

    def info_line(self, name: str, message: str, created: float) -> str:
        """The line `format` makes of an INFO record of logger `name` with `message`, created at
        `created` (`time.time()`), for a caller that writes many and skips making records."""
        milliseconds = int((created - int(created)) * 1000)  # as LogRecord.msecs
        return f"{self._time_stamp(created, milliseconds)} INFO    {name}: {message}"

    def _time_stamp(self, created: float, milliseconds: int) -> str:
        second = int(created)
        if second != self._second:
            self._stamp = time.strftime(self.default_time_format, self.converter(created))
            self._second = second
        return f"{self._stamp},{milliseconds:03d}"


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update((key, value) for key, value in record.__dict__.items() if key not in _STANDARD)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class BatchedStreamHandler(logging.StreamHandler[TextIO]):
    """Writes the lines that come within `FLUSH_SECONDS` of each other to the stream at once.

    A server under load logs a line per request; written one by one, each was a system call of
    its own (a tenth of a polled read's cost). Here they are written together by a background
    thread every `FLUSH_SECONDS`, or as soon as `FLUSH_CHARACTERS` are waiting; a warning or an
    error is written at once, with everything before it. At exit (and on `close`) whatever is
    waiting is written. What a hard kill can lose is the last 50 ms of lines.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._characters = 0
        self._closed = threading.Event()
        threading.Thread(target=self._flush_every_so_often, name="log-flush", daemon=True).start()

    def emit(self, record: logging.LogRecord) -> None:
        # `Handler.handle` holds the handler's lock around `emit`.
        try:
            line = self.format(record) + self.terminator
        except Exception:  # as StreamHandler: a record that cannot be formatted is reported
            self.handleError(record)
            return
        self._pending.append(line)
        self._characters += len(line)
        if record.levelno >= logging.WARNING or self._characters >= FLUSH_CHARACTERS:
            self._write()

    def write_line(self, line: str) -> None:
        """Write `line` (formatted already, without its line end) with the records' lines."""
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self._pending.append(line + self.terminator)
            self._characters += len(line) + 1
            if self._characters >= FLUSH_CHARACTERS:
                self._write()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self._write()

    def close(self) -> None:
        self._closed.set()
        self.flush()
        super().close()

    def _write(self) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        self._characters = 0
        try:
            self.stream.write(text)
            self.stream.flush()
        except Exception:  # a closed or broken stream: nothing can be told of it
            pass

    def _flush_every_so_often(self) -> None:
        while not self._closed.wait(FLUSH_SECONDS):
            self.flush()


def configure_logging(level: str = "info", log_format: LogFormat = LogFormat.TEXT) -> None:
    """Send every logger's records at `level` and above to stderr in `log_format`."""
    handler = BatchedStreamHandler(sys.stderr)
    handler.setFormatter(JsonLinesFormatter() if log_format is LogFormat.JSON else TextFormatter())
    # Neither format shows the process or thread; the logging HOWTO's "Optimization" advice:
    # records then skip looking them up (a fifth of the cost of each access-log line).
    logging.logProcesses = logging.logMultiprocessing = logging.logThreads = False
    root = logging.getLogger()
    for previous in root.handlers:
        if isinstance(previous, BatchedStreamHandler):
            previous.close()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers[:] = []
        uvicorn_logger.propagate = True
