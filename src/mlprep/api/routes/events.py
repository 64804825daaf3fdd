"""The event transports (DESIGN §8): WebSockets as real instruments serve them, and Server-Sent
Events at `/mlprep/v1/events` for browsers and curl. Both carry the bus's messages unchanged.

A subscriber is subscribed before its connection is confirmed, so it misses nothing published
after it sees the confirmation. One that falls behind is dropped by the bus and its connection
closed; it may reconnect and read the present state back (`GET /mlprep/v1/runs/current`).

The WebSockets, as the instrument serves them, admit a client that sends no token at all (unless
the server runs with `--events-auth token`); a token that is sent must be valid. The SSE stream
always needs one.

A stream opened with a token lives no longer than that token: a logout, a new password or the user's
removal in this server ends it at once (the bus's `end_sessions`), and every `RECHECK_SECONDS`
the token is checked again, which catches the same changes made by another process (`mlprep
users passwd` on the data directory) and the token's expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from mlprep.api.dependencies import ServicesDep
from mlprep.api.problems import problem_response, status_of
from mlprep.api.responses import problem_responses
from mlprep.auth.permissions import Permission
from mlprep.auth.principal import Principal
from mlprep.errors import (
    AuthenticationError,
    DatabaseUnavailableError,
    InvalidRequestError,
    MissingCredentialsError,
    PermissionDeniedError,
)
from mlprep.events.access import EventsAuth
from mlprep.events.bus import Event, EventBus, Holder, Stream, Subscription
from mlprep.services import Services

PING_SECONDS = 15.0
RECHECK_SECONDS = 5.0
GOING_AWAY = 1001  # the server is stopping
POLICY_VIOLATION = 1008  # no valid token (servers answer it before the handshake with a 403)
TRY_AGAIN_LATER = 1013  # the client fell too far behind and was dropped
REVOKED = "The token was revoked or has expired; log in again."
END_COMMENT = b": stream ended: "
EVENT_STREAM_EXTENSION = "mlprep.event_stream"  # offered by mlprep's HTTP protocol
DENIAL_EXTENSION = "websocket.http.response"
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/ProblemDetails"}
NO_TOKEN = (
    "The event streams need a token: send 'Authorization: Bearer <token>' or, where headers "
    "cannot be set (browsers), the query parameter access_token=<token>; get one from "
    "POST /api/v1/authenticate."
)

websocket_router = APIRouter()
router = APIRouter(tags=["mlprep"])


def message_text(event: Event) -> str:
    """The JSON text both transports send for `event`."""
    return json.dumps(event.to_message())


def header_token(connection: HTTPConnection) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip() or None


def anonymous_allowed(services: Services, token: str | None) -> bool:
    """Whether a WebSocket may open without a token: none was sent and none is required."""
    return token is None and services.settings.events_auth is EventsAuth.NONE


def authorize_subscriber(services: Services, token: str | None, use: bool = True) -> Principal:
    """The caller behind `token`, if it may read events (opening a stream uses the token's
    session; checking on it later does not).

    Raises:
        AuthenticationError: no token, or not a valid one.
        PermissionDeniedError: the user lacks ViewMaintenance.
    """
    if token is None:
        raise MissingCredentialsError(NO_TOKEN)
    principal = services.authenticator.authenticate(token, use=use)
    services.authenticator.require(principal, Permission.VIEW_MAINTENANCE)
    return principal


# -- WebSockets ---------------------------------------------------------------------------------


@websocket_router.websocket("/instinctevents")
async def instinct_events(websocket: WebSocket) -> None:
    """Events of the running procedure: views, state changes, counters, the end of a run."""
    await _serve_websocket(websocket, Stream.EVENTS)


@websocket_router.websocket("/instincterrors")
async def instinct_errors(websocket: WebSocket) -> None:
    """Errors the running procedure raises."""
    await _serve_websocket(websocket, Stream.ERRORS)


def holder_of(principal: Principal) -> Holder:
    """The token behind a subscription, so that revoking it ends the stream."""
    return Holder(principal.user_id, principal.claims.jti)


def still_valid(services: Services, token: str) -> bool:
    """Whether `token` still admits its holder to the event streams. While the database cannot
    be read the answer is yes: the token was valid, and a revocation is applied once it can be
    read (one made through this server ends the stream at once anyway)."""
    try:
        authorize_subscriber(services, token, use=False)
    except (AuthenticationError, PermissionDeniedError):
        return False
    except DatabaseUnavailableError:
        return True
    return True


async def still_valid_now(services: Services, token: str) -> bool:
    """`still_valid`, checked against the store on a worker thread (not on the event loop)."""
    return await asyncio.to_thread(still_valid, services, token)


async def revoked_later(services: Services, token: str, every: float = RECHECK_SECONDS) -> None:
    """Returns once `token` stops being valid, checking it every `every` seconds."""
    while True:
        await asyncio.sleep(every)
        if not await still_valid_now(services, token):
            return


async def _serve_websocket(websocket: WebSocket, stream: Stream) -> None:
    services: Services = websocket.app.state.services
    token = header_token(websocket) or websocket.query_params.get("access_token") or None
    if anonymous_allowed(services, token):
        await _accept_and_relay(websocket, services.bus.subscribe(frozenset({stream})), None)
        return
    try:
        principal = await run_in_threadpool(authorize_subscriber, services, token)
    except (AuthenticationError, PermissionDeniedError) as refusal:
        await _refuse(websocket, refusal)
        return
    assert token is not None
    subscription = services.bus.subscribe(frozenset({stream}), holder_of(principal))
    await _accept_and_relay(websocket, subscription, revoked_later(services, token))


async def _accept_and_relay(
    websocket: WebSocket,
    subscription: Subscription,
    revocation: Coroutine[Any, Any, None] | None,
) -> None:
    bus: EventBus = websocket.app.state.services.bus
    try:
        await websocket.accept()
        await _relay(websocket, subscription, revocation)
    finally:
        bus.unsubscribe(subscription)
        if revocation is not None:
            revocation.close()  # never awaited if the client left before it was scheduled


async def _refuse(
    websocket: WebSocket, refusal: AuthenticationError | PermissionDeniedError
) -> None:
    """Refuse the handshake: with a problem+json answer (401 or 403) where the server can send
    one, else by closing before accepting, which the server answers with a bare 403."""
    if DENIAL_EXTENSION in websocket.scope.get("extensions", {}):
        answer = problem_response(status_of(refusal), refusal.detail, request=websocket)
        await websocket.send_denial_response(answer)
    else:
        await websocket.close(POLICY_VIOLATION)


async def _relay(
    websocket: WebSocket,
    subscription: Subscription,
    revocation: Coroutine[Any, Any, None] | None,
) -> None:
    """Send events until the subscription ends, the client leaves or the token (if one opened
    the stream) stops being valid, whichever comes first.

    An ended subscription closes the connection at once, with the reason's code, even while a
    send waits on a client that reads nothing (the server's protocol writes the close behind
    it and cuts the connection if the client takes neither: cli/connection_limits.py).
    """
    leaving = asyncio.create_task(_until_client_leaves(websocket))
    tasks = {
        leaving,
        asyncio.create_task(_send_events(websocket, subscription)),
        asyncio.create_task(subscription.ended.wait()),
    }
    if revocation is not None:
        tasks.add(asyncio.create_task(_close_when_revoked(websocket, revocation)))
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if subscription.ended.is_set() and not leaving.done():
            await _close_as_ended(websocket, subscription)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()  # an unexpected error surfaces here


async def _until_client_leaves(websocket: WebSocket) -> None:
    # The streams are one-way; whatever a client sends is read only to notice it leave.
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


async def _send_events(websocket: WebSocket, subscription: Subscription) -> None:
    with contextlib.suppress(WebSocketDisconnect):  # the client left while we were sending
        while (event := await subscription.next()) is not None:
            await websocket.send_text(message_text(event))


async def _close_as_ended(websocket: WebSocket, subscription: Subscription) -> None:
    if subscription.revoked:
        code, reason = POLICY_VIOLATION, REVOKED
    elif subscription.dropped:
        code, reason = TRY_AGAIN_LATER, "Fell too far behind; reconnect."
    else:
        code, reason = GOING_AWAY, "The server is stopping."
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # the client has just left
        await websocket.close(code, reason)


async def _close_when_revoked(websocket: WebSocket, revocation: Coroutine[Any, Any, None]) -> None:
    await revocation
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await websocket.close(POLICY_VIOLATION, REVOKED)


# -- Server-Sent Events -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """A caller admitted to the SSE stream, and the token that admitted them."""

    principal: Principal
    token: str


def event_reader(
    request: Request,
    services: ServicesDep,
    access_token: Annotated[
        str | None,
        Query(description="The token, for clients that cannot send headers (EventSource)"),
    ] = None,
) -> Reader:
    """The caller, by a bearer token in the Authorization header or the access_token query."""
    token = header_token(request) or access_token or None
    principal = authorize_subscriber(services, token)
    assert token is not None
    return Reader(principal, token)


EventReader = Annotated[Reader, Depends(event_reader)]


def parse_streams(text: str) -> frozenset[Stream]:
    """`events,errors` as streams. Raises InvalidRequestError for an unknown or empty list."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    known = ", ".join(stream.value for stream in Stream)
    unknown = [name for name in names if name not in {stream.value for stream in Stream}]
    if unknown or not names:
        message = f"Name one or more of these streams, separated by commas: {known}."
        raise InvalidRequestError(message, {"streams": [message]})
    return frozenset(Stream(name) for name in names)


