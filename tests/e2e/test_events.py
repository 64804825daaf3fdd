"""The event streams of a real `mlprep serve`: WebSockets as instruments serve them and Server-Sent
Events, followed through whole maintenance runs, refused with a bad token (and without one where
the server requires it), and ended cleanly when the server stops."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.e2e.conftest import ServerFactory
from tests.e2e.instrument_session import (
    RECEIVE_SECONDS,
    Message,
    answer_views_until_finished,
    of_code,
    procedure_id,
    receive,
    receive_until,
    websocket,
)
from tests.e2e.server import ServerProcess
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, bearer, log_in


@pytest.fixture
def server(server_factory: ServerFactory) -> Iterator[ServerProcess]:
    """A server whose simulated actions finish at once; it must stop cleanly at the end."""
    server = server_factory(args=["--speed", "0"]).start()
    yield server
    if server.running:
        assert server.stop() == 0, server.log()


@pytest.fixture
def client(server: ServerProcess) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture
def token(client: httpx.Client) -> str:
    return log_in(client, "admin", ADMIN_PASSWORD)


class EventStream:
    """A Server-Sent Events reader over a streaming httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.comments: list[str] = []
        self._lines = response.iter_lines()

    def next(self) -> tuple[str, Message]:
        """The next event's name and JSON data. Raises EOFError when the stream has ended."""
        name, data = None, []
        for line in self._lines:
            if not line:
                if data:
                    return name or "message", json.loads("\n".join(data))
                continue
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if not field:
                self.comments.append(value)
            elif field == "event":
                name = value
            elif field == "data":
                data.append(value)
        raise EOFError("the event stream ended")


