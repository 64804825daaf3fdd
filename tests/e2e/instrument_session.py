"""Talking to a real `mlprep serve` as an instrument client does: over HTTP with a token, and over
the WebSocket event streams, answering each view as it arrives.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.e2e.server import ServerProcess
from tests.sessions import bearer

# A bound against hanging on a message that never comes, not a timing check.
RECEIVE_SECONDS = 10.0
EVENTS = "/NimbusLite/instinctevents"
ERRORS = "/NimbusLite/instincterrors"
NEVER = "0001-01-01T00:00:00+00:00"
COUNTER_KINDS = ("tipPickUpCounter", "tipEjectCounter", "aspirateCounter", "dispenseCounter")
Message = dict[str, Any]
View = dict[str, Any]
Answer = tuple[str, str | None]


def websocket_url(server: ServerProcess, path: str) -> str:
    return server.base_url.replace("http://", "ws://", 1) + path


@contextmanager
def websocket(
    server: ServerProcess, path: str, *, token: str | None = None, query_token: str | None = None
) -> Iterator[ClientConnection]:
    """A WebSocket on `path`, with the token in the header or the query (or none)."""
    url = websocket_url(server, path)
    if query_token is not None:
        url += f"?access_token={query_token}"
    headers = bearer(token) if token is not None else None
    with connect(url, additional_headers=headers, open_timeout=RECEIVE_SECONDS) as connection:
        yield connection


def receive(connection: ClientConnection, timeout: float = RECEIVE_SECONDS) -> Message:
    """The next text frame, as JSON."""
    message: Message = json.loads(connection.recv(timeout=timeout))
    return message


def receive_until(
    connection: ClientConnection, code: str, timeout: float = RECEIVE_SECONDS
) -> list[Message]:
    """Every message up to and including the next one with `code`."""
    messages = [receive(connection, timeout)]
    while messages[-1]["code"] != code:
        messages.append(receive(connection, timeout))
    return messages


def of_code(messages: list[Message], code: str) -> list[Message]:
    return [message for message in messages if message["code"] == code]


def procedure_id(client: httpx.Client, token: str, name: str) -> str:
    procedures = client.get("/api/v1/maintenance", headers=bearer(token)).json()
    return str(next(p["id"] for p in procedures if p["name"] == name))


def close_view(
    client: httpx.Client, token: str, view_id: str, result: str, view_input: str | None = None
) -> httpx.Response:
    """`POST /api/v1/maintenance/close-view`; the caller checks the answer."""
    body = {"viewId": view_id, "viewResult": result, "viewInput": view_input}
    return client.post("/api/v1/maintenance/close-view", json=body, headers=bearer(token))


def usual_answer(view: View) -> Answer:
    """What a diligent operator answers: Yes where offered (a question; retry an error), else Ok,
    with a lot number where an input is required."""
    result = "Yes" if "Yes" in view["results"] else "Ok"
    return result, ("LOT-4711" if view["inputRequired"] else None)


def answer_views_until_finished(
    events: ClientConnection,
    client: httpx.Client,
    token: str,
    answer: Callable[[View], Answer] = usual_answer,
) -> list[Message]:
    """Every message until the run's `finished`, answering each view as it opens."""
    messages = []
    while True:
        message = receive(events)
        messages.append(message)
        if message["code"] == "maintenancedata":
            view = message["data"]
            response = close_view(client, token, view["viewId"], *answer(view))
            assert response.status_code == 200, response.text
        if message["code"] == "finished":
            return messages


class Operator:
    """A logged-in client of one server: reads and starts procedures, controls the simulator."""

    def __init__(self, server: ServerProcess, client: httpx.Client, token: str) -> None:
        self.server = server
        self.client = client
        self.token = token

    def get(self, path: str) -> Any:
        response = self.client.get(path, headers=bearer(self.token))
        assert response.status_code == 200, response.text
        return response.json()

    def send(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.client.request(method, path, json=body, headers=bearer(self.token))

    def ok(self, method: str, path: str, body: Any = None) -> httpx.Response:
        response = self.send(method, path, body)
        assert response.status_code == 200, response.text
        return response

    def procedure(self, name: str) -> dict[str, Any]:
        """`GET /api/v1/maintenance/{id}` of the procedure called `name`."""
        procedure: dict[str, Any] = self.get(
            f"/api/v1/maintenance/{procedure_id(self.client, self.token, name)}"
        )
        return procedure

    def counters(self) -> dict[str, dict[str, int]]:
        """The channel counters by channel name."""
        counters = self.get("/api/v1/maintenance/channel-counters")
        return {c["name"]: {kind: c[kind] for kind in COUNTER_KINDS} for c in counters}

    def start(self, name: str) -> str:
        """Starts the procedure called `name`; returns the run's id."""
        pid = procedure_id(self.client, self.token, name)
        run_id: str = self.ok("POST", f"/api/v1/maintenance/{pid}").json()["runId"]
        return run_id

    def run(self, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = self.get(f"/mlprep/v1/runs/{run_id}")
        return run

    def errors(self) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = self.get("/api/v1/maintenance/errors")
        return errors

    def plan_fault(self, operation: str, channel: str | None) -> None:
        self.ok(
            "POST", "/mlprep/v1/simulator/faults/next", {"operation": operation, "channel": channel}
        )

    def set_hepa(self, pressure_drop_pa: float) -> None:
        self.ok("PUT", "/mlprep/v1/simulator/hepa", {"pressureDropPa": pressure_drop_pa})

    def set_uv_interval(self, interval: str) -> None:
        self.ok("PUT", "/api/v1/maintenance/uv-routine-settings", {"interval": interval})

    @contextmanager
    def events(self) -> Iterator[ClientConnection]:
        with websocket(self.server, EVENTS, token=self.token) as connection:
            yield connection

    @contextmanager
    def errors_stream(self) -> Iterator[ClientConnection]:
        with websocket(self.server, ERRORS, token=self.token) as connection:
            yield connection

    def answer_until_finished(
        self, events: ClientConnection, answer: Callable[[View], Answer] = usual_answer
    ) -> list[Message]:
        return answer_views_until_finished(events, self.client, self.token, answer)

    def settle(self) -> None:
        """Leaves the instrument idle as a fresh server has it: no run in progress (one left by a
        failed test is aborted), no planned faults, the HEPA reading normal, UV routine Daily."""
        if self.send("GET", "/mlprep/v1/runs/current").status_code == 200:
            self.send("POST", "/api/v1/maintenance/abort")
            deadline = time.monotonic() + RECEIVE_SECONDS
            while self.send("GET", "/mlprep/v1/runs/current").status_code == 200:
                assert time.monotonic() < deadline, "the run in progress did not end"
                time.sleep(0.05)
        self.ok("DELETE", "/mlprep/v1/simulator/faults")
        self.set_hepa(120)
        self.set_uv_interval("Daily")


def deltas(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> dict[str, Any]:
    """How far each counter of each channel moved (channels and counters that did not, left out)."""
    moved = {
        channel: {
            kind: after[channel][kind] - value
            for kind, value in counters.items()
            if after[channel][kind] != value
        }
        for channel, counters in before.items()
    }
    return {channel: counters for channel, counters in moved.items() if counters}
