"""Running the server: what `mlprep serve` does once the server's packages are known to be there.

The server first takes the lock that makes it the one driving its instrument (store/server_lock.py),
before it changes anything. The database is opened next, with SQLAlchemy alone; then the first
start (the `admin` user with its argon2 hash, the catalogue) is prepared on a thread of its own
while this one imports the web stack (`cli/web.py`): argon2 releases the GIL, and the import is
about half of a start. A start that fails says why in one line, never with a traceback.
"""

from __future__ import annotations

import errno
import logging
import signal
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any

from pydantic import ValidationError

from mlprep.auth.users import INITIAL_PASSWORD_FILE
from mlprep.cli.console import CONFLICT, abort, err
from mlprep.cli.server_imports import server_imports
from mlprep.errors import DatabaseUnavailableError, MlprepError, StartupError
from mlprep.logs import configure_logging
from mlprep.services import open_services, prepare_first_start, take_server_lock
from mlprep.settings import Settings
from mlprep.store.database import is_disk_full
from mlprep.store.server_lock import ServerIdentity, ServerLock, sqlite_path

STARTUP_FAILURE = 3  # uvicorn's exit status when it cannot start (e.g. the port is taken)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
logger = logging.getLogger("mlprep.serve")


def run_server(**overrides: Any) -> None:
    """Run the server with these settings over the environment's (what `mlprep serve` does)."""
    settings = _settings(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    # Before anything is created: a busy port must not leave a data directory and a user behind.
    _ensure_port_free(settings.host, settings.port)
    # A stop asked for from here on (SIGHUP: the terminal closed) is a clean one; uvicorn takes
    # both over while it serves (cli/web.py), and raises SIGTERM again once it has stopped.
    for stop in STOP_SIGNALS:
        signal.signal(stop, _exit_cleanly)
    # Before the database is changed at all (migrations, recovery, the first start).
    lock = _take_lock(settings)
    try:
        _serve(settings, lock)
    except SystemExit as stop:
        if stop.code == 0:
            logger.info("stopped")
        raise
    finally:
        lock.release()


def _take_lock(settings: Settings) -> ServerLock:
    identity = ServerIdentity.of_this_process(settings.host, settings.port)
    try:
        return take_server_lock(settings, identity)
    except StartupError as error:
        abort(error.detail, code=CONFLICT)
    except Exception as error:
        abort(_failure(settings, "cannot open the database", error))


def _serve(settings: Settings, lock: ServerLock) -> None:
    try:
        services = open_services(settings, server_lock=lock)
    except Exception as error:  # the database is unreachable or the data dir unwritable
        abort(_failure(settings, "cannot open the database", error))
    with ThreadPoolExecutor(1, thread_name_prefix="first-start") as first_start:
        prepared = first_start.submit(prepare_first_start, services)
        with server_imports():
            from mlprep.cli.web import serve_app
        try:
            generated = prepared.result()
        except Exception as error:
            services.close()
            abort(_failure(settings, "the first start failed", error))
    if generated:
        err.print(
            f"First start: created user [bold]admin[/bold] with password [bold]{generated}[/bold] "
            f"(also written to {settings.data_dir / INITIAL_PASSWORD_FILE})."
        )
    try:
        # Here rather than first in the app's lifespan (where it then finds nothing left): a
        # failure, such as a full disk, is told as such instead of as uvicorn's traceback.
        services.engine_runs.recover()
    except Exception as error:
        services.close()
        abort(_failure(settings, "cannot end the runs left unfinished", error))
    logger.info(
        "serving http://%s:%d (data in %s; simulated instrument)",
        settings.host,
        settings.port,
        settings.data_dir,
    )
    if not serve_app(settings, services):
        raise SystemExit(STARTUP_FAILURE)  # uvicorn has logged why


def _failure(settings: Settings, doing: str, error: Exception) -> str:
    """What a start that failed with `error` says: the reason a user can act on, never a
    traceback."""
    database = sqlite_path(settings.resolved_database_url())
    if is_disk_full(error, database.parent if database is not None else None):
        place = _full_place(settings, error, database)
        return f"{place} is full (no space left on device); free some space and start again"
    if isinstance(error, DatabaseUnavailableError):  # said for requests: "retry" means nothing here
        return f"{doing} {settings.resolved_database_url()!r}: it is {error.cause.value}"
    if isinstance(error, MlprepError):
        return error.detail
    if isinstance(error, OSError):
        return f"{doing}: {error.strerror} ({error.filename or settings.data_dir})"
    # A database error's own words, without the statement and the link SQLAlchemy adds.
    reason = getattr(error, "orig", None) or error
    return f"{doing} {settings.resolved_database_url()!r}: {reason}"


def _full_place(settings: Settings, error: Exception, database: Path | None) -> str:
    """Where the disk is full, as a user names it."""
    filename = getattr(error, "filename", None)
    if filename:
        directory = Path(filename).parent
    elif database is not None:
        directory = database.parent
    else:
        return "the database server's disk"
    if directory.absolute() == settings.data_dir.absolute():
        return f"the data directory {settings.data_dir}"
    return f"the directory {directory}"


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


def _exit_cleanly(_signal: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)
