"""Driving a live server through a fault: an operator's calls, waiting for what it shows, and an
SSE listener kept open across the fault."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD, bearer, log_in

T = TypeVar("T")
DAILY = "c4bb87c0907140c6b8bd26f25581c3bf"
# Bounds against hanging, not timing checks.
WAIT_SECONDS = 30.0


def eventually(check: Callable[[], T | None], what: str, seconds: float = WAIT_SECONDS) -> T:
    """The first true value `check()` gives, polling; fails naming `what` if none comes."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.1)


class Bench:
    """`admin` at a live server: requests that may meet a fault, and what the run shows."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.client = httpx.Client(base_url=server.base_url, timeout=60.0)
        self.token = log_in(self.client, "admin", ADMIN_PASSWORD)

    def close(self) -> None:
        self.client.close()

    def send(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.client.request(method, path, json=body, headers=bearer(self.token))

    def current(self) -> dict[str, Any] | None:
        """The run in progress (None when there is none)."""
        response = self.send("GET", "/mlprep/v1/runs/current")
        assert response.status_code in (200, 204), response.text
        return response.json() if response.status_code == 200 else None

    def view(self, title: str) -> dict[str, Any]:
        """Waits until the run in progress shows the view called `title`; that view."""

        def shown() -> dict[str, Any] | None:
            run = self.current()
            view = run and run["openView"]
            return view if view and view["title"] == title else None

        return eventually(shown, f"the view {title!r}")

    def answer(self, view: dict[str, Any], result: str, text: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {"viewId": view["viewId"], "viewResult": result}
        if text is not None:
            body["viewInput"] = text
        return self.send("POST", "/api/v1/maintenance/close-view", body)

    def run(self, run_id: str) -> dict[str, Any]:
        response = self.send("GET", f"/mlprep/v1/runs/{run_id}")
        assert response.status_code == 200, response.text
        run: dict[str, Any] = response.json()
        return run

    def health(self) -> httpx.Response:
        return self.client.get("/mlprep/v1/health")


class SseListener:
    """An SSE stream read on a thread of its own: its lines, and whether it ended."""

    def __init__(self, server: ServerProcess, token: str) -> None:
        self.lines: list[str] = []
        self.ended = threading.Event()
        self._url = f"{server.base_url}/mlprep/v1/events?access_token={token}"
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()
        eventually(lambda: self.lines or None, "the SSE stream's first line", 10)

    def events(self, code: str) -> int:
        """How many events with `code` came so far."""
        return sum(1 for line in list(self.lines) if line == f"event: {code}")

    def _listen(self) -> None:
        try:
            with httpx.stream("GET", self._url, timeout=httpx.Timeout(60.0)) as response:
                self.lines.append(f"status {response.status_code}")
                for line in response.iter_lines():
                    if line:
                        self.lines.append(line)
        except httpx.HTTPError as error:
            self.lines.append(f"broken: {error!r}")
        finally:
            self.ended.set()
