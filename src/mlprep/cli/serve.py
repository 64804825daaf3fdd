"""`mlprep serve`: the server, its database and the simulated instrument."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from mlprep.api.app import create_app
from mlprep.cli.console import err
from mlprep.services import open_services, prepare_first_start
from mlprep.settings import Settings


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
) -> None:
    """Run the server (first start creates the data directory, secret and `admin` user)."""
    settings = Settings.with_overrides(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        token_minutes=token_minutes,
    )
    services = open_services(settings)
    try:
        generated = prepare_first_start(services)
    finally:
        services.close()
    if generated:
        err.print(
            f"First start: created user [bold]admin[/bold] with password [bold]{generated}[/bold] "
            f"(also written to {settings.data_dir / 'initial-admin-password'})."
        )
    err.print(
        f"mlprep: serving http://{settings.host}:{settings.port} "
        f"(data in {settings.data_dir}; simulated instrument)"
    )
    # uvicorn handles SIGINT/SIGTERM: it stops accepting, finishes requests, runs the lifespan's
    # shutdown (which closes the database) and exits 0.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
    )
