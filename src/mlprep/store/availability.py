"""Whether the database can be reached and written, and the one translation of its failures.

A database that cannot be reached (stopped, network gone), written (disk full) or locked (another
process holds SQLite's write lock) is a condition the server outlives: every store call that meets
it raises `DatabaseUnavailableError` (a 503 with `Retry-After`) instead of SQLAlchemy's own error,
through one `handle_error` hook on the engine, and the cause is remembered for the health report
until a probe finds the database writable again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, event, exc, text
from sqlalchemy.engine import ExceptionContext

from mlprep.errors import DatabaseUnavailableError, Unavailability

logger = logging.getLogger("mlprep.store")

RETRY_AFTER_SECONDS = 2
# Below this much free space beside a SQLite file, writes are about to fail: SQLite grows its
# write-ahead log a few pages at a time.
LOW_SPACE_BYTES = 64 * 1024
_SQLITE_MESSAGES = (
    ("database or disk is full", Unavailability.DISK_FULL),
    ("no space left", Unavailability.DISK_FULL),
    ("database is locked", Unavailability.LOCKED),
    ("database table is locked", Unavailability.LOCKED),
    ("unable to open database", Unavailability.UNREACHABLE),
    ("disk i/o error", Unavailability.IO_ERROR),
    ("readonly database", Unavailability.READ_ONLY),
)
# PostgreSQL's SQLSTATE classes and codes that mean "not now" rather than "never".
_POSTGRES_STATES = {
    "53100": Unavailability.DISK_FULL,  # disk_full
    "53": Unavailability.UNREACHABLE,  # insufficient resources (out of memory, too many clients)
    "55P03": Unavailability.LOCKED,  # lock_not_available
    "57P01": Unavailability.UNREACHABLE,  # admin_shutdown
    "57P02": Unavailability.UNREACHABLE,  # crash_shutdown
    "57P03": Unavailability.UNREACHABLE,  # cannot_connect_now (starting up, shutting down)
    "08": Unavailability.UNREACHABLE,  # connection exception
    "25006": Unavailability.READ_ONLY,  # read_only_sql_transaction (a standby)
}


def unavailability(error: BaseException) -> Unavailability | None:
    """Why `error` means the database is away for now, or None if it means something else (a
    constraint, a bug) that retrying would not mend."""
    if isinstance(error, DatabaseUnavailableError):
        return error.cause
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return Unavailability.UNREACHABLE
    if not isinstance(error, exc.DBAPIError):
        return None
    original = error.orig
    state = getattr(original, "sqlstate", None)
    if isinstance(state, str):
        for prefix in (state, state[:2]):
            if prefix in _POSTGRES_STATES:
                return _POSTGRES_STATES[prefix]
    message = str(original).lower()
    for fragment, cause in _SQLITE_MESSAGES:
        if fragment in message:
            return cause
    if error.connection_invalidated or isinstance(error, exc.InterfaceError):
        return Unavailability.UNREACHABLE
    if isinstance(error, exc.OperationalError) and type(original).__module__.startswith("psycopg"):
        return Unavailability.UNREACHABLE  # connection refused, closed, timed out
    return None


class DatabaseAvailability:
    """Translates the engine's "not now" failures and keeps the latest cause for the health
    report; `probe()` finds out whether it still holds."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._cause: Unavailability | None = None
        self._since = 0.0
        self._directory = _sqlite_directory(engine)
        event.listen(engine, "handle_error", self._failed)

    @property
    def cause(self) -> Unavailability | None:
        """Why the database was last found unusable, until a probe finds it usable again."""
        return self._cause

    def probe(self) -> Unavailability | None:
        """Ask the database (blocking: call it off the event loop): can it be reached, is there
        room to write, and, after a failed write, can it be written now?"""
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            if self._directory is not None and _free_bytes(self._directory) < LOW_SPACE_BYTES:
                self._note(Unavailability.DISK_FULL)
                return Unavailability.DISK_FULL
            if self._cause is not None:
                with self._engine.begin() as connection:
                    # A write that changes nothing, yet needs the write lock and a page of log.
                    connection.execute(
                        text("UPDATE instrument_settings SET uv_interval = uv_interval")
                    )
        except DatabaseUnavailableError as error:
            return error.cause
        except Exception:  # not a condition we know: report it as unreachable, and log it
            logger.exception("the database's health probe failed")
            return Unavailability.UNREACHABLE
        self._recovered()
        return None

    def _failed(self, context: ExceptionContext) -> BaseException | None:
        if context.is_pre_ping:
            return None  # the pool handles a stale connection itself, by reconnecting
        error = context.sqlalchemy_exception or context.original_exception
        cause = unavailability(error)
        if cause is None:
            return None
        self._note(cause)
        unavailable = DatabaseUnavailableError(cause, RETRY_AFTER_SECONDS)
        unavailable.__cause__ = error
        return unavailable

    def _note(self, cause: Unavailability) -> None:
        with self._lock:
            if self._cause is not cause:
                logger.error("the database is unavailable: %s", cause.value)
                self._since = time.monotonic()
            self._cause = cause

    def _recovered(self) -> None:
        with self._lock:
            if self._cause is not None:
                logger.warning(
                    "the database is available again (after %.0f s: %s)",
                    time.monotonic() - self._since,
                    self._cause.value,
                )
            self._cause = None


def _sqlite_directory(engine: Engine) -> Path | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).resolve().parent


def _free_bytes(directory: Path) -> int:
    with contextlib.suppress(OSError):
        stats = os.statvfs(directory)
        # The blocks kept for root are the server's to use when it runs as root.
        blocks = stats.f_bfree if os.geteuid() == 0 else stats.f_bavail
        return blocks * stats.f_frsize
    return LOW_SPACE_BYTES  # unknown: not reported as full
