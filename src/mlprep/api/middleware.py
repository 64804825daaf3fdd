"""ASGI middleware: trace ids, the simulated-instrument header, and the body size limit."""

from __future__ import annotations

import asyncio
import json
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
# Before a body over the limit is refused, this much more of it is read (and thrown away) for at
# most this long: a client still sending when the connection closes meets a broken pipe or a
# reset instead of its 413. Past either bound the answer goes out all the same.
DRAIN_BYTES = 16 * 1024 * 1024
DRAIN_SECONDS = 5.0
# Every answer of the simulator says so.
SIMULATED_HEADER = (b"x-instrument-simulated", b"true")


def new_trace_id() -> str:
    """A W3C trace-context id for one request (problem responses report it as `traceId`)."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"


class RequestContextMiddleware:
    """Gives each request a trace id, marks simulated responses, and refuses bodies over 1 MiB.

    A pure ASGI middleware (not BaseHTTPMiddleware) so that streaming responses such as SSE pass
    straight through.
    """

    def __init__(self, app: ASGIApp, simulated: bool, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.simulated = simulated
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        trace = new_trace_id()
        scope["mlprep.trace_id"] = trace
        extra_headers = [SIMULATED_HEADER] if self.simulated else []

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + extra_headers
            await send(message)

        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        if not _announces_content(scope["headers"]):
            # No body and no content type (the common GET): nothing to rewrite, limit or guard.
            await self.app(scope, receive, send_with_headers)
            return
        scope["headers"] = [_as_application_json(name, value) for name, value in scope["headers"]]
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            # A client that waits for `100 Continue` has sent none of it: nothing to read.
            if headers.get(b"expect", b"").lower() != b"100-continue":
                await _drain(receive)
            await self._too_large(scope, send_with_headers, trace)
            return
        received = 0
        responded = False

        async def limited_receive() -> Message:
            nonlocal received, responded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body and not responded:
                    # Answer now and tell the application the client has gone: whatever it
                    # then tries to send is dropped below.
                    responded = True
                    if message.get("more_body", False):
                        await _drain(receive)
                    await self._too_large(scope, send_with_headers, trace)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not responded:
                await send_with_headers(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not responded:
                raise

    async def _too_large(self, scope: Scope, send: Send, trace: str) -> None:
        body = json.dumps(
            {
                "type": "https://tools.ietf.org/html/rfc9110#section-15.5.14",
                "title": "Payload Too Large",
                "status": 413,
                "detail": f"The request body is larger than {self.max_body} bytes.",
                "instance": scope.get("path"),
                "traceId": trace,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def _drain(receive: Receive) -> None:
    """Read and drop the rest of the request's body, within DRAIN_BYTES and DRAIN_SECONDS."""
    drained = 0
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            while drained <= DRAIN_BYTES:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client has gone
                drained += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return
    except TimeoutError:
        return


def _announces_content(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request says it has a body, or what type its body is."""
    for name, value in headers:
        if name in (b"content-type", b"transfer-encoding"):
            return True
        if name == b"content-length" and value != b"0":
            return True
    return False


def _as_application_json(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    """`text/json` is JSON too (ASP.NET accepts it); FastAPI parses only `application/*json`."""
    if name == b"content-type" and value.split(b";", 1)[0].strip().lower() == b"text/json":
        return name, b"application/json" + value[len(value.split(b";", 1)[0]) :]
    return name, value
