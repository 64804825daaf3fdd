"""The `mlprep` command: one sub-command or group per module."""

from __future__ import annotations

import typer

from mlprep.cli import serve, users

app = typer.Typer(
    name="mlprep",
    help="mlprep: the ML Prep API (v1) maintenance operations with a simulated instrument.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.add_typer(users.app, name="users")
