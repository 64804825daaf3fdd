"""Alembic builds the schema: an empty database upgrades to head, and the result is the schema
`mlprep.store.tables` declares (autogenerate finds nothing to add), on SQLite and PostgreSQL.
A database already at head is opened without Alembic; one behind it is upgraded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from mlprep.store.database import (
    HEAD_REVISION,
    alembic_config,
    create_database_engine,
    migrate_to_head,
)
from mlprep.store.tables import metadata


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


def head_revision(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_an_empty_database_upgrades_to_head_with_every_table(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None

    migrate_to_head(empty_engine)

    assert current_revision(empty_engine) == head_revision(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert tables == set(metadata.tables) | {"alembic_version"}


def test_upgrading_a_database_already_at_head_changes_nothing(empty_engine: Engine) -> None:
    migrate_to_head(empty_engine)

    migrate_to_head(empty_engine)

    assert current_revision(empty_engine) == head_revision(empty_engine)


def test_the_migrations_build_exactly_the_declared_schema(empty_engine: Engine) -> None:
    migrate_to_head(empty_engine)

    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)

    assert differences == [], "tables.py and the migrations differ; add a migration"


def test_the_head_revision_mlprep_checks_for_is_the_newest_migration(
    empty_engine: Engine,
) -> None:
    assert head_revision(empty_engine) == HEAD_REVISION, "a new migration: update HEAD_REVISION"


def test_a_database_at_head_is_opened_without_running_alembic(
    empty_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate_to_head(empty_engine)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Alembic ran on a database already at head")

    monkeypatch.setattr(command, "upgrade", refuse)
    migrate_to_head(empty_engine)

    assert current_revision(empty_engine) == HEAD_REVISION


def test_a_database_behind_head_gets_the_migrations_it_lacks(empty_engine: Engine) -> None:
    command.upgrade(alembic_config(empty_engine), "0004")
    assert "counter_moves" not in inspect(empty_engine).get_table_names()

    migrate_to_head(empty_engine)

    assert current_revision(empty_engine) == HEAD_REVISION
    assert "counter_moves" in inspect(empty_engine).get_table_names()
