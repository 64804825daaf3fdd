"""Opening a database: SQLite is made durable, PostgreSQL goes through psycopg 3."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from mlprep.store.database import create_database_engine, database_kind, is_disk_full, ping
from tests.postgres import PostgresCluster

SYNCHRONOUS_FULL = 2  # how `PRAGMA synchronous` reports FULL


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'nested' / 'mlprep.db'}")
    yield engine
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_full_sync_and_foreign_keys(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        pragma = {
            name: connection.execute(text(f"PRAGMA {name}")).scalar_one()
            for name in ("journal_mode", "synchronous", "foreign_keys")
        }

    assert pragma == {"journal_mode": "wal", "synchronous": SYNCHRONOUS_FULL, "foreign_keys": 1}


def test_every_new_sqlite_connection_is_configured(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as first, sqlite_engine.connect() as second:
        modes = [c.execute(text("PRAGMA synchronous")).scalar_one() for c in (first, second)]

    assert modes == [SYNCHRONOUS_FULL, SYNCHRONOUS_FULL]


def test_the_sqlite_file_is_created_with_its_directory(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    assert ping(sqlite_engine)
    assert (tmp_path / "nested" / "mlprep.db").exists()


def test_each_database_answers_and_names_its_kind(engine: Engine, database_url: str) -> None:
    assert ping(engine)
    assert database_kind(engine) == database_url.split(":", 1)[0]


@pytest.mark.postgres
def test_a_plain_postgresql_url_uses_psycopg_3(postgres_cluster: PostgresCluster) -> None:
    url = postgres_cluster.create_database()
    engine = create_database_engine(url)
    try:
        assert url.startswith("postgresql://")
        assert engine.dialect.driver == "psycopg"
        assert ping(engine)
    finally:
        engine.dispose()
        postgres_cluster.drop_database(url)


def test_an_unreachable_database_fails_the_ping_instead_of_raising() -> None:
    engine = create_database_engine("postgresql://nobody@127.0.0.1:1/nothing")
    try:
        assert not ping(engine)
    finally:
        engine.dispose()


def test_a_full_disk_is_recognised_in_each_way_it_is_reported(tmp_path: Path) -> None:
    full_write = OSError(errno.ENOSPC, "No space left on device")
    sqlite_full = sqlite3.OperationalError("database or disk is full")
    sqlite_full.sqlite_errorcode = 13  # type: ignore[attr-defined]
    wrapped = OperationalError("INSERT …", {}, sqlite_full)
    other_io = sqlite3.OperationalError("disk I/O error")
    other_io.sqlite_errorcode = 4874  # type: ignore[attr-defined]  # SQLITE_IOERR_SHMSIZE

    assert is_disk_full(full_write)
    assert is_disk_full(wrapped)
    assert is_disk_full(RuntimeError("first start"), None) is False
    # An I/O error is a full disk only when the database's directory has next to no space left.
    assert not is_disk_full(OperationalError("SELECT …", {}, other_io), tmp_path)
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))


def test_an_error_raised_while_handling_a_full_disk_still_says_so() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise RuntimeError("while writing the secret") from None
    except RuntimeError as error:
        assert is_disk_full(error)
