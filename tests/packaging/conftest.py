"""The packaging tests start a real server as the end-to-end tests do."""

from tests.e2e.conftest import server, server_factory  # noqa: F401 - fixtures used here
