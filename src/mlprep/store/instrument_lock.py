"""On PostgreSQL, the one process that drives an instrument holds a session-level advisory lock
for it, on a connection of its own kept for the server's life: PostgreSQL frees it when that
process (or its connection) dies, and a standby waiting for it takes over.

The connection's `application_name` says who holds the lock (`mlprep pid=1234 http://…`), read
by a refused server from `pg_locks` joined with `pg_stat_activity`. When PostgreSQL restarts,
the connection, and with it the lock, is lost: `check` takes it again once the database is back,
and says so if another server took it meanwhile.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from mlprep.errors import StartupError
from mlprep.store.server_lock import ServerIdentity

# The two-integer form of the advisory lock: this number, then one from the instrument's id.
# pg_locks shows them as `classid` and `objid` (with `objsubid` 2), which the holder query reads.
NAMESPACE = 0x6D6C7072  # "mlpr"
APPLICATION_PREFIX = "mlprep pid="
STANDBY_POLL_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 5
logger = logging.getLogger("mlprep.store")

_HOLDER = text(
    "SELECT activity.pid, activity.application_name, CAST(activity.client_addr AS text) "
    "FROM pg_locks AS locks JOIN pg_stat_activity AS activity ON activity.pid = locks.pid "
    "WHERE locks.locktype = 'advisory' AND locks.granted "
    "AND locks.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND CAST(locks.classid AS bigint) = :namespace AND CAST(locks.objid AS bigint) = :key "
    "AND locks.objsubid = 2"
)


def instrument_key(instrument_id: str) -> int:
    """The advisory lock's second number for `instrument_id`: stable across releases and
    processes, non-negative so that `pg_locks` (which shows it unsigned) reads the same."""
    digest = hashlib.sha256(f"mlprep-instrument:{instrument_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


class InstrumentLock:
    """The advisory lock that makes this server the one driving `instrument_id`."""

    can_be_lost = True

    def __init__(self, database_url: str, instrument_id: str, identity: ServerIdentity) -> None:
        self.instrument_id = instrument_id
        self._identity = identity
        self._key = instrument_key(instrument_id)
        url = make_url(database_url)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        self._engine: Engine = create_engine(
            url,
            poolclass=NullPool,  # the one connection is held, never pooled
            isolation_level="AUTOCOMMIT",  # a session lock, outside any transaction
            connect_args={
                "application_name": f"{APPLICATION_PREFIX}{identity.pid} {identity.address}"[:63],
                "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            },
        )
        self._connection: Connection | None = None
        self._held = False
        self.other_driver: str | None = None
        # `check` runs on a worker thread, which may still be at it when the server releases.
        self._using = threading.Lock()
        self._released = False

    def acquire(self, standby: bool) -> None:
        """Take the lock; with `standby`, wait for it while another server holds it (and while
        the database is away, once it has answered).

        Raises:
            StartupError: another server holds it and this one is not a standby (the message
                names the holder).
            DBAPIError: the database cannot be reached (or, standing by, never could be).
        """
        waiting_for: str | None = None
        while True:
            try:
                holder = self._try_take()
            except DBAPIError:
                if waiting_for is None:
                    raise
                holder = waiting_for  # still standing by, until the database is back
            if holder is None:
                if waiting_for is not None:
                    logger.warning(
                        "took over instrument %s: the server that drove it (%s) has stopped",
                        self.instrument_id,
                        waiting_for,
                    )
                return
            if not standby:
                raise StartupError(
                    f"instrument {self.instrument_id} on this database is driven by another "
                    f"mlprep server ({holder}); stop it, or start this one with --standby to "
                    "take over when it stops"
                )
            if holder != waiting_for:
                logger.warning(
                    "standing by: instrument %s is driven by another mlprep server (%s); "
                    "this one takes over when it stops",
                    self.instrument_id,
                    holder,
                )
                waiting_for = holder
            time.sleep(STANDBY_POLL_SECONDS)

    def check(self) -> str | None:
        """Whether the lock is still held, taking it again after its connection was lost (the
        database restarted); who drives the instrument instead, if another server took it."""
        with self._using:
            if self._released:
                return self.other_driver
            return self._check()

    def _check(self) -> str | None:
        if self._held:
            try:
                assert self._connection is not None
                self._connection.execute(text("SELECT 1"))
                return None
            except DBAPIError:
                logger.error(
                    "lost the lock on instrument %s: the connection to the database ended; "
                    "taking it again once the database is back",
                    self.instrument_id,
                )
                self._drop_connection()
        try:
            holder = self._try_take()
        except DBAPIError:
            return self.other_driver  # the database is still away: nothing new is known
        if holder is None:
            logger.warning("holds the lock on instrument %s again", self.instrument_id)
        elif holder != self.other_driver:
            logger.error(
                "instrument %s is now driven by another mlprep server (%s), which took it "
                "while the database was away: this server no longer drives it; stop it, or "
                "stop the other one",
                self.instrument_id,
                holder,
            )
        self.other_driver = holder
        return holder

    def release(self) -> None:
        """Let go of the lock by closing its connection."""
        with self._using:
            self._released = True
            self._drop_connection()
            self._engine.dispose()

    def _try_take(self) -> str | None:
        """Take the lock if it is free; else the holder, described. Raises DBAPIError."""
        try:
            if self._connection is None:
                self._connection = self._engine.connect()
            self._held = bool(
                self._connection.execute(
                    text("SELECT pg_try_advisory_lock(:namespace, :key)"),
                    {"namespace": NAMESPACE, "key": self._key},
                ).scalar_one()
            )
            return None if self._held else self._holder()
        except DBAPIError:
            self._drop_connection()
            raise

    def _holder(self) -> str:
        assert self._connection is not None
        row = self._connection.execute(_HOLDER, {"namespace": NAMESPACE, "key": self._key}).first()
        if row is None:
            return "one that has just stopped"
        pid, application, address = row
        if application and application.startswith(APPLICATION_PREFIX):
            server_pid, _, server_address = application[len(APPLICATION_PREFIX) :].partition(" ")
            return f"pid {server_pid}, {server_address}"
        where = f" from {address}" if address else ""
        return f"PostgreSQL session {pid}{where}, application {application or 'unnamed'!r}"

    def _drop_connection(self) -> None:
        self._held = False
        if self._connection is not None:
            try:
                self._connection.close()
            except DBAPIError:
                self._connection.invalidate()
            self._connection = None
