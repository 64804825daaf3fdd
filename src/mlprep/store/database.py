"""Opening the database: engine options per dialect, and migrations to head at start-up.

Alembic is imported only when a database lacks a migration: importing it (and the dialects it
brings) costs more than the rest of opening a database, and most starts find one already at head.
An empty database (a first start) is not migrated either: it is created at head from the schema
`tables.py` declares, which the migrations build exactly (tests/migrations keeps the two equal).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine.url import make_url

from mlprep.errors import DatabaseUnavailableError, Unavailability
from mlprep.store.tables import metadata

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration in migrations/versions; a test checks it against Alembic's own answer.
HEAD_REVISION = "0006"
# How long a SQLite write waits for another's lock before it is refused as "locked" (a 503): the
# server's own writes hold it for milliseconds; longer means another program holds the file.
SQLITE_BUSY_SECONDS = 5
VERSION_TABLE = "alembic_version"  # where Alembic records the revision a database is at
SQLITE_FULL = 13  # the result code of "database or disk is full"
SQLITE_IOERR = 10  # "disk I/O error", the primary code of SQLITE_IOERR_SHMSIZE and others
NEXT_TO_NO_SPACE = 1024 * 1024
POSTGRESQL_DISK_FULL = "53100"
# The transaction-level advisory lock under which PostgreSQL's schema is made or migrated.
SCHEMA_LOCK = 0x6D6C707273636865  # "mlprsche"
# That table as Alembic creates it (`DefaultImpl.version_table_impl`).
_version_table = Table(
    VERSION_TABLE,
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
)


def create_database_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, `synchronous=FULL`, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _create_private(Path(parsed.database))
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False}
        )
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would look for psycopg2.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only (it holds password hashes); SQLite
    gives its -wal and -shm files the same mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def upsert_into(engine: Engine, table: Table) -> PostgresqlInsert | SqliteInsert:
    """An INSERT into `table` that can take `ON CONFLICT` clauses, in `engine`'s dialect (only
    that dialect's module is imported: PostgreSQL's is slow to import, bench/README.md)."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def alembic_config(engine: Engine, connection: Connection | None = None) -> Config:
    """An Alembic configuration that migrates `engine`'s database (in the transaction
    `connection` is in, if one is given)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate_to_head(engine: Engine) -> None:
    """Bring the database to head: an empty one is created there and one at head is left as it
    is, neither importing Alembic; one behind head gets the migrations it lacks from Alembic.

    Servers starting at the same moment on one database change its schema one at a time (on
    PostgreSQL under a transaction-level advisory lock, on SQLite under its write lock), each
    looking again once it holds the lock: the one that waited finds the work done.
    """
    with engine.connect() as connection:
        if _at_head(connection):
            return
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
            if not inspect(connection).get_table_names():
                _create_at_head(connection)
            elif not _at_head(connection):
                _upgrade(alembic_config(engine, connection))
        return
    with engine.connect() as connection:
        empty = not inspect(connection).get_table_names()
    if empty:
        with engine.begin() as connection:
            # IMMEDIATE takes the write lock now: the look under it sees any schema just made.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            if not inspect(connection).get_table_names():
                _create_at_head(connection)
    else:
        _upgrade(alembic_config(engine))


def _at_head(connection: Connection) -> bool:
    tables = inspect(connection).get_table_names()
    return VERSION_TABLE in tables and _revisions(connection) == [HEAD_REVISION]


def _upgrade(config: Config) -> None:
    from alembic import command

    command.upgrade(config, "head")


def _create_at_head(connection: Connection) -> None:
    """Create the schema of `tables.py` in an empty database and record the head revision, in
    the transaction `connection` is in.

    The same schema the migrations build (tests/migrations compares the two on both databases),
    without importing Alembic and running them one by one: ~0.2 s of a first start. On SQLite
    the caller begins the transaction explicitly: Python's sqlite3 begins one only before a data
    change, so each CREATE would be committed (and synced) on its own, and a start stopped
    midway would leave a database neither empty nor at any revision.
    """
    metadata.create_all(connection, checkfirst=False)
    _record_head(connection)


def _record_head(connection: Connection) -> None:
    """Alembic's version table, as Alembic creates it, saying that the database is at head."""
    _version_table.create(connection, checkfirst=False)
    connection.execute(_version_table.insert().values(version_num=HEAD_REVISION))


def _revisions(connection: Connection) -> list[str]:
    """The revisions Alembic's version table records, read with plain SQLAlchemy."""
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return [str(revision) for revision in rows.scalars()]


def is_disk_full(error: BaseException, directory: Path | None = None) -> bool:
    """Whether `error`, or what caused it, says that a disk is full: an OS write (ENOSPC,
    EDQUOT), SQLite (SQLITE_FULL: "database or disk is full"), PostgreSQL (SQLSTATE 53100).

    SQLite reports a full disk met while it grows its shared-memory file as a mere I/O error:
    one is taken for a full disk when `directory` (the database's) has next to no space left.
    """
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, DatabaseUnavailableError):  # as the engine's hook translated it
            if cause.cause is Unavailability.DISK_FULL:
                return True
            if cause.cause is Unavailability.IO_ERROR and directory is not None:
                return _next_to_no_space(directory)
        if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        code = getattr(cause, "sqlite_errorcode", None)
        if code == SQLITE_FULL:
            return True
        if code is not None and code & 0xFF == SQLITE_IOERR and directory is not None:
            return _next_to_no_space(directory)
        if getattr(cause, "sqlstate", None) == POSTGRESQL_DISK_FULL:
            return True
        cause = getattr(cause, "orig", None) or cause.__cause__ or cause.__context__
    return False


def _next_to_no_space(directory: Path) -> bool:
    try:
        space = os.statvfs(directory)
    except OSError:
        return False
    return space.f_bavail * space.f_frsize < NEXT_TO_NO_SPACE


def database_kind(engine: Engine) -> str:
    """The dialect's name, as the health endpoint reports it."""
    return engine.dialect.name


def ping(engine: Engine) -> bool:
    """Whether the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
