"""`mlprep errors`, `counters ls|reset`, `uv options|get|set` and `runs ls|show|follow`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from mlprep.cli import console, run_procedure
from mlprep.cli.console import abort, emit_json, out, when
from mlprep.cli.remote import remote
from mlprep.cli.run_procedure import report
from mlprep.contract.maintenance import UvInterval

if TYPE_CHECKING:
    from mlprep.client import PrepClient

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
counters = typer.Typer(help="The channels' usage counters.", no_args_is_help=True)
uv = typer.Typer(help="The UV decontamination routine's interval.", no_args_is_help=True)
runs = typer.Typer(help="The run history.", no_args_is_help=True)
# What each UV setting means (the vendor's descriptions repeat the names: "Never: Never").
UV_MEANINGS = {
    UvInterval.NEVER: "never (it stays Ok)",
    UvInterval.EVERY_PROTOCOL_RUN: "after every protocol run",
    UvInterval.DAILY: "once a day",
    UvInterval.WEEKLY: "once a week",
}
SHORT_ID = 8  # as `runs ls` shows ids; `runs show` takes any unique start of one
FULL_ID = 32
PAGE = 200


def errors(context: typer.Context, as_json: JsonOption = False) -> None:
    """The errors of the current run, else of the latest one."""
    with remote(context) as client:
        found = client.errors()
        now = client.health().now
    if as_json:
        emit_json(found)
        return
    if not found:
        out.print("No errors.")
        return
    table = Table("Raised", "Step", "Channel", "Error", "Recovery")
    for error in found:
        channel = error.channel.value if error.channel else "-"
        table.add_row(
            when(error.raised_at, now), str(error.step), channel, error.response, error.message
        )
    out.print(table)


@counters.command("ls")
def list_counters(context: typer.Context, as_json: JsonOption = False) -> None:
    """Each channel's tip pick-ups, ejects, aspirates and dispenses."""
    with remote(context) as client:
        found = client.channel_counters()
    if as_json:
        emit_json(found)
        return
    table = Table("Channel", "Tip pick-ups", "Tip ejects", "Aspirates", "Dispenses")
    for counter in found:
        table.add_row(
            counter.name.value,
            str(counter.tip_pick_up_counter),
            str(counter.tip_eject_counter),
            str(counter.aspirate_counter),
            str(counter.dispense_counter),
        )
    out.print(table)


@counters.command("reset")
def reset_counters(
    context: typer.Context,
    channel: Annotated[str, typer.Argument(help="Front or Rear (or 1, 2)")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")] = False,
    as_json: JsonOption = False,
) -> None:
    """Reset one channel's four counters to zero (after replacing its parts)."""
    if not yes:
        typer.confirm(f"Reset the counters of channel {channel}?", abort=True)
    with remote(context) as client:
        client.reset_channel_counters(channel)
        found = client.channel_counters()
    if as_json:
        emit_json(found)
        return
    out.print(f"Reset the counters of channel {channel}.")


@uv.command("options")
def uv_options(context: typer.Context, as_json: JsonOption = False) -> None:
    """The intervals the UV routine can be set to."""
    with remote(context) as client:
        options = client.uv_routine_interval_options()
    if as_json:
        emit_json(options)
        return
    current = _current_uv_interval(context)
    table = Table("Interval", "UV Decontamination falls due", box=None, show_header=False)
    for option in options:
        meaning = UV_MEANINGS.get(option.name, option.description)
        marker = " (the setting now)" if option.name is current else ""
        table.add_row(option.name.value, f"{meaning}{marker}")
    out.print(table)


def _current_uv_interval(context: typer.Context) -> UvInterval | None:
    with remote(context) as client:
        return client.uv_routine_settings().interval


@uv.command("get")
def uv_get(context: typer.Context, as_json: JsonOption = False) -> None:
    """The UV routine's interval."""
    with remote(context) as client:
        settings = client.uv_routine_settings()
    if as_json:
        emit_json(settings)
        return
    out.print(settings.interval.value)


@uv.command("set")
def uv_set(
    context: typer.Context,
    interval: Annotated[UvInterval, typer.Argument(case_sensitive=False, help="The new interval")],
    as_json: JsonOption = False,
) -> None:
    """Set the UV routine's interval."""
    with remote(context) as client:
        client.set_uv_routine_settings(interval)
        settings = client.uv_routine_settings()
    if as_json:
        emit_json(settings)
        return
    out.print(f"The UV routine is now {settings.interval.value}.")


runs.command("follow")(run_procedure.follow)


@runs.command("ls")
def list_runs(
    context: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="How many newer ones to skip")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Past and current runs, newest first."""
    with remote(context) as client:
        page = client.runs(offset, limit)
        now = client.health().now
    if as_json:
        emit_json(page)
        return
    table = Table("Run", "Procedure", "State", "Started", "By")
    table.columns[0].no_wrap = True
    for item in page.items:
        table.add_row(
            item.id[:SHORT_ID],
            item.procedure_name,
            item.state.value,
            when(item.started_at, now),
            item.started_by or "-",
        )
    out.print(table)
    out.print(f"[dim]{len(page.items)} of {page.total} runs.[/dim]")


@runs.command("show")
def show_run(
    context: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run's id, or its start (from `runs ls`)")],
    as_json: JsonOption = False,
) -> None:
    """One run: its views with their answers, what was entered and measured, its errors."""
    with remote(context) as client:
        found = client.run(_full_run_id(client, run_id))
        now = client.health().now
    if as_json:
        emit_json(found)
        return
    report(found)
    out.print(f"[dim]Run {found.id}[/dim]", highlight=False)
    for view in found.views:
        answer = view.result.value if view.result else "(open)"
        given = f" {view.input!r}" if view.input else ""
        out.print(f"  [dim]{when(view.created_at, now)}[/dim] {view.title}: {answer}{given}")


def _full_run_id(client: PrepClient, run_id: str) -> str:
    """The id of the one run whose id starts with `run_id` (a whole id is taken as it is)."""
    wanted = run_id.strip().lower()
    if len(wanted) >= FULL_ID:
        return wanted
    matches: list[str] = []
    offset = 0
    while True:
        page = client.runs(offset, PAGE)
        matches += [item.id for item in page.items if item.id.startswith(wanted)]
        offset += len(page.items)
        if not page.items or offset >= page.total or len(matches) > 1:
            break
    if len(matches) == 1:
        return matches[0]
    if not matches:
        abort(
            f"There is no run whose id starts with '{run_id}' (see `mlprep runs ls`).",
            console.NOT_FOUND,
        )
    abort(f"More than one run's id starts with '{run_id}': give more of it.", console.USAGE)
