"""Running the server: what `mlprep serve` does once the server's packages are known to be there."""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import re
import signal
import socket
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from mlprep.api.app import create_app, end_event_streams
from mlprep.cli.console import abort, err
from mlprep.errors import MlprepError
from mlprep.logs import configure_logging
from mlprep.services import open_services, prepare_first_start
from mlprep.settings import Settings

# Connections still open this long after a stop was asked for are cut: a backstop, since the event
# streams end on their own and no other request takes long.
GRACEFUL_SHUTDOWN_SECONDS = 5
STREAM_GOODBYE_SECONDS = 0.1
STARTUP_FAILURE = 3  # uvicorn's exit status when it cannot start (e.g. the port is taken)
QUERY_TOKEN = re.compile(r"(access_token=)[^&\s\"]+")
logger = logging.getLogger("mlprep.serve")


def run_server(**overrides: Any) -> None:
    """Run the server with these settings over the environment's (what `mlprep serve` does)."""
    settings = _settings(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    # Before anything is created: a busy port must not leave a data directory and a user behind.
    _ensure_port_free(settings.host, settings.port)
    try:
        services = open_services(settings)
    except Exception as error:  # the database is unreachable or the data dir unwritable
        abort(f"cannot open the database {settings.resolved_database_url()!r}: {error}")
    try:
        generated = prepare_first_start(services)
    except MlprepError as error:
        services.close()
        abort(error.detail)
    if generated:
        err.print(
            f"First start: created user [bold]admin[/bold] with password [bold]{generated}[/bold] "
            f"(also written to {settings.data_dir / 'initial-admin-password'})."
        )
    logger.info(
        "serving http://%s:%d (data in %s; simulated instrument)",
        settings.host,
        settings.port,
        settings.data_dir,
    )
    # uvicorn handles SIGINT/SIGTERM: it stops accepting, finishes requests, runs the lifespan's
    # shutdown (which closes the database), then raises the signal again under the handler that
    # was in place before; this one turns that SIGTERM into the exit status 0 of a clean stop.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    # The app's lifespan takes these services over (and closes them at the end): opening them a
    # second time would load the same state again.
    app = create_app(settings, services_factory=lambda _settings: services)
    server = _Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,  # configure_logging has set the handlers and the level
            access_log=False,  # mlprep.access logs each request instead
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        ),
        app,
    )
    # uvicorn logs each WebSocket's path with its query, where browsers put their token.
    logging.getLogger("uvicorn.error").addFilter(_redact_query_tokens)
    # The app and its services live as long as the server, as do the modules frozen at import
    # (cli/serve.py): leave them out of the collector's full passes too, each of which went over
    # them for ~90 ms and held every request that long (bench/README.md).
    gc.freeze()
    server.run()
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)  # uvicorn has logged why


def _ensure_port_free(host: str, port: int) -> None:
    """Exit with a plain message if `host:port` cannot be listened on (taken, or not ours)."""
    if port == 0:
        return  # any free port
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        abort(f"cannot listen on {host!r}: {error.strerror}; check --host or MLPREP_HOST.", code=2)
    family, kind, protocol, _name, address = addresses[0]
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                abort(
                    f"port {port} on {host} is already in use (another mlprep, or another "
                    "program); choose another with --port or MLPREP_PORT, e.g. --port "
                    f"{port + 1}.",
                    code=2,
                )
            abort(f"cannot listen on {host}:{port}: {error.strerror}.", code=2)


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings.with_overrides(**overrides)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors()
        )
        abort(f"invalid configuration: {problems}", code=2)


class _Server(uvicorn.Server):
    """uvicorn's server, ending the event streams as soon as it stops.

    uvicorn lets open connections finish before it runs the application's shutdown, and an event
    stream never finishes by itself, so the streams are ended first.
    """

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        end_event_streams(self._app)
        # Let the streams say goodbye (WebSocket close 1001) before uvicorn closes every
        # connection itself (with 1012).
        await asyncio.sleep(STREAM_GOODBYE_SECONDS)
        await super().shutdown(sockets)


def _redact_query_tokens(record: logging.LogRecord) -> bool:
    message = record.getMessage()
    if "access_token=" in message:
        record.msg, record.args = QUERY_TOKEN.sub(r"\1[redacted]", message), ()
    return True


def _exit_cleanly(_signal: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)
