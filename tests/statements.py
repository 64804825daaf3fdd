"""Counting the SQL statements an engine executes: "no query per request" is behaviour a test
can assert (it never asserts timings)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def statements_on(engine: Engine) -> Iterator[list[str]]:
    """The statements `engine` executes inside the block, in order."""
    executed: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        executed.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield executed
    finally:
        event.remove(engine, "before_cursor_execute", record)
