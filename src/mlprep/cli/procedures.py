"""`mlprep procedures ls|show|run|abort`: the maintenance procedures, and running one."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from mlprep.cli import console
from mlprep.cli.console import abort, emit_json, out, when
from mlprep.cli.remote import remote
from mlprep.cli.run_terminal import (
    ErrorPolicyAnswers,
    RunDisplay,
    UnattendedAnswers,
    ask,
    interactive,
)
from mlprep.client.runs import ERROR_RESULTS
from mlprep.contract.maintenance import ProcedureStatus
from mlprep.contract.runs import Run, RunState

app = typer.Typer(help="The maintenance procedures: list, show, run, abort.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
NEVER_EXECUTED = "now (never executed)"
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


@app.command("run")
def run(
    context: typer.Context,
    procedure: Procedure,
    answer: Annotated[
        str | None,
        typer.Option(help="Answer every view with this result where allowed, else Ok (unattended)"),
    ] = None,
    input_text: Annotated[
        str | None, typer.Option("--input", help="The text for views that ask for input")
    ] = None,
    on_error: Annotated[
        str | None,
        typer.Option(help="Answer Error views: retry, continue or abort (unattended: abort)"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a procedure to its end, asking each view at the terminal (or answering it from the
    options). Exits 0 when it completed, 1 when it ended Aborted or Failed."""
    if on_error is not None and on_error.lower() not in ERROR_RESULTS:
        abort(f"--on-error must be retry, continue or abort, not {on_error!r}.", console.USAGE)
    unattended = as_json or answer is not None or input_text is not None or not interactive()
    answerer = UnattendedAnswers(answer, input_text, announce=not as_json) if unattended else ask
    policy = on_error or ("abort" if unattended else None)
    on_error_views = ErrorPolicyAnswers(policy, announce=not as_json) if policy else None
    display = RunDisplay(show=not as_json)
    with remote(context) as client:
        try:
            finished = client.run_procedure(
                procedure,
                answerer,
                on_error=on_error_views,
                on_update=display.update,
                poll_seconds=0.5,
            )
        finally:
            display.close()
    if as_json:
        emit_json(finished)
    else:
        report(finished)
    if finished.state is not RunState.COMPLETED:
        raise typer.Exit(console.RUN_NOT_COMPLETED)


def report(run: Run) -> None:
    """The outcome of a run: its state, what was entered and measured, and its errors."""
    style = "green" if run.state is RunState.COMPLETED else "red"
    took = ""
    if run.ended_at is not None:
        took = f" in {(run.ended_at - run.started_at).total_seconds():.0f} s"
    out.print(f"{run.procedure_name}: [{style}]{run.state.value}[/{style}]{took}.")
    for name, value in run.inputs.items():
        out.print(f"  {name}: {value}")
    for error in run.errors:
        out.print(f"  [red]Error[/red] at step {error.step}: {error.response} ({error.message})")


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
