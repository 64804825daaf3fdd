"""Opening the database: engine options per dialect, and migrations to head at start-up.

Alembic is imported only when a database lacks a migration: importing it (and the dialects it
brings) costs more than the rest of opening a database, and most starts find one already at head.
An empty database (a first start) is not migrated either: it is created at head from the schema
`tables.py` declares, which the migrations build exactly (tests/migrations keeps the two equal).
"""

from __future__ import annotations

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
    that dialect's module is imported: PostgreSQL's alone takes ~30 ms)."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration that migrates `engine`'s database."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate_to_head(engine: Engine) -> None:
    """Bring the database to head: an empty one is created there and one at head is left as it
    is, neither importing Alembic; one behind head gets the migrations it lacks from Alembic."""
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        at_head = VERSION_TABLE in tables and _revisions(connection) == [HEAD_REVISION]
    if not tables:
        _create_at_head(engine)
    elif not at_head:
        from alembic import command

        command.upgrade(alembic_config(engine), "head")


def _create_at_head(engine: Engine) -> None:
    """Create the schema of `tables.py` in an empty database and record the head revision, as
    one transaction.

    The same schema the migrations build (tests/migrations compares the two on both databases),
    without importing Alembic and running them one by one: ~0.2 s of a first start. On SQLite
    the transaction is begun explicitly: Python's sqlite3 begins one only before a data change,
    so each CREATE would be committed (and synced) on its own, and a start stopped midway would
    leave a database neither empty nor at any revision.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")
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
