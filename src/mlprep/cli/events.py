"""`mlprep events`: follow the instrument's events as they happen."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from mlprep.cli.console import out
from mlprep.cli.remote import remote


def events(
    context: typer.Context,
    code: Annotated[
        list[str] | None,
        typer.Option("--code", "-c", help="Only events with this code (repeatable)"),
    ] = None,
    count: Annotated[int | None, typer.Option(min=1, help="Stop after this many events")] = None,
    timeout: Annotated[
        float | None, typer.Option(min=0, help="Stop after this many seconds without an event")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
) -> None:
    """Print events as they come (Ctrl-C stops): views opening and closing, state, counters,
    errors. Reconnects by itself; a `reconnected` line says events may have been missed."""
    from mlprep.client.events import STREAMS  # the WebSocket client, only when it is needed

    seen = 0
    with remote(context) as client, client.events(STREAMS, code) as subscription:
        while count is None or seen < count:
            event = subscription.next(timeout=timeout)
            if event is None:
                break
            seen += 1
            if as_json:
                line = {
                    "stream": event.stream,
                    "code": event.code,
                    "description": event.description,
                    "data": event.data,
                }
                sys.stdout.write(json.dumps(line) + "\n")
                sys.stdout.flush()
            else:
                out.print(f"[bold]{event.code}[/bold] {event.description}", highlight=False)
