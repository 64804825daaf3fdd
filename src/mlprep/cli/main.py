"""The `mlprep` command: one sub-command or group per module.

Every command but `serve` (and `users` on a data directory) talks to a server through
`mlprep.client`, so a client-only install (`pip install mlprep`) has them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from mlprep.cli import events, login, maintenance, procedures, serve, simulator, status, users
from mlprep.cli.console import follow_terminal_width
from mlprep.cli.remote import CliState

if TYPE_CHECKING:
    from typer._click.core import Context  # the click that typer carries

# The options of the `mlprep` callback, which people also type after the command
# (`mlprep procedures ls --profile lab`), as they do with most command lines.
GLOBAL_OPTIONS = ("--profile", "--url")


def hoist_global_options(args: list[str]) -> list[str]:
    """`args` with the global options (and their values) moved in front of the command, wherever
    they were typed; nothing after a `--` is touched."""
    hoisted: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS and "=" in arg:
            hoisted.append(arg)
        elif name in GLOBAL_OPTIONS and index + 1 < len(args):
            hoisted += args[index : index + 2]
            index += 1
        else:
            rest.append(arg)
        index += 1
    return hoisted + rest


class MlprepGroup(TyperGroup):
    """The root command, which takes its options before or after the sub-command."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))


app = typer.Typer(
    cls=MlprepGroup,
    name="mlprep",
    help="mlprep: the ML Prep API (v1) maintenance operations with a simulated instrument.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    context: typer.Context,
    profile: Annotated[
        str,
        typer.Option(
            envvar="MLPREP_PROFILE",
            help="Which saved server and login to use (before or after the command)",
        ),
    ] = "default",
    url: Annotated[
        str | None,
        typer.Option(envvar="MLPREP_URL", help="The server, over the profile's (before or after)"),
    ] = None,
) -> None:
    """Talk to an mlprep server (or run one: `mlprep serve`)."""
    follow_terminal_width()
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
