"""`mlprep sim ...`: control the simulated instrument (an administrator's token)."""

from __future__ import annotations

from typing import Annotated

import typer

from mlprep.cli import console
from mlprep.cli.console import abort, emit_json, out
from mlprep.cli.remote import remote
from mlprep.contract.maintenance import Channel
from mlprep.contract.simulator import SimulatedOperation, SimulatorFaults

app = typer.Typer(help="Control the simulated instrument (ControlSimulator).", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


@app.command("clock")
def clock(context: typer.Context, as_json: JsonOption = False) -> None:
    """The simulated clock: its time, speed and how far it was moved ahead."""
    with remote(context) as client:
        now = client.simulator_clock()
    if as_json:
        emit_json(now)
        return
    out.print(f"{now.now.isoformat()} (speed {now.speed:g}; {now.offset_seconds:g} s ahead)")


@app.command("advance")
def advance(
    context: typer.Context,
    days: Annotated[float, typer.Option(min=0)] = 0,
    hours: Annotated[float, typer.Option(min=0)] = 0,
    minutes: Annotated[float, typer.Option(min=0)] = 0,
    seconds: Annotated[float, typer.Option(min=0)] = 0,
    as_json: JsonOption = False,
) -> None:
    """Move the clock forward, so that procedures fall due."""
    if not (days or hours or minutes or seconds):
        abort(
            "Say how far: --days, --hours, --minutes or --seconds (e.g. `mlprep sim advance "
            "--days 1`).",
            console.USAGE,
        )
    with remote(context) as client:
        now = client.advance_clock(days, hours, minutes, seconds)
    if as_json:
        emit_json(now)
        return
    out.print(f"The instrument's clock is now {now.now.isoformat()}.")


@app.command("speed")
def speed(
    context: typer.Context,
    value: Annotated[float, typer.Argument(min=0, help="Simulated seconds per real second")],
    as_json: JsonOption = False,
) -> None:
    """Set the clock's speed (0: actions finish at once)."""
    with remote(context) as client:
        now = client.set_clock_speed(value)
    if as_json:
        emit_json(now)
        return
    out.print(f"Speed {now.speed:g}.")


@app.command("fault")
def fault(
    context: typer.Context,
    operation: Annotated[
        SimulatedOperation | None,
        typer.Argument(case_sensitive=False, help="Fail the next operation of this kind"),
    ] = None,
    channel: Annotated[
        Channel | None, typer.Option(case_sensitive=False, help="Only on this channel")
    ] = None,
    message: Annotated[str | None, typer.Option(help="The error's text")] = None,
    rate: Annotated[float | None, typer.Option(min=0, max=1, help="Random fault rate")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed for the random faults")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Forget planned faults; rate 0")] = False,
    as_json: JsonOption = False,
) -> None:
    """Plan a fault for the next operation of a kind, set a random fault rate, or clear them."""
    with remote(context) as client:
        if clear:
            faults = client.clear_faults()
        if rate is not None:
            faults = client.set_fault_rate(rate, seed)
        if operation is not None:
            faults = client.plan_fault(operation, channel, message)
        if not (clear or rate is not None or operation is not None):
            state = client.simulator()  # nothing to change: show them
            faults = SimulatorFaults(
                fault_rate=state.fault_rate,
                fault_seed=state.fault_seed,
                planned_faults=state.planned_faults,
            )
    if as_json:
        emit_json(faults)
        return
    planned = ", ".join(
        f"{f.operation.value}{' on ' + f.channel.value if f.channel else ''}"
        for f in faults.planned_faults
    )
    out.print(f"Fault rate {faults.fault_rate:g}; planned: {planned or 'none'}.")


@app.command("protocol-run")
def protocol_run(
    context: typer.Context,
    duration: Annotated[float, typer.Option(min=0, help="Seconds")] = 1_800,
    tips: Annotated[int, typer.Option(min=0)] = 8,
    transfers: Annotated[int, typer.Option(min=0)] = 24,
    as_json: JsonOption = False,
) -> None:
    """Simulate one protocol run: time passes, counters move, UV may fall due."""
    with remote(context) as client:
        done = client.simulate_protocol_run(duration, tips, transfers)
    if as_json:
        emit_json(done)
        return
    out.print(f"Protocol run {done.id} from {done.started_at:%H:%M} to {done.ended_at:%H:%M}.")


@app.command("counters")
def counters(
    context: typer.Context,
    channel: Annotated[str, typer.Argument(help="Front or Rear")],
    tip_pick_up: Annotated[int | None, typer.Option(min=0)] = None,
    tip_eject: Annotated[int | None, typer.Option(min=0)] = None,
    aspirate: Annotated[int | None, typer.Option(min=0)] = None,
    dispense: Annotated[int | None, typer.Option(min=0)] = None,
    as_json: JsonOption = False,
) -> None:
    """Set some of a channel's counters."""
    given = {
        "tipPickUpCounter": tip_pick_up,
        "tipEjectCounter": tip_eject,
        "aspirateCounter": aspirate,
        "dispenseCounter": dispense,
    }
    with remote(context) as client:
        counter = client.set_channel_counters(
            channel, **{name: value for name, value in given.items() if value is not None}
        )
    if as_json:
        emit_json(counter)
        return
    out.print(
        f"{counter.name.value}: {counter.tip_pick_up_counter} pick-ups, "
        f"{counter.tip_eject_counter} ejects, {counter.aspirate_counter} aspirates, "
        f"{counter.dispense_counter} dispenses."
    )


@app.command("hepa")
def hepa(
    context: typer.Context,
    pressure_drop: Annotated[float, typer.Argument(min=0, help="Pascal (over 150: replace)")],
    as_json: JsonOption = False,
) -> None:
    """Set the pressure drop the HEPA filter check will read."""
    with remote(context) as client:
        reading = client.set_hepa_pressure_drop(pressure_drop)
    if as_json:
        emit_json(reading)
        return
    out.print(f"The HEPA filter check will read {reading.pressure_drop_pa:g} Pa.")


@app.command("reset")
def reset(
    context: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")] = False,
    as_json: JsonOption = False,
) -> None:
    """Factory reset: forget runs, counters and executions (users and the audit trail stay)."""
    if not yes:
        typer.confirm("Forget every run, counter and execution?", abort=True)
    with remote(context) as client:
        state = client.factory_reset()
    if as_json:
        emit_json(state)
        return
    out.print("The simulated instrument is back to its factory state.")
