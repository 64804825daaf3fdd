"""The `mlprep` command: one sub-command or group per module.

Every command but `serve` (and `users` on a data directory) talks to a server through
`mlprep.client`, so a client-only install (`pip install mlprep`) has them all.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mlprep.cli import events, login, maintenance, procedures, serve, simulator, status, users
from mlprep.cli.remote import CliState

app = typer.Typer(
    name="mlprep",
    help="mlprep: the ML Prep API (v1) maintenance operations with a simulated instrument.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    context: typer.Context,
    profile: Annotated[
        str, typer.Option(envvar="MLPREP_PROFILE", help="Which saved server and token to use")
    ] = "default",
    url: Annotated[
        str | None, typer.Option(envvar="MLPREP_URL", help="The server, over the profile's")
    ] = None,
) -> None:
    """Talk to an mlprep server (or run one: `mlprep serve`)."""
    context.obj = CliState(profile_name=profile, url=url)


app.command("serve")(serve.serve)
app.command("login")(login.login)
app.command("logout")(login.logout)
app.command("profiles")(login.profiles)
app.command("status")(status.status)
app.add_typer(procedures.app, name="procedures")
app.command("errors")(maintenance.errors)
app.add_typer(maintenance.counters, name="counters")
app.add_typer(maintenance.uv, name="uv")
app.add_typer(maintenance.runs, name="runs")
app.command("events")(events.events)
app.add_typer(users.app, name="users")
app.add_typer(simulator.app, name="sim")
