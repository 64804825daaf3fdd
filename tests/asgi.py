"""A synchronous HTTP client for an in-process app: httpx over ASGI, with the app's lifespan run.

Starlette's own TestClient warns with this Starlette version; this does the same job with
`httpx.ASGITransport` on an event loop that a blocking portal keeps in a background thread.
"""

from __future__ import annotations

import contextlib
from typing import Any, Self

import anyio.from_thread
import httpx
from fastapi import FastAPI

BASE_URL = "http://testserver"


class ApiClient:
    """Requests against one app; `with ApiClient(app) as client:` runs its lifespan around them."""

    def __init__(self, app: FastAPI, address: str = "127.0.0.1") -> None:
        self.app = app
        self.address = address
        self._stack = contextlib.ExitStack()
        self._portal: anyio.from_thread.BlockingPortal | None = None

    def __enter__(self) -> Self:
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        lifespan = self.app.router.lifespan_context(self.app)
        self._stack.enter_context(self._portal.wrap_async_context_manager(lifespan))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()
        self._portal = None

    def from_address(self, address: str) -> ApiClient:
        """The same client, as seen by the server coming from another address."""
        other = ApiClient(self.app, address)
        other._portal = self._portal
        return other

    def request(
        self, method: str, url: str, *, raise_app_exceptions: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """Send one request (the keyword arguments are httpx's)."""
        assert self._portal is not None, "use the client inside `with ApiClient(app) as client:`"
        transport = httpx.ASGITransport(
            self.app, raise_app_exceptions=raise_app_exceptions, client=(self.address, 50123)
        )

        async def send() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
                response = await client.request(method, url, **kwargs)
                await response.aread()
                return response

        return self._portal.call(send)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)
