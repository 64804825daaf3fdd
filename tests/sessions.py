"""Logging in from a test, against the in-process app or a live server alike."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

ADMIN_PASSWORD = "correct horse battery"
VENDOR_PREFIXES = ("/api/v1", "/NimbusLite/api/v1")


class HttpClient(Protocol):
    """What `log_in` needs of a client: httpx's `post`."""

    def post(self, url: str, **kwargs: Any) -> httpx.Response: ...


def log_in(client: HttpClient, user_name: str, password: str, prefix: str = "/api/v1") -> str:
    """A token for valid credentials (the test fails if the login does)."""
    response = client.post(
        f"{prefix}/authenticate", json={"userName": user_name, "password": password}
    )
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    assert isinstance(token, str)
    return token


def bearer(token: str) -> dict[str, str]:
    """The Authorization header that carries `token`."""
    return {"Authorization": f"Bearer {token}"}
