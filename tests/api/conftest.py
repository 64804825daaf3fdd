"""Every vendor operation answers identically under both prefixes; most API tests try both."""

from __future__ import annotations

import pytest

from tests.sessions import VENDOR_PREFIXES


@pytest.fixture(params=VENDOR_PREFIXES)
def prefix(request: pytest.FixtureRequest) -> str:
    """`/api/v1` and `/NimbusLite/api/v1`."""
    return str(request.param)
