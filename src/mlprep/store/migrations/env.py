"""Alembic environment: migrations run on the engine the application hands over, or in the
transaction of the connection it hands over (PostgreSQL's, under the schema lock)."""

from __future__ import annotations

from contextlib import nullcontext

from alembic import context
from sqlalchemy import Connection, Engine, create_engine

from mlprep.store.tables import metadata

config = context.config
given: Connection | None = config.attributes.get("connection")
engine: Engine | None = config.attributes.get("engine")
if engine is None:  # the `alembic` command line, e.g. to autogenerate a revision
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")

with nullcontext(given) if given is not None else engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
