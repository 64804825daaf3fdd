"""All command output goes through here: tables and messages on stdout, diagnostics on stderr."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

out = Console()
err = Console(stderr=True)


def abort(message: str, code: int = 1) -> NoReturn:
    """Print `message` on stderr and exit with `code` (the one way commands fail)."""
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)
