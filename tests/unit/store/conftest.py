"""Each store test runs on an empty database of each kind, migrated to head."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from mlprep.store.database import create_database_engine, migrate_to_head


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh database with the current schema."""
    engine = create_database_engine(database_url)
    migrate_to_head(engine)
    yield engine
    engine.dispose()
