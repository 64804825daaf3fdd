"""The schema at head, built two ways, on SQLite and PostgreSQL.

Alembic's migrations build it from an empty database, and the result is the schema
`mlprep.store.tables` declares (autogenerate finds nothing to add). A first start does not run them:
it creates that declared schema directly and records the head revision, and the database it
makes is the migrated one, table by table, and at head for Alembic. A database already at head is
opened without Alembic; one behind it is upgraded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, inspect, text

from mlprep.store import database
from mlprep.store.database import (
    HEAD_REVISION,
    VERSION_TABLE,
    alembic_config,
    create_database_engine,
    migrate_to_head,
)
from mlprep.store.tables import metadata
from tests.postgres import PostgresCluster

# What changes a schema or a database's revision: none of it may reach a database at head.
WRITES = ("CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE")


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def other_empty_engine(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[Engine]:
    """A second empty database of the same kind as `empty_engine`'s."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'other.db'}"
        engine = create_database_engine(url)
        yield engine
        engine.dispose()
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database()
    engine = create_database_engine(url)
    yield engine
    engine.dispose()
    cluster.drop_database(url)


@pytest.fixture
def refuse_alembic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Running Alembic's upgrade fails the test."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Alembic ran")

    monkeypatch.setattr(command, "upgrade", refuse)


def upgrade_with_alembic(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def head_revision(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema(engine: Engine) -> dict[str, dict[str, Any]]:
    """Everything the database says about each of its tables: columns (type, nullability,
    default, ...), primary key, indexes, unique, foreign-key and check constraints, each with its
    name."""
    inspector = inspect(engine)

    def by_name(items: list[Any]) -> list[Any]:
        return sorted(items, key=lambda item: str(item.get("name")))

    return {
        table: {
            "columns": [
                {**column, "type": repr(column["type"])} for column in inspector.get_columns(table)
            ],
            "primary key": inspector.get_pk_constraint(table),
            "indexes": by_name(inspector.get_indexes(table)),
            "unique": by_name(inspector.get_unique_constraints(table)),
            "foreign keys": by_name(inspector.get_foreign_keys(table)),
            "checks": by_name(inspector.get_check_constraints(table)),
        }
        for table in inspector.get_table_names()
    }


def test_an_empty_database_is_created_at_head_without_alembic(
    empty_engine: Engine, refuse_alembic: None
) -> None:
    assert current_revision(empty_engine) is None

    migrate_to_head(empty_engine)

    assert current_revision(empty_engine) == HEAD_REVISION
    tables = set(inspect(empty_engine).get_table_names())
    assert tables == set(metadata.tables) | {VERSION_TABLE}


def test_the_database_created_at_head_is_the_one_the_migrations_build(
    empty_engine: Engine, other_empty_engine: Engine
) -> None:
    migrate_to_head(empty_engine)
    upgrade_with_alembic(other_empty_engine)

    created, migrated = schema(empty_engine), schema(other_empty_engine)

    assert set(created) == set(metadata.tables) | {VERSION_TABLE}
    for table in migrated:
        assert created[table] == migrated[table], table
    assert created == migrated


def test_alembic_finds_a_database_created_at_head_at_head(empty_engine: Engine) -> None:
    migrate_to_head(empty_engine)
    statements: list[str] = []
    event.listen(
        empty_engine, "before_cursor_execute", lambda *args: statements.append(args[2].lstrip())
    )

    # `alembic check`: the database is at head and autogenerate finds nothing to change.
    command.check(alembic_config(empty_engine))
    upgrade_with_alembic(empty_engine)

    assert current_revision(empty_engine) == head_revision(empty_engine)
    assert [sql for sql in statements if sql.upper().startswith(WRITES)] == []


def test_a_creation_that_fails_midway_leaves_the_database_empty(
    empty_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("stopped before the revision was recorded")

    monkeypatch.setattr(database, "_record_head", fail)

    with pytest.raises(RuntimeError, match="stopped"):
        migrate_to_head(empty_engine)

    assert inspect(empty_engine).get_table_names() == []


def test_alembic_upgrades_an_empty_database_to_head_with_every_table(
    empty_engine: Engine,
) -> None:
    upgrade_with_alembic(empty_engine)

    assert current_revision(empty_engine) == head_revision(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert tables == set(metadata.tables) | {VERSION_TABLE}


def test_the_migrations_build_exactly_the_declared_schema(empty_engine: Engine) -> None:
    upgrade_with_alembic(empty_engine)

    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)

    assert differences == [], "tables.py and the migrations differ; add a migration"


def test_the_head_revision_mlprep_checks_for_is_the_newest_migration(
    empty_engine: Engine,
) -> None:
    assert head_revision(empty_engine) == HEAD_REVISION, "a new migration: update HEAD_REVISION"


@pytest.mark.parametrize("build", [migrate_to_head, upgrade_with_alembic])
def test_a_database_at_head_is_opened_without_running_alembic(
    empty_engine: Engine, monkeypatch: pytest.MonkeyPatch, build: Any
) -> None:
    build(empty_engine)
    statements: list[str] = []
    event.listen(
        empty_engine, "before_cursor_execute", lambda *args: statements.append(args[2].lstrip())
    )

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Alembic ran on a database already at head")

    monkeypatch.setattr(command, "upgrade", refuse)
    migrate_to_head(empty_engine)

    assert current_revision(empty_engine) == HEAD_REVISION
    assert [sql for sql in statements if sql.upper().startswith(WRITES)] == []


def test_a_database_behind_head_gets_the_migrations_it_lacks(empty_engine: Engine) -> None:
    upgrade_with_alembic(empty_engine, "0004")
    assert "counter_moves" not in inspect(empty_engine).get_table_names()

    migrate_to_head(empty_engine)

    assert current_revision(empty_engine) == HEAD_REVISION
    assert "counter_moves" in inspect(empty_engine).get_table_names()


def test_a_database_with_tables_but_no_revision_is_left_to_alembic(
    empty_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with empty_engine.begin() as connection:
        connection.execute(text("CREATE TABLE somebody_elses (id INTEGER PRIMARY KEY)"))
    upgrades: list[object] = []
    monkeypatch.setattr(command, "upgrade", lambda *args: upgrades.append(args))

    migrate_to_head(empty_engine)

    assert len(upgrades) == 1
