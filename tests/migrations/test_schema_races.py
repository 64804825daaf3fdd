"""Servers starting at the same moment on one database make or migrate its schema one at a time:
none fails on a table, a type or a revision another has just made, and the database ends at
head with every table."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, inspect

from mlprep.store.database import HEAD_REVISION, VERSION_TABLE, create_database_engine
from mlprep.store.database import migrate_to_head as migrate
from mlprep.store.tables import metadata
from tests.migrations.test_migrations import current_revision, upgrade_with_alembic

STARTS = 4


@pytest.fixture
def engines(database_url: str) -> Iterator[list[Engine]]:
    """One engine per starting server, on one empty database."""
    engines = [create_database_engine(database_url) for _ in range(STARTS)]
    yield engines
    for engine in engines:
        engine.dispose()


def migrate_all_at_once(engines: list[Engine]) -> None:
    together = threading.Barrier(len(engines))

    def start(engine: Engine) -> None:
        together.wait()
        migrate(engine)

    with ThreadPoolExecutor(len(engines)) as pool:
        for started in [pool.submit(start, engine) for engine in engines]:
            started.result()  # raises what the start raised


def assert_at_head(engine: Engine) -> None:
    assert current_revision(engine) == HEAD_REVISION
    assert set(inspect(engine).get_table_names()) == set(metadata.tables) | {VERSION_TABLE}


def test_an_empty_database_made_by_several_starts_at_once(engines: list[Engine]) -> None:
    migrate_all_at_once(engines)

    assert_at_head(engines[0])


# On SQLite the servers' file lock keeps their starts one at a time.
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_database_behind_head_migrated_by_several_starts_at_once(
    engines: list[Engine],
) -> None:
    upgrade_with_alembic(engines[0], "0004")

    migrate_all_at_once(engines)

    assert_at_head(engines[0])
