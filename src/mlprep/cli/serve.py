"""`mlprep serve`: the server, its database and the simulated instrument.

The server's packages (FastAPI, SQLAlchemy, uvicorn, ...) come with `pip install 'mlprep[server]'`;
a client-only install has this command too, and it says how to get them (`server_imports`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlprep.cli.server_imports import server_imports
from mlprep.events.access import EventsAuth
from mlprep.logs import LEVELS, LogFormat


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [MLPREP_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [MLPREP_PORT]")] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where the database and secrets live [MLPREP_DATA_DIR]")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL, e.g. postgresql://… [MLPREP_DATABASE_URL]")
    ] = None,
    token_minutes: Annotated[
        int | None, typer.Option(help="Token lifetime in minutes [MLPREP_TOKEN_MINUTES]")
    ] = None,
    inactive_logout: Annotated[
        float | None,
        typer.Option(
            help="Minutes a login may go unused before its tokens stop working; 0: never "
            "[MLPREP_INACTIVE_LOGOUT]"
        ),
    ] = None,
    logout_countdown: Annotated[
        float | None,
        typer.Option(help="Minutes of warning before that logout [MLPREP_LOGOUT_COUNTDOWN]"),
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(
            help="Simulated time per real second; 0 = actions finish at once [MLPREP_SPEED]"
        ),
    ] = None,
    fault_rate: Annotated[
        float | None, typer.Option(help="Chance (0-1) that an action faults [MLPREP_FAULT_RATE]")
    ] = None,
    fault_seed: Annotated[
        int | None, typer.Option(help="Seed that makes faults repeatable [MLPREP_FAULT_SEED]")
    ] = None,
    channels: Annotated[
        int | None, typer.Option(help="Pipetting channels present: 1 or 2 [MLPREP_CHANNELS]")
    ] = None,
    serial_number: Annotated[
        str | None, typer.Option(help="The instrument's serial number [MLPREP_SERIAL_NUMBER]")
    ] = None,
    time_zone: Annotated[
        str | None, typer.Option(help="IANA time zone, e.g. America/Denver [MLPREP_TIME_ZONE]")
    ] = None,
    fresh_install: Annotated[
        bool | None,
        typer.Option(
            "--fresh-install/--no-fresh-install",
            help="First start leaves the procedure list empty [MLPREP_FRESH_INSTALL]",
        ),
    ] = None,
    standby: Annotated[
        bool | None,
        typer.Option(
            "--standby/--no-standby",
            help="On PostgreSQL, wait while another server drives the instrument and take over "
            "when it stops [MLPREP_STANDBY]",
        ),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option(help=f"Least severe level logged: {', '.join(LEVELS)} [MLPREP_LOG_LEVEL]"),
    ] = None,
    log_format: Annotated[
        LogFormat | None,
        typer.Option(help="Log lines as text or JSON objects [MLPREP_LOG_FORMAT]"),
    ] = None,
    events_auth: Annotated[
        EventsAuth | None,
        typer.Option(
            help="Whether the instrument's WebSockets need a token: none (as the instrument) "
            "or token [MLPREP_EVENTS_AUTH]"
        ),
    ] = None,
    header_timeout: Annotated[
        float | None,
        typer.Option(
            help="Seconds a connection has to send a whole request head [MLPREP_HEADER_TIMEOUT]"
        ),
    ] = None,
    idle_timeout: Annotated[
        float | None,
        typer.Option(
            help="Seconds a connection may stay idle between requests [MLPREP_IDLE_TIMEOUT]"
        ),
    ] = None,
    send_timeout: Annotated[
        float | None,
        typer.Option(
            help="Seconds a client may take none of what is sent to it (an event stream too) "
            "before it is cut off [MLPREP_SEND_TIMEOUT]"
        ),
    ] = None,
    max_connections: Annotated[
        int | None,
        typer.Option(
            help="Connections open at once; more are refused with 503 (default: as many as "
            "the open-file limit leaves room for) [MLPREP_MAX_CONNECTIONS]"
        ),
    ] = None,
) -> None:
    """Run the server (first start creates the data directory, secret and `admin` user)."""
    with server_imports():
        from mlprep.cli.server import run_server
    run_server(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        token_minutes=token_minutes,
        inactive_logout=inactive_logout,
        logout_countdown=logout_countdown,
        speed=speed,
        fault_rate=fault_rate,
        fault_seed=fault_seed,
        channels=channels,
        serial_number=serial_number,
        time_zone=time_zone,
        fresh_install=fresh_install,
        standby=standby,
        log_level=log_level.lower() if log_level else None,
        log_format=log_format,
        events_auth=events_auth,
        header_timeout=header_timeout,
        idle_timeout=idle_timeout,
        send_timeout=send_timeout,
        max_connections=max_connections,
    )
