"""API tests of the maintenance operations: an instrument at speed 0, and users of each kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlprep.auth.permissions import ROLE_PERMISSIONS, Permission
from mlprep.contract.users import Role
from mlprep.services import Services
from mlprep.settings import Settings
from tests.asgi import ApiClient
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

OPERATOR_PASSWORD = "operator password"


@pytest.fixture
def channels() -> int:
    """How many channels the instrument has (a test parametrizes this to 1)."""
    return 2


@pytest.fixture
def fresh_install() -> bool:
    """Whether the first start leaves the procedure list empty (a test parametrizes this)."""
    return False


@pytest.fixture
def settings(data_dir: Path, channels: int, fresh_install: bool) -> Settings:
    """Speed 0: simulated actions complete at once, so a run ends while the test polls; tokens
    outlive the simulated time that runs pass (UV Decontamination passes 15 minutes)."""
    return Settings(
        data_dir=data_dir,
        admin_password=ADMIN_PASSWORD,
        speed=0,
        token_minutes=60,
        channels=channels,
        fresh_install=fresh_install,
    )


@pytest.fixture
def operator_headers(client: ApiClient, services: Services) -> dict[str, str]:
    """An Operator: may view and execute maintenance, not change its settings."""
    services.users.add("olivia", OPERATOR_PASSWORD, Role.OPERATOR, actor="test")
    return bearer(log_in(client, "olivia", OPERATOR_PASSWORD))


@pytest.fixture
def viewer_headers(
    client: ApiClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """A user whose role grants only ViewMaintenance (no built-in role does, so one is made)."""
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.OPERATOR, frozenset({Permission.VIEW_MAINTENANCE}))
    services.users.add("vera", OPERATOR_PASSWORD, Role.OPERATOR, actor="test")
    return bearer(log_in(client, "vera", OPERATOR_PASSWORD))
