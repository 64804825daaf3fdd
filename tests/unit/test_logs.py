"""The server's log lines are written in batches, but none is lost or late: a warning goes out at
once with everything before it, the rest within a moment, and whatever waits at close."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Iterator

import pytest

from mlprep import logs
from mlprep.api.access_log import log_access
from mlprep.logs import BatchedStreamHandler, TextFormatter


@pytest.fixture
def stream() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def logger(stream: io.StringIO) -> Iterator[tuple[logging.Logger, BatchedStreamHandler]]:
    handler = BatchedStreamHandler(stream)
    handler.setFormatter(TextFormatter())
    logger = logging.getLogger("mlprep.test-logs")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.handlers[:] = [handler]
    yield logger, handler
    handler.close()
    logger.handlers[:] = []


def record(name: str, message: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 0, message, None, None)


def wait_for(stream: io.StringIO, lines: int) -> list[str]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        written = stream.getvalue().splitlines()
        if len(written) >= lines:
            return written
        time.sleep(0.01)
    return stream.getvalue().splitlines()


def test_lines_are_written_within_a_moment_in_order(
    logger: tuple[logging.Logger, BatchedStreamHandler], stream: io.StringIO
) -> None:
    log, _handler = logger
    for number in range(3):
        log.info("request %d", number)

    written = wait_for(stream, 3)

    assert [line.split(": ", 1)[1] for line in written] == [
        "request 0",
        "request 1",
        "request 2",
    ]


def test_a_warning_is_written_at_once_with_what_came_before(
    stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "FLUSH_SECONDS", 3600.0)  # no periodic write during the test
    handler = BatchedStreamHandler(stream)
    handler.setFormatter(TextFormatter())
    handler.handle(record("mlprep.access", "before"))
    assert stream.getvalue() == ""

    handler.handle(record("mlprep.api", "the database is not answering", logging.WARNING))

    written = stream.getvalue().splitlines()
    assert written[0].endswith("mlprep.access: before")
    assert written[1].endswith("WARNING mlprep.api: the database is not answering")
    handler.close()


def test_closing_writes_what_waits(stream: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "FLUSH_SECONDS", 3600.0)
    handler = BatchedStreamHandler(stream)
    handler.setFormatter(TextFormatter())
    handler.handle(record("mlprep.access", "GET / 200 0.1ms"))
    assert stream.getvalue() == ""

    handler.close()

    assert stream.getvalue().endswith("mlprep.access: GET / 200 0.1ms\n")


def test_the_time_stamp_is_the_records_own_to_the_millisecond() -> None:
    formatter = TextFormatter()
    first = logging.makeLogRecord({"msg": "a", "created": 1_700_000_000.123, "msecs": 123.0})
    second = logging.makeLogRecord({"msg": "b", "created": 1_700_000_000.987, "msecs": 987.0})
    third = logging.makeLogRecord({"msg": "c", "created": 1_700_000_001.004, "msecs": 4.0})

    stamps = [formatter.formatTime(record) for record in (first, second, third)]

    plain = logging.Formatter()
    assert stamps == [plain.formatTime(record) for record in (first, second, third)]


def access_lines(
    stream: io.StringIO, monkeypatch: pytest.MonkeyPatch, log_format: logs.LogFormat
) -> tuple[str, str]:
    """The access-log line of one request as the server writes it, and the line its record
    makes when it goes through the logger (a filter on the logger asks for records)."""
    monkeypatch.setattr("sys.stderr", stream)
    monkeypatch.setattr(time, "time", lambda: 1_796_045_086.447)
    monkeypatch.setattr(logging.root, "handlers", [])
    level = logging.root.level
    logs.configure_logging("info", log_format)
    scope = {"type": "http", "method": "GET", "path": "/api/v1/maintenance", "client": ("::1", 1)}
    try:
        log_access(scope, 200, time.perf_counter())
        access = logging.getLogger("mlprep.access")
        access.addFilter(lambda _record: True)
        try:
            log_access(scope, 404, time.perf_counter())
        finally:
            access.filters.clear()
    finally:
        logging.root.handlers[0].close()
        logging.root.setLevel(level)  # (which also clears the loggers' cached levels)
    direct, through_logger = stream.getvalue().splitlines()
    return direct, through_logger


def test_an_access_line_is_the_same_with_or_without_a_record(
    stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    direct, through_logger = access_lines(stream, monkeypatch, logs.LogFormat.TEXT)

    assert (
        direct.startswith("2026-")
        and " INFO    mlprep.access: GET /api/v1/maintenance 200 " in direct
    )
    assert through_logger == direct.replace(" 200 ", " 404 ")
    assert direct.split(" ", 2)[1] == time.strftime("%H:%M:%S,447", time.localtime(1_796_045_086))


def test_json_access_lines_keep_their_fields(
    stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = access_lines(stream, monkeypatch, logs.LogFormat.JSON)

    fields = [json.loads(line) for line in lines]
    assert [(f["method"], f["path"], f["status"], f["client"]) for f in fields] == [
        ("GET", "/api/v1/maintenance", 200, "::1"),
        ("GET", "/api/v1/maintenance", 404, "::1"),
    ]


class StuckStream(io.StringIO):
    """An output that takes nothing until `accept` is set (a pipe nobody reads)."""

    def __init__(self) -> None:
        super().__init__()
        self.accept = threading.Event()

    def write(self, text: str) -> int:
        self.accept.wait()
        return super().write(text)


def test_a_stuck_output_never_holds_the_logger_and_every_dropped_line_is_told() -> None:
    stream = StuckStream()
    handler = logs.QueuedLogHandler(logs.BatchedStreamHandler(stream), capacity=10)
    handler.setFormatter(TextFormatter())
    started = time.monotonic()
    for number in range(100):
        handler.handle(record("mlprep.access", f"request {number}"))
    handler.put_line("a line written straight")
    assert time.monotonic() - started < 5  # nothing waited for the output
    assert handler.dropped >= 100 - 10 - 1  # at most one line in the writer's hands

    stream.accept.set()
    wait_for(stream, 10)  # the writer has taken what waited
    handler.handle(record("mlprep.access", "after"))
    handler.close()

    written = stream.getvalue().splitlines()
    counts = [int(line.split(": ", 1)[1].split()[0]) for line in written if "were dropped" in line]
    assert sum(counts) == handler.dropped
    assert written[-1].endswith("mlprep.access: after")
    shown = [line for line in written if "were dropped" not in line]
    assert len(shown) + handler.dropped == 100 + 2  # the requests, the straight line, "after"


def test_the_queue_is_written_at_close_and_the_writer_stops() -> None:
    stream = io.StringIO()
    handler = logs.QueuedLogHandler(logs.BatchedStreamHandler(stream))
    handler.setFormatter(TextFormatter())
    for number in range(1000):
        handler.handle(record("mlprep.access", f"request {number}"))

    handler.close()

    assert len(stream.getvalue().splitlines()) == 1000
    assert not any(thread.name == "log-writer" for thread in threading.enumerate())
