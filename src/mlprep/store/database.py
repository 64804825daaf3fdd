"""Opening the database: engine options per dialect, and migrations to head at start-up.

Alembic is imported only when a database lacks a migration: importing it (and the dialects it
brings) costs more than the rest of opening a database, and most starts find one already at head.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Table, create_engine, event, inspect, text
from sqlalchemy.engine.url import make_url

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration in migrations/versions; a test checks it against Alembic's own answer.
HEAD_REVISION = "0005"
VERSION_TABLE = "alembic_version"  # where Alembic records the revision a database is at


def create_database_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, `synchronous=FULL`, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _create_private(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
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
    """Apply every migration the database lacks (none, without importing Alembic, if it is at
    head already)."""
    if recorded_revisions(engine) == [HEAD_REVISION]:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def recorded_revisions(engine: Engine) -> list[str]:
    """The revisions Alembic's version table records (none for a new database), read with plain
    SQLAlchemy."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return []
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
