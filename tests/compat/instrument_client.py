"""A client written the way instrument clients are written: plain `requests` calls under the
`/NimbusLite` prefix with PascalCase bodies, and `websocket-client` on the two event sockets
with no token; payloads decoded defensively (the instrument nests JSON inside JSON strings).

Nothing here imports mlprep: this is code an integrator wrote against a real Prep.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
import websocket

# Bounds against hanging on an answer that never comes, not timing checks.
TIMEOUT = 10.0
RECEIVE_SECONDS = 10.0


def deep_json(value: Any) -> Any:
    """Decode JSON, and JSON inside JSON strings, at every level; leave anything else."""
    if isinstance(value, bytes | bytearray):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "[", '"'):
            try:
                return deep_json(json.loads(text))
            except ValueError:
                return value
        return value
    if isinstance(value, dict):
        return {key: deep_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [deep_json(item) for item in value]
    return value


class Prep:
    """The instrument at `base` (e.g. `http://127.0.0.1:8080`)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.api = f"{base}/NimbusLite/api/v1"
        self.ws = base.replace("http://", "ws://", 1) + "/NimbusLite"
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.api}/{path}", timeout=TIMEOUT, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """The decoded answer of a call that must succeed (None for an empty body)."""
        response = self.request(method, path, **kwargs)
        assert response.ok, f"{method} {path} -> {response.status_code}: {response.text}"
        return deep_json(response.text) if response.content else None

    def login(self, user: str, password: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.ok(
            "POST", "authenticate", json={"Username": user, "Password": password}
        )
        self.session.headers["Authorization"] = f"Bearer {answer['token']}"
        return answer

    def renew(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.ok("POST", "authenticate/renew-token", json={})
        self.session.headers["Authorization"] = f"Bearer {answer['token']}"
        return answer

    def logout(self) -> None:
        self.ok("DELETE", "authenticate")

    def procedure_id(self, name: str) -> str:
        procedures = self.ok("GET", "maintenance")
        return str(next(p["id"] for p in procedures if p["name"] == name))

    def close_view(self, view_id: str, result: str, text: str = "") -> requests.Response:
        body = {"ViewId": view_id, "ViewResult": result, "ViewInput": text}
        return self.request("POST", "maintenance/close-view", json=body)

    def pending_errors(self) -> list[dict[str, Any]]:
        pending: list[dict[str, Any]] = self.ok("GET", "errors/check-for-pending-errors")
        return pending

    def respond_to_error(self, error: dict[str, Any], response: str) -> requests.Response:
        items = error.get("errorData") or [{"id": error.get("id")}]
        body = {
            "Id": error.get("id"),
            "GroupId": error.get("groupId"),
            "SelectedResponse": response,
            "ErrorData": [{"Id": item.get("id"), "SelectedResponse": response} for item in items],
        }
        return self.request("PUT", "errors/runtime", json=body)

    @contextmanager
    def socket(self, path: str, **options: Any) -> Iterator[websocket.WebSocket]:
        """One of the instrument's event sockets, opened as its clients open it: no token."""
        connection = websocket.create_connection(
            f"{self.ws}/{path}", timeout=RECEIVE_SECONDS, **options
        )
        try:
            yield connection
        finally:
            connection.close()


def receive(connection: websocket.WebSocket) -> dict[str, Any]:
    """The next message, decoded defensively."""
    message: dict[str, Any] = deep_json(connection.recv())
    return message


def receive_code(connection: websocket.WebSocket, code: str, limit: int = 200) -> dict[str, Any]:
    """The next message with `code`, skipping others."""
    for _ in range(limit):
        message = receive(connection)
        if str(message.get("code", "")).lower() == code:
            return message
    raise AssertionError(f"no '{code}' message among the next {limit}")