async def _always_valid() -> bool:
    return True


async def server_sent_events(
    subscription: Subscription,
    ping_seconds: float,
    still_valid: Callable[[], Awaitable[bool]] = _always_valid,
    recheck_seconds: float = RECHECK_SECONDS,
) -> AsyncIterator[str]:
    """The subscription's events as SSE frames, with a comment line whenever it is quiet for
    `ping_seconds` (proxies close connections that stay silent). The stream ends once
    `still_valid()` turns false (checked every `recheck_seconds`)."""
    loop = asyncio.get_running_loop()
    next_ping = loop.time() + ping_seconds
    next_check = loop.time() + recheck_seconds
    while True:
        try:
            wait = max(0.0, min(next_ping, next_check) - loop.time())
            event = await asyncio.wait_for(subscription.next(), wait)
        except TimeoutError:
            if loop.time() >= next_check:
                next_check = loop.time() + recheck_seconds
                if not await still_valid():
                    yield f": stream ended: {REVOKED}\n\n"
                    return
            if loop.time() >= next_ping:
                next_ping = loop.time() + ping_seconds
                yield ": ping\n\n"
            continue
        if event is None:
            yield f": stream ended: {_end_reason(subscription)}\n\n"
            return
        yield f"event: {event.code.value}\ndata: {message_text(event)}\n\n"


