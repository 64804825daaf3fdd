"""`mlprep status`: the instrument, what is due, and the run in progress, at a glance."""

from __future__ import annotations

from typing import Annotated

import typer

from mlprep.cli.console import emit_json, out, when
from mlprep.cli.remote import remote
from mlprep.contract.maintenance import ProcedureStatus


def status(
    context: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """The server and instrument, the procedures due, and the run in progress."""
    with remote(context) as client:
        health = client.health()
        procedures = client.procedures()
        current = client.current_run()
    due = [p for p in procedures if p.status is ProcedureStatus.EXPIRED]
    if as_json:
        emit_json({"health": health, "due": due, "procedures": procedures, "currentRun": current})
        return
    kind = "simulated" if health.simulated else "real"
    out.print(
        f"{health.serial_number} ({kind} instrument), server {health.version}: "
        f"{health.status} (database {health.database})"
    )
    if due:
        out.print(f"[bold]Due now ({len(due)}):[/bold]")
        for procedure in sorted(due, key=lambda p: p.due_date_time):
            if procedure.last_execution_time.year == 1:
                out.print(f"  {procedure.name}: never executed")
            else:
                out.print(
                    f"  {procedure.name}: due since {when(procedure.due_date_time, health.now)}"
                )
    else:
        upcoming = min(procedures, key=lambda p: p.due_date_time, default=None)
        after = (
            f"; next: {upcoming.name}, {when(upcoming.due_date_time, health.now)}"
            if upcoming
            else ""
        )
        out.print(f"Nothing is due{after}.")
    if current is None:
        out.print("No run in progress.")
        return
    step = f"step {current.progress.step}/{current.progress.step_count}"
    title = current.progress.step_title or ""
    out.print(f"Running: {current.procedure_name} ({current.state.value}, {step}: {title})")
    if current.open_view is not None:
        out.print(f"  Waiting for an answer to '{current.open_view.title}'.")
