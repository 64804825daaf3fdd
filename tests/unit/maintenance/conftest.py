"""Maintenance domain tests: real stores on a fresh SQLite file, an instrument at speed 0, and a
recorder of the events the run engine announces."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mlprep.maintenance.engine import RunEngine
from mlprep.services import Services
from mlprep.settings import Settings
from tests.sessions import ADMIN_PASSWORD
from tests.unit.maintenance.event_recorder import EventRecorder


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def channels() -> int:
    """How many channels the instrument has (a test parametrizes this to 1)."""
    return 2


@pytest.fixture
def settings(data_dir: Path, channels: int) -> Settings:
    """Settings whose simulated actions complete at once (speed 0)."""
    return Settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, speed=0, channels=channels)


@pytest.fixture
async def runs(services: Services) -> AsyncIterator[RunEngine]:
    """The run engine; a run still going at the end of the test is stopped."""
    yield services.engine_runs
    await services.engine_runs.shutdown()


@pytest.fixture
def events(services: Services) -> EventRecorder:
    """Every event published from now on."""
    return EventRecorder(services.bus)