def _end_reason(subscription: Subscription) -> str:
    if subscription.revoked:
        return REVOKED
    if subscription.dropped:
        return "fell too far behind; reconnect"
    return "server stopping"


class EventStreamResponse(StreamingResponse):
    """An SSE response on one subscription, which it ends however the response ends.

    When the subscription ends, the stream ends at once, even while a frame waits on a client
    that reads nothing: that frame is given up, the stream's last words go out behind what the
    client has not taken, and the connection is cut if it takes none of it in the send timeout
    (cli/connection_limits.py).
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        bus: EventBus,
        subscription: Subscription,
        still_valid: Callable[[], Awaitable[bool]] = _always_valid,
        ping_seconds: float = PING_SECONDS,
    ) -> None:
        super().__init__(
            server_sent_events(subscription, ping_seconds, still_valid),
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self._bus = bus
        self._subscription = subscription

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # mlprep's server keeps little of a stream unsent (cli/connection_limits.py).
        stream_extension = scope.get("extensions", {}).get(EVENT_STREAM_EXTENSION)
        if stream_extension is not None:
            stream_extension["start"]()
        progress = _StreamProgress()
        streaming = asyncio.create_task(self._stream(send, progress))
        tasks = {
            streaming,
            asyncio.create_task(_until_disconnected(receive)),
            asyncio.create_task(self._subscription.ended.wait()),
        }
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            if streaming in done:
                streaming.result()  # an unexpected error surfaces here
            elif self._subscription.ended.is_set():
                streaming.cancel()
                await asyncio.wait({streaming})
                await self._end(send, progress)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._bus.unsubscribe(self._subscription)

    async def _stream(self, send: Send, progress: _StreamProgress) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        progress.started = True
        async for frame in self.body_iterator:
            chunk = frame.encode() if isinstance(frame, str) else bytes(frame)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            progress.said_why = chunk.startswith(END_COMMENT)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _end(self, send: Send, progress: _StreamProgress) -> None:
        if not progress.started:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
        if not progress.said_why:
            goodbye = f": stream ended: {_end_reason(self._subscription)}\n\n".encode()
            await send({"type": "http.response.body", "body": goodbye, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


@dataclass
class _StreamProgress:
    """How far an SSE response has gone: its start sent, its reason for ending given."""

    started: bool = False
    said_why: bool = False


async def _until_disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _problems_as_json(*statuses: int) -> dict[int | str, dict[str, Any]]:
    # FastAPI would file the problem schema under this route's own media type, text/event-stream.
    return {
        status: {
            "description": entry["description"],
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
        }
        for status, entry in problem_responses(*statuses).items()
    }


@router.get(
    "/events",
    operation_id="getEvents",
    summary="Maintenance events as Server-Sent Events (the WebSocket streams' messages)",
    description=(
        'Each message is `event: <code>` and `data: {"code", "description", "data"}`, the '
        "same JSON the WebSockets `/NimbusLite/instinctevents` and `/NimbusLite/instincterrors` "
        "send. Codes: maintenancedata, viewclosed, maintenancestatus, finished, counters (stream "
        "`events`), error (stream `errors`), and the simulator's clock, uvroutine and reset "
        "(stream `simulator`, which only this transport carries; ask for it with "
        f"`streams=events,errors,simulator`). A comment line comes every {PING_SECONDS:g} s "
        "while nothing happens. A client that falls too far behind is dropped: the stream ends."
    ),
    response_class=EventStreamResponse,
    status_code=200,
    responses={
        200: {
            "description": "The event stream, open until the client leaves or the server stops",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **_problems_as_json(400, 401, 403),
    },
    openapi_extra={"security": [{"Bearer": []}]},
)
async def get_events(
    reader: EventReader,
    services: ServicesDep,
    streams: Annotated[
        str,
        Query(description="The streams to follow, separated by commas: events, errors, simulator"),
    ] = "events,errors",
) -> EventStreamResponse:
    subscription = services.bus.subscribe(parse_streams(streams), holder_of(reader.principal))
    return EventStreamResponse(
        services.bus, subscription, partial(still_valid_now, services, reader.token)
    )
