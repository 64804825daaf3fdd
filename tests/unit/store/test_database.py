"""Opening a database: SQLite is made durable, PostgreSQL goes through psycopg 3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from mlprep.store.database import create_database_engine, database_kind, ping
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
