"""All command output goes through here: tables and messages on stdout, diagnostics on stderr,
and the exit codes scripts can rely on."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from typing import Any, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape

out = Console()
err = Console(stderr=True)


def follow_terminal_width() -> None:
    """Take the width from `COLUMNS` as each command starts: rich reads it once, when a console
    is made, and a program that runs several commands in one process (tests do) may change it."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        out.width = err.width = int(columns)


# Exit codes (README: "The command line").
RUN_NOT_COMPLETED = 1  # also: any other failure
USAGE = 2
AUTHENTICATION = 3
NOT_FOUND = 4
CONFLICT = 5
UNREACHABLE = 6
ANSWERS_GO_ROUND = 7  # unattended answers made a run go round in circles; it was aborted


def abort(message: str, code: int = 1) -> NoReturn:
    """Print `message` on stderr and exit with `code` (the one way commands fail)."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def emit_json(value: Any) -> None:
    """Print `value` (wire models included) as JSON, exactly, for scripts (never wrapped)."""
    sys.stdout.write(json.dumps(_plain(value), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def when(moment: datetime | None, now: datetime | None = None, empty: str = "never") -> str:
    """`2026-05-01 14:13 (in 2 days)`: absolute in the instrument's zone, and relative to `now`
    (the instrument's clock, which the simulator may have moved ahead of the wall clock).
    The platform's empty date (year 1) reads `empty`."""
    if moment is None:
        return "-"
    if moment.year == 1:
        return empty
    now = now or datetime.now(UTC)
    return f"{moment:%Y-%m-%d %H:%M} ({relative(moment - now)})"


def relative(delta: Any) -> str:
    """`in 2 days`, `3 hours ago`, `now`: a timedelta as a person says it."""
    seconds = delta.total_seconds()
    ahead = seconds >= 0
    seconds = abs(seconds)
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {text}" if ahead else f"{text} ago"
    return "now"
