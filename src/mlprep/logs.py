"""The server's log: the standard library's `logging`, as text lines or JSON lines.

Loggers: `mlprep.access` (one line per request: method, path, status, milliseconds),
`mlprep.runs` (one line per run transition: started, view opened or closed, error, ended),
`mlprep.engine`, `mlprep.api`, `mlprep.events`, and uvicorn's own.

Logging never waits for the output: a line is queued (`QueuedLogHandler`) and a thread of its
own writes it (`LogWriter`). An output that stops taking lines (a pipe nobody reads) costs
lines, which are counted, never the server's answers.
"""

from __future__ import annotations

import json
import logging
import queue
import sys
import threading
import time
from collections import deque
from datetime import UTC, datetime
from enum import StrEnum
from logging.handlers import QueueHandler, QueueListener
from typing import Any, TextIO


class LogFormat(StrEnum):
    """How log records are written."""

    TEXT = "text"
    JSON = "json"


LEVELS = ("debug", "info", "warning", "error")
# Lines wait at most this long to be written together (see BatchedStreamHandler).
FLUSH_SECONDS = 0.05
FLUSH_CHARACTERS = 64 * 1024
# Lines that may wait for the output (a busy server logs thousands a second); more are dropped.
QUEUE_LINES = 2_000
# At exit, how long the last lines may take to go out before they are given up.
STOP_SECONDS = 2.0
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
    its own (a good part of a polled read's cost: bench/README.md). Here they are written
    together by a background thread every `FLUSH_SECONDS`, or as soon as `FLUSH_CHARACTERS` are
    waiting; a warning or an error is written at once, with everything before it. At exit (and
    on `close`) whatever is waiting is written. What a hard kill can lose is the last 50 ms of
    lines.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._characters = 0
        self._stop_flushing = threading.Event()
        self._abandoned = False
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

    def write_line(self, line: str, urgent: bool = False) -> None:
        """Write `line` (formatted already, without its line end) with the records' lines; an
        `urgent` one (a warning's) at once, with everything before it."""
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self._pending.append(line + self.terminator)
            self._characters += len(line) + 1
            if urgent or self._characters >= FLUSH_CHARACTERS:
                self._write()

    def flush(self) -> None:
        if self._abandoned:
            return
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self._write()

    def close(self) -> None:
        self._stop_flushing.set()
        self.flush()
        super().close()

    def abandon(self) -> None:
        """Give up on the output, which has stopped taking lines (a pipe nobody reads): what
        waits is lost, and nothing at exit (`logging.shutdown`) waits on it any more."""
        self._abandoned = True
        self._stop_flushing.set()

    def acquire(self) -> None:
        # A thread stuck writing to an abandoned output holds the lock for good.
        if not self._abandoned:
            super().acquire()

    def release(self) -> None:
        if not self._abandoned:
            super().release()

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
        while not self._stop_flushing.wait(FLUSH_SECONDS):
            self.flush()


class LineQueue:
    """The lines waiting for the writer thread, at most `capacity` of them.

    `put_nowait` never blocks and, unlike `queue.Queue`, does not wake the reader for each line
    (that cost a thread switch per request): the reader looks every `FLUSH_SECONDS`, and at once
    for an urgent line (a warning) or the end.
    """

    def __init__(self, capacity: int) -> None:
        self._items: deque[tuple[str, bool] | None] = deque()
        self._capacity = capacity
        self._wake = threading.Event()

    def put_nowait(self, item: tuple[str, bool] | None) -> None:
        """Queue a `(line, urgent)` pair, or None (the end: always taken).

        Raises:
            queue.Full: `capacity` lines wait already.
        """
        if item is not None and len(self._items) >= self._capacity:
            raise queue.Full
        self.put_past_capacity(item)

    def put_past_capacity(self, item: tuple[str, bool] | None) -> None:
        """Queue an item however many wait (the last ones, at close)."""
        self._items.append(item)
        if item is None or item[1]:
            self._wake.set()

    def get(self, block: bool = True) -> tuple[str, bool] | None:
        """The oldest item; with `block`, waits for one.

        Raises:
            queue.Empty: nothing waits, and `block` is false.
        """
        while True:
            self._wake.clear()  # before looking: a wake-up that comes after is not missed
            if self._items:
                return self._items.popleft()
            if not block:
                raise queue.Empty
            self._wake.wait(FLUSH_SECONDS)


class LogWriter(QueueListener):
    """The thread that takes the queued lines and writes them, those that came together at once
    (through `sink`, which it flushes whenever it has taken all there was)."""

    def __init__(self, lines: LineQueue, sink: BatchedStreamHandler) -> None:
        super().__init__(lines)
        self._lines = lines
        self._sink = sink

    def dequeue(self, block: bool) -> tuple[str, bool] | None:  # type: ignore[override]  # a line
        try:
            item = self._lines.get(block=False)
        except queue.Empty:
            self._sink.flush()
            item = self._lines.get(block=block)
        if item is None:
            self._sink.flush()  # the end: what was taken goes out before the thread stops
        return item

    def handle(self, record: tuple[str, bool]) -> None:  # type: ignore[override]  # a line
        line, urgent = record
        self._sink.write_line(line, urgent)

    def start(self) -> None:
        super().start()
        assert self._thread is not None
        self._thread.name = "log-writer"

    def stop_within(self, seconds: float) -> bool:
        """Write what is queued and stop, waiting at most `seconds`; whether it did."""
        thread = self._thread
        if thread is None:
            return True
        self.enqueue_sentinel()
        thread.join(seconds)
        self._thread = None
        return not thread.is_alive()


class QueuedLogHandler(QueueHandler):
    """The server's handler: a record is formatted where it is logged and its line queued for
    the `LogWriter` thread, so that logging never waits for the output.

    A line that finds `QUEUE_LINES` waiting is dropped and counted (`dropped`: the metric
    `mlprep_log_records_dropped_total`); the first line that fits again is preceded by one
    saying how many were dropped.
    """

    def __init__(self, sink: BatchedStreamHandler, capacity: int | None = None) -> None:
        lines = LineQueue(capacity or QUEUE_LINES)
        super().__init__(lines)
        self.dropped = 0
        self._unreported = 0
        self._lines = lines
        self._sink = sink
        self._writer = LogWriter(lines, sink)
        self._writer.start()

    def prepare(self, record: logging.LogRecord) -> tuple[str, bool]:
        return self.format(record), record.levelno >= logging.WARNING

    def put_line(self, line: str) -> None:
        """Queue an INFO line formatted already (without its line end), as a record's."""
        self.enqueue((line, False))

    def enqueue(self, record: tuple[str, bool]) -> None:  # type: ignore[override]  # a line
        if self._unreported:
            with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
                self._enqueue_after_drops(record)
            return
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
                self._count_drop()

    def close(self) -> None:
        # The writer stops last, after everything else has logged (logging.shutdown, at exit).
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            if self._unreported:
                self._lines.put_past_capacity((self._drop_notice(self._unreported), True))
                self._unreported = 0
        if self._writer.stop_within(STOP_SECONDS):
            self._sink.close()
        else:
            self._sink.abandon()
        super().close()

    def _enqueue_after_drops(self, record: tuple[str, bool]) -> None:
        try:
            if self._unreported:
                self.queue.put_nowait((self._drop_notice(self._unreported), True))
                self._unreported = 0
            self.queue.put_nowait(record)
        except queue.Full:
            self._count_drop()

    def _count_drop(self) -> None:
        self.dropped += 1
        self._unreported += 1

    def _drop_notice(self, count: int) -> str:
        notice = logging.LogRecord(
            "mlprep.logs",
            logging.WARNING,
            __file__,
            0,
            "%d log lines were dropped: the output (stderr) did not take them in time",
            (count,),
            None,
        )
        return self.format(notice)


def dropped_log_lines() -> int:
    """How many lines the server's logging has dropped for want of an output that takes them."""
    return sum(h.dropped for h in logging.root.handlers if isinstance(h, QueuedLogHandler))


def configure_logging(level: str = "info", log_format: LogFormat = LogFormat.TEXT) -> None:
    """Send every logger's records at `level` and above to stderr in `log_format`, through a
    queue and a thread of their own (`QueuedLogHandler`)."""
    handler = QueuedLogHandler(BatchedStreamHandler(sys.stderr))
    handler.setFormatter(JsonLinesFormatter() if log_format is LogFormat.JSON else TextFormatter())
    # Neither format shows the process or thread; the logging HOWTO's "Optimization" advice:
    # records then skip looking them up (a fifth of the cost of each access-log line).
    logging.logProcesses = logging.logMultiprocessing = logging.logThreads = False
    root = logging.getLogger()
    for previous in root.handlers:
        if isinstance(previous, QueuedLogHandler | BatchedStreamHandler):
            previous.close()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers[:] = []
        uvicorn_logger.propagate = True
