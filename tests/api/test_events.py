"""The event transports in process, driven at the ASGI level (httpx's ASGI transport would buffer a
stream): what a client that falls behind, leaves, or lacks a permission gets, and the SSE framing.
Whole runs over a real server are in tests/e2e/test_events.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from mlprep.api.routes.events import server_sent_events
from mlprep.auth.permissions import ROLE_PERMISSIONS, Permission
from mlprep.contract.users import Role
from mlprep.events.bus import Event, EventBus, EventCode, Stream
from mlprep.services import Services
from mlprep.settings import EventsAuth
from tests.sessions import ADMIN_PASSWORD

pytestmark = pytest.mark.anyio

Message = dict[str, Any]
# A bound against hanging, not a timing check.
WAIT_SECONDS = 5.0
DENIAL = {"websocket.http.response": {}}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def running_app(app: FastAPI) -> AsyncIterator[FastAPI]:
    """The app with its lifespan running (it closes the bus at the end)."""
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def token(services: Services) -> str:
    return (await services.authenticator.login("admin", ADMIN_PASSWORD, None)).token


class Connection:
    """The server's side of one ASGI connection: the test says what the client sends, and reads
    what the app sent; clearing `send_gate` stalls the network (`stalled` tells when the app
    is stuck on it)."""

    def __init__(self, app: FastAPI, scope: Message, first: Message) -> None:
        self.incoming: asyncio.Queue[Message] = asyncio.Queue()
        self.incoming.put_nowait(first)
        self.outgoing: asyncio.Queue[Message] = asyncio.Queue()
        self.send_gate = asyncio.Event()
        self.send_gate.set()
        self.stalled = asyncio.Event()
        self.task = asyncio.create_task(app(scope, self.incoming.get, self._send))

    async def _send(self, message: Message) -> None:
        if not self.send_gate.is_set():
            self.stalled.set()
        await self.send_gate.wait()
        self.outgoing.put_nowait(message)

    async def sent(self) -> Message:
        """The next message the app sent."""
        return await asyncio.wait_for(self.outgoing.get(), WAIT_SECONDS)

    async def finished(self) -> None:
        """Wait for the app to be done with the connection."""
        await asyncio.wait_for(self.task, WAIT_SECONDS)


def scope(kind: str, path: str, token: str | None, extensions: Message | None = None) -> Message:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    return {
        "type": kind,
        "asgi": {"version": "3.0", "spec_version": "2.4" if kind == "websocket" else "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "ws" if kind == "websocket" else "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50123),
        "server": ("testserver", 80),
        "subprotocols": [],
        "extensions": extensions or {},
    }


def websocket(app: FastAPI, token: str | None, extensions: Message | None = None) -> Connection:
    handshake = scope("websocket", "/NimbusLite/instinctevents", token, extensions)
    return Connection(app, handshake, {"type": "websocket.connect"})


def status(number: int) -> Event:
    return Event(EventCode.MAINTENANCE_STATUS, f"status {number}", {"step": number})


async def test_a_websocket_client_that_falls_behind_is_closed_with_try_again_later(
    running_app: FastAPI, services: Services, token: str
) -> None:
    services.bus = EventBus(queue_size=2)
    client = websocket(running_app, token, DENIAL)
    assert (await client.sent())["type"] == "websocket.accept"

    client.send_gate.clear()
    services.bus.publish(status(1))
    await asyncio.wait_for(client.stalled.wait(), WAIT_SECONDS)  # stuck sending that one
    for number in range(2, 6):
        services.bus.publish(status(number))
    client.send_gate.set()

    assert await client.sent() == {
        "type": "websocket.send",
        "text": json.dumps(status(1).to_message()),
    }
    closing = await client.sent()
    assert (closing["type"], closing["code"]) == ("websocket.close", 1013)
    await client.finished()
    assert services.bus.subscriber_count == 0


async def test_a_websocket_client_that_leaves_is_unsubscribed(
    running_app: FastAPI, services: Services, token: str
) -> None:
    client = websocket(running_app, token, DENIAL)
    assert (await client.sent())["type"] == "websocket.accept"
    assert services.bus.subscriber_count == 1

    client.incoming.put_nowait({"type": "websocket.disconnect", "code": 1001})
    await client.finished()

    assert services.bus.subscriber_count == 0
    assert client.outgoing.empty()


async def test_what_a_websocket_client_sends_is_ignored(
    running_app: FastAPI, services: Services, token: str
) -> None:
    client = websocket(running_app, token, DENIAL)
    assert (await client.sent())["type"] == "websocket.accept"

    client.incoming.put_nowait({"type": "websocket.receive", "text": "hello?"})
    services.bus.publish(status(1))

    assert (await client.sent())["text"] == json.dumps(status(1).to_message())
    client.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await client.finished()


async def test_a_websocket_without_a_token_is_served_as_the_instrument_serves_it(
    running_app: FastAPI, services: Services
) -> None:
    client = websocket(running_app, token=None, extensions=DENIAL)
    assert (await client.sent())["type"] == "websocket.accept"

    services.bus.publish(status(1))
    assert (await client.sent())["text"] == json.dumps(status(1).to_message())
    client.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await client.finished()
    assert services.bus.subscriber_count == 0


async def test_with_events_auth_token_a_websocket_without_one_is_refused_with_401(
    running_app: FastAPI, services: Services
) -> None:
    services.settings = services.settings.model_copy(update={"events_auth": EventsAuth.TOKEN})
    client = websocket(running_app, token=None, extensions=DENIAL)

    answer = await client.sent()
    body = json.loads((await client.sent())["body"])
    assert (answer["type"], answer["status"]) == ("websocket.http.response.start", 401)
    assert body["status"] == 401
    assert "access_token" in body["detail"]
    await client.finished()
    assert services.bus.subscriber_count == 0


async def test_where_the_server_cannot_send_an_http_answer_a_refusal_is_a_policy_close(
    running_app: FastAPI, services: Services
) -> None:
    client = websocket(running_app, token="not-a-token")

    assert await client.sent() == {"type": "websocket.close", "code": 1008, "reason": ""}
    await client.finished()
    assert services.bus.subscriber_count == 0


async def test_a_user_without_view_maintenance_is_refused_with_403(
    running_app: FastAPI, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        ROLE_PERMISSIONS, Role.OPERATOR, frozenset({Permission.EXECUTE_MAINTENANCE})
    )
    services.users.add("olive", "a long enough password 1", Role.OPERATOR, actor="admin")
    token = (await services.authenticator.login("olive", "a long enough password 1", None)).token

    over_websocket = websocket(running_app, token, DENIAL)
    answer = await over_websocket.sent()
    body = json.loads((await over_websocket.sent())["body"])
    over_sse = Connection(
        running_app, scope("http", "/mlprep/v1/events", token), {"type": "http.request"}
    )
    sse_answer = await over_sse.sent()

    assert (answer["type"], answer["status"]) == ("websocket.http.response.start", 403)
    assert (body["status"], body["title"]) == (403, "Forbidden")
    assert "ViewMaintenance" in body["detail"]
    assert sse_answer["status"] == 403
    assert (b"content-type", b"application/problem+json") in sse_answer["headers"]
    await over_websocket.finished()
    await over_sse.finished()


async def test_server_sent_events_frame_each_event_and_unsubscribe_when_the_client_leaves(
    running_app: FastAPI, services: Services, token: str
) -> None:
    client = Connection(
        running_app, scope("http", "/mlprep/v1/events", token), {"type": "http.request"}
    )
    start = await client.sent()
    assert start["status"] == 200
    assert (b"content-type", b"text/event-stream; charset=utf-8") in start["headers"]
    assert services.bus.subscriber_count == 1

    services.bus.publish(status(1))
    frame = (await client.sent())["body"].decode()
    client.incoming.put_nowait({"type": "http.disconnect"})
    await client.finished()

    assert frame == f"event: maintenancestatus\ndata: {json.dumps(status(1).to_message())}\n\n"
    assert services.bus.subscriber_count == 0


async def test_an_sse_client_that_falls_behind_while_a_frame_is_stuck_is_told_why_at_once(
    running_app: FastAPI, services: Services, token: str
) -> None:
    services.bus = EventBus(queue_size=2)
    client = Connection(
        running_app, scope("http", "/mlprep/v1/events", token), {"type": "http.request"}
    )
    assert (await client.sent())["status"] == 200

    client.send_gate.clear()
    services.bus.publish(status(1))
    await asyncio.wait_for(client.stalled.wait(), WAIT_SECONDS)  # stuck sending that one
    client.stalled.clear()
    for number in range(2, 6):
        services.bus.publish(status(number))
    assert services.bus.subscriber_count == 0  # let go at once, the frame still stuck
    await asyncio.wait_for(client.stalled.wait(), WAIT_SECONDS)  # the goodbye, sent meanwhile
    client.send_gate.set()

    # The stuck frame is given up; the stream says why it ends, and ends.
    goodbye = await client.sent()
    end = await client.sent()
    await client.finished()
    assert goodbye["body"] == b": stream ended: fell too far behind; reconnect\n\n"
    assert (end["body"], end["more_body"]) == (b"", False)


async def test_a_quiet_event_stream_pings_and_says_why_it_ends() -> None:
    bus = EventBus(queue_size=1)
    stream = server_sent_events(bus.subscribe(frozenset({Stream.ERRORS})), ping_seconds=0.01)

    assert await anext(stream) == ": ping\n\n"
    bus.publish(status(1))  # another stream's event: still quiet
    assert await anext(stream) == ": ping\n\n"
    error = Event(EventCode.ERROR, "Tip lost", {"id": "e1"}, Stream.ERRORS)
    bus.publish(error)
    assert await anext(stream) == f"event: error\ndata: {json.dumps(error.to_message())}\n\n"
    bus.publish(error)
    bus.publish(error)  # the queue holds one: this subscriber is dropped
    assert await anext(stream) == ": stream ended: fell too far behind; reconnect\n\n"
    with pytest.raises(StopAsyncIteration):
        await anext(stream)