@contextmanager
def event_stream(
    server: ServerProcess, *, headers: dict[str, str] | None = None, **params: str
) -> Iterator[EventStream]:
    """`GET /mlprep/v1/events`, open while the block runs."""
    with (
        httpx.Client(base_url=server.base_url, timeout=RECEIVE_SECONDS) as client,
        client.stream("GET", "/mlprep/v1/events", headers=headers, params=params) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventStream(response)


def test_a_daily_maintenance_run_told_over_websocket_and_server_sent_events(
    server: ServerProcess, client: httpx.Client, token: str
) -> None:
    daily = procedure_id(client, token, "Daily Maintenance")
    with (
        websocket(server, "/NimbusLite/instinctevents", token=token) as events,
        event_stream(server, headers=bearer(token)) as sse,
    ):
        started = client.post(f"/api/v1/maintenance/{daily}", headers=bearer(token)).json()
        opening = receive_until(events, "maintenancedata")
        view = opening[-1]["data"]
        closing = {"viewId": view["viewId"], "viewResult": "Ok"}
        response = client.post(
            "/api/v1/maintenance/close-view", json=closing, headers=bearer(token)
        )
        assert response.status_code == 200, response.text
        closed = receive_until(events, "viewclosed")
        messages = [*opening, *closed, *answer_views_until_finished(events, client, token)]

        over_sse = []
        while not over_sse or over_sse[-1][0] != "finished":
            over_sse.append(sse.next())

    assert opening[0]["code"] == "maintenancestatus"
    assert opening[0]["data"]["runId"] == started["runId"]
    assert opening[0]["data"]["state"] == "Running"
    assert (view["runId"], view["title"], view["results"]) == (
        started["runId"],
        "Clear the deck",
        ["Ok", "Cancel"],
    )
    assert {key: closed[-1]["data"][key] for key in ("viewId", "result", "closedBy")} == {
        "viewId": view["viewId"],
        "result": "Ok",
        "closedBy": "admin",
    }
    assert len(of_code(messages, "viewclosed")) == len(of_code(messages, "maintenancedata")) == 3
    assert [m["data"]["channel"] for m in of_code(messages, "counters")] == ["Front", "Rear"]
    assert messages[-1]["code"] == "finished"
    assert messages[-1]["data"]["outcome"] == "Completed"
    assert messages[-1]["data"]["runId"] == started["runId"]
    # Server-Sent Events carry the very same messages, in the same order, named by their code.
    assert over_sse == [(message["code"], message) for message in messages]


def test_an_error_reaches_the_error_stream_only(
    server: ServerProcess, client: httpx.Client, token: str
) -> None:
    fault = {"operation": "tip_check", "channel": "Front"}
    planned = client.post("/mlprep/v1/simulator/faults/next", json=fault, headers=bearer(token))
    assert planned.status_code == 200, planned.text
    daily = procedure_id(client, token, "Daily Maintenance")
    with (
        websocket(server, "/NimbusLite/instinctevents", token=token) as events,
        websocket(server, "/NimbusLite/instincterrors", query_token=token) as errors,
        event_stream(server, streams="errors", access_token=token) as sse,
    ):
        started = client.post(f"/api/v1/maintenance/{daily}", headers=bearer(token)).json()
        messages = answer_views_until_finished(events, client, token)
        error, (name, over_sse) = receive(errors), sse.next()

    assert error["code"] == "error"
    assert error["data"]["runId"] == started["runId"]
    assert error["data"]["channel"] == "Front"
    assert error["description"] == error["data"]["response"]
    # The errors stream skipped everything the events stream said before the fault.
    assert (name, over_sse) == ("error", error)
    # On the events stream the error showed as a view (answered Yes: retry), and the run went on.
    assert [m["data"]["kind"] for m in of_code(messages, "maintenancedata")].count("Error") == 1
    assert messages[-1]["data"]["outcome"] == "Completed"


def test_an_invalid_token_is_refused_by_every_stream(server: ServerProcess) -> None:
    for path in ("/NimbusLite/instinctevents", "/NimbusLite/instincterrors"):
        for token, query_token in (("not-a-token", None), (None, "not-a-token")):
            assert_websocket_refused(server, path, 401, token=token, query_token=query_token)

    with server.client() as client:
        for headers, params in (
            ({}, {}),
            (bearer("not-a-token"), {}),
            ({}, {"access_token": "not-a-token"}),
        ):
            assert_problem(client.get("/mlprep/v1/events", headers=headers, params=params), 401)


def test_the_websockets_need_a_token_when_the_server_says_so(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(args=["--speed", "0", "--events-auth", "token"]).start()
    for path in ("/NimbusLite/instinctevents", "/NimbusLite/instincterrors"):
        assert_websocket_refused(server, path, 401)
    with server.client() as client:
        token = log_in(client, "admin", ADMIN_PASSWORD)
    with websocket(server, "/NimbusLite/instinctevents", token=token) as events:
        status = client_start_daily(server, token)
        assert receive(events)["data"]["runId"] == status
    assert server.stop() == 0, server.log()


def assert_websocket_refused(
    server: ServerProcess,
    path: str,
    status: int,
    *,
    token: str | None = None,
    query_token: str | None = None,
) -> None:
    """The handshake is answered with a problem of `status` instead of an upgrade."""
    with (
        pytest.raises(InvalidStatus) as refused,
        websocket(server, path, token=token, query_token=query_token),
    ):
        pass
    answer = refused.value.response
    assert answer.status_code == status, (path, token, query_token)
    assert answer.headers["Content-Type"] == "application/problem+json"
    body = json.loads(answer.body or b"")
    assert (body["status"], body["instance"]) == (status, path)


def client_start_daily(server: ServerProcess, token: str) -> str:
    """Starts Daily Maintenance; returns the run's id."""
    with server.client() as client:
        daily = procedure_id(client, token, "Daily Maintenance")
        started = client.post(f"/api/v1/maintenance/{daily}", headers=bearer(token))
        assert started.status_code == 200, started.text
        run_id: str = started.json()["runId"]
    with server.client() as client:
        client.post("/api/v1/maintenance/abort", headers=bearer(token))
    return run_id


def test_server_sent_events_of_an_unknown_stream_are_refused(
    client: httpx.Client, token: str
) -> None:
    response = client.get(
        "/mlprep/v1/events", params={"streams": "events,gossip"}, headers=bearer(token)
    )
    body = assert_problem(response, 400)
    assert "events, errors" in body["errors"]["streams"][0]


def test_a_stop_with_clients_connected_ends_their_streams_and_exits_cleanly(
    server: ServerProcess, token: str
) -> None:
    with (
        websocket(server, "/NimbusLite/instinctevents", query_token=token) as events,
        websocket(server, "/NimbusLite/instincterrors", token=token) as errors,
        event_stream(server, access_token=token) as sse,
    ):
        assert server.stop() == 0, server.log()

        for connection in (events, errors):
            with pytest.raises(ConnectionClosed) as closed:
                connection.recv(timeout=RECEIVE_SECONDS)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1001  # going away: the server is stopping
        with pytest.raises(EOFError):
            sse.next()
        assert sse.comments == ["stream ended: server stopping"]

    log = server.log()
    assert "timeout graceful shutdown exceeded" not in log  # the streams ended by themselves
    assert token not in log  # uvicorn logs a WebSocket's query; the token is redacted
    assert "access_token=[redacted]" in log
