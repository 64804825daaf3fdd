"""`mlprep procedures ls|show|run|abort`: the maintenance procedures, and running one."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from mlprep.cli import run_procedure
from mlprep.cli.console import emit_json, out, when
from mlprep.cli.remote import remote
from mlprep.contract.maintenance import ProcedureStatus

app = typer.Typer(help="The maintenance procedures: list, show, run, abort.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
# A procedure never executed is due at once (DESIGN §6); its "last executed" already says never.
NEVER_EXECUTED = "now"
Procedure = Annotated[
    str, typer.Argument(help="The procedure's name (any case, or its start) or id")
]


@app.command("ls")
def list_procedures(context: typer.Context, as_json: JsonOption = False) -> None:
    """Every procedure with its status and due date; Expired ones first."""
    with remote(context) as client:
        procedures = client.procedures()
        now = client.health().now
    ordered = sorted(
        procedures, key=lambda p: (p.status is not ProcedureStatus.EXPIRED, p.due_date_time)
    )
    if as_json:
        emit_json(ordered)
        return
    table = Table("Procedure", "Status", "Last executed", "Due")
    table.columns[0].no_wrap = True
    for procedure in ordered:
        style = "red" if procedure.status is ProcedureStatus.EXPIRED else "green"
        table.add_row(
            procedure.name,
            f"[{style}]{procedure.status.value}[/{style}]",
            when(procedure.last_execution_time, now),
            when(procedure.due_date_time, now, NEVER_EXECUTED),
        )
    out.print(table)


@app.command("show")
def show(context: typer.Context, procedure: Procedure, as_json: JsonOption = False) -> None:
    """One procedure: what it is for, its status, when it last ran and falls due."""
    with remote(context) as client:
        details = client.procedure(client.find_procedure(procedure).id)
        now = client.health().now
    if as_json:
        emit_json(details)
        return
    out.print(f"[bold]{details.name}[/bold] ({details.id})")
    out.print(details.info)
    out.print(f"Status:        {details.status.value}")
    out.print(f"Last executed: {when(details.last_execution_time, now)}")
    out.print(f"Due:           {when(details.due_date_time, now, NEVER_EXECUTED)}")


app.command("run")(run_procedure.run)


@app.command("abort")
def abort_run(context: typer.Context, as_json: JsonOption = False) -> None:
    """Abort the run in progress at its next safe point (exit 5 when none runs)."""
    with remote(context) as client:
        current = client.current_run()
        client.abort()
    name = current.procedure_name if current else "the run"
    if as_json:
        emit_json({"aborted": current.id if current else None})
        return
    out.print(f"Asked {name} to abort; it stops at its next safe point.")
