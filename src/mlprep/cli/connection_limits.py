"""What a connection may cost the server: uvicorn's protocols, with limits it lacks.

uvicorn closes a kept-alive connection that stays idle, but a new one that never completes its
request head stays open for good (a slowloris), and it accepts connections until the process
runs out of file descriptors, when the event loop's accept resets the clients. Here:

- a connection has `header_seconds` to send a whole request head (else 408, or nothing if it
  sent nothing, and it is closed), and `idle_seconds` between requests;
- at most `max_connections` are open at once, below the open-file limit: the next one is told
  503 with a problem body once its request begins, and closed (HTTP and WebSocket alike); when
  the refusals in flight have used up the descriptors kept back, the oldest connection still
  waiting for its request head (a slowloris, most likely) makes way for the new one;
- a client that takes none of what the server sends for `send_seconds` is cut off: a WebSocket
  is closed with 1013 (Try Again Later) and cut if it does not take that either.

Event streams are long-lived by design: none of these cuts one whose client keeps reading. Their
sockets keep little unsent (`as_event_stream`): a subscriber that stops reading is noticed after
some hundred events, not after the 4 MB the kernel would otherwise buffer for each.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import resource
import socket
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState

from mlprep.api.middleware import SIMULATED_HEADER, new_trace_id
from mlprep.api.problems import TITLE_OF, TYPE_OF
from mlprep.api.routes.events import EVENT_STREAM_EXTENSION
from mlprep.settings import Settings

logger = logging.getLogger("mlprep.connections")

# Descriptors kept for everything but connections: the database and its journal, the pool's
# connections to PostgreSQL, log files, images being served, the loop's own.
RESERVED_FILES = 128
# A refused client is answered once its request begins, or after this long without it; it has
# as long again to read its 503 before the connection is closed. Refusals take descriptors too:
# with fewer than DESCRIPTORS_KEPT left, a connection past the cap is closed at once.
REFUSED_LINGER_SECONDS = 0.5
DESCRIPTORS_KEPT = 4
GAUGE_SECONDS = 0.1
REPORT_EVERY_SECONDS = 10.0
TRY_AGAIN_LATER = 1013
# What an event stream may leave unsent: in the kernel (which doubles it), and in the loop.
STREAM_SEND_BUFFER = 32 * 1024
STREAM_WRITE_HIGH_WATER = 16 * 1024


@dataclass(frozen=True)
class ConnectionLimits:
    """The limits one server applies to each connection."""

    header_seconds: float
    idle_seconds: float
    send_seconds: float
    max_connections: int
    open_files: int | None  # the limit the cap was derived from, if any


def open_files_limit() -> int | None:
    """The process's limit on open file descriptors (None: unlimited)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def safe_connection_cap(open_files: int | None) -> int | None:
    """How many connections fit under `open_files` with room for everything else."""
    if open_files is None:
        return None
    return max(1, open_files - max(RESERVED_FILES, open_files // 8))


def connection_limits(settings: Settings) -> ConnectionLimits:
    """The limits `settings` ask for; a cap above what the open-file limit leaves room for is
    lowered (a server out of descriptors resets every new client)."""
    open_files = open_files_limit()
    safe = safe_connection_cap(open_files)
    wanted = settings.max_connections
    if wanted is None:
        cap = safe if safe is not None else 10_000
    elif safe is not None and wanted > safe:
        logger.warning(
            "at most %d connections, not %d: the process may open %d files (ulimit -n)",
            safe,
            wanted,
            open_files,
        )
        cap = safe
    else:
        cap = wanted
    logger.info("at most %d connections at once (open-file limit: %s)", cap, open_files or "none")
    return ConnectionLimits(
        header_seconds=settings.header_timeout,
        idle_seconds=settings.idle_timeout,
        send_seconds=settings.send_timeout,
        max_connections=cap,
        open_files=open_files,
    )


def as_event_stream(transport: asyncio.BaseTransport) -> None:
    """Keep little of what a long-lived stream sends waiting on a client that reads nothing."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, STREAM_SEND_BUFFER)
    if isinstance(transport, asyncio.WriteTransport):
        transport.set_write_buffer_limits(high=STREAM_WRITE_HIGH_WATER)


def http_protocol(limits: ConnectionLimits) -> type[HttpToolsProtocol]:
    """uvicorn's HTTP protocol under `limits` (for `uvicorn.Config(http=...)`)."""
    gauge = DescriptorGauge(limits.open_files, limits.max_connections)
    return type(
        "LimitedHttpProtocol",
        (LimitedHttpProtocol,),
        {"limits": limits, "descriptors": gauge, "waiting_heads": {}},
    )


def websocket_protocol(limits: ConnectionLimits) -> type[WebSocketsSansIOProtocol]:
    """uvicorn's WebSocket protocol under `limits` (for `uvicorn.Config(ws=...)`)."""
    return type("LimitedWebSocketProtocol", (LimitedWebSocketProtocol,), {"limits": limits})


class DescriptorGauge:
    """How many more files the process may open: counted at most every GAUGE_SECONDS (listing
    /proc/self/fd takes about a millisecond with a thousand open) and estimated in between from
    the connections opened since. Where it cannot be counted, from the connections alone."""

    def __init__(self, open_files: int | None, max_connections: int) -> None:
        self._open_files = open_files
        self._fallback = max_connections + RESERVED_FILES // 2
        self._counted_at: float | None = None
        self._used = 0
        self._connections = 0

    def left(self, connections: int, now: float) -> int:
        """Descriptors left, with `connections` open now (`now`: the loop's time)."""
        if self._open_files is None:
            return DESCRIPTORS_KEPT + 1
        if self._counted_at is None or now - self._counted_at >= GAUGE_SECONDS:
            try:
                self._used = len(os.listdir("/proc/self/fd"))
            except OSError:
                return self._fallback - connections + DESCRIPTORS_KEPT
            self._counted_at, self._connections = now, connections
        return self._open_files - self._used - (connections - self._connections)


class LimitedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header timeout, a connection cap and a send timeout."""

    limits: ClassVar[ConnectionLimits]
    descriptors: ClassVar[DescriptorGauge]
    # The connections that have not sent a whole first request head yet, oldest first.
    waiting_heads: ClassVar[dict[LimitedHttpProtocol, None]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timeout_keep_alive = self.limits.idle_seconds  # type: ignore[assignment]
        self._in_head = False
        self._refused = False
        self._refusal_answered = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._send_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) <= self.limits.max_connections:
            self._arm_head_timer()
            self.waiting_heads[self] = None
        elif self.descriptors.left(len(self.connections), self.loop.time()) > DESCRIPTORS_KEPT:
            self._refuse()
        elif self.waiting_heads:
            # Refusals in flight have used up the reserve: the oldest connection that has not
            # sent its head in all this time gives up its place, rather than a client that may.
            oldest = next(iter(self.waiting_heads))
            if oldest._head_timer is not None:
                oldest._head_timer.cancel()
            oldest._head_late()
            self._arm_head_timer()
            self.waiting_heads[self] = None
        else:
            transport.close()  # nothing to make way: no descriptor left to explain with

    def connection_lost(self, exc: Exception | None) -> None:
        self.waiting_heads.pop(self, None)
        for timer in (self._head_timer, self._send_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._send_timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            # Answered once its request has begun; read all the same, so that closing does not
            # reset the client before it has read the answer.
            self._answer_refusal()
            return
        super().data_received(data)
        if self._in_head:
            self._arm_head_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        transport = self.transport
        # An SSE response says it is an event stream through this (api/routes/events.py).
        self.scope["extensions"] = {
            EVENT_STREAM_EXTENSION: {"start": lambda: as_event_stream(transport)}
        }

    def on_headers_complete(self) -> None:
        self._in_head = False
        self.waiting_heads.pop(self, None)
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().on_headers_complete()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self.loop.call_later(self.limits.send_seconds, self._send_timed_out)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.limits.header_seconds, self._head_late)

    def _head_late(self) -> None:
        self._head_timer = None
        self.waiting_heads.pop(self, None)
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False  # a response is under way: the connection ends with it
            return
        _HEADS_LATE.note()
        if self._in_head:
            seconds = f"{self.limits.header_seconds:g}"
            detail = f"The request's head did not arrive whole within {seconds} s."
            self.transport.write(self._problem(408, detail))
        self.transport.close()

    def _refuse(self) -> None:
        self._refused = True
        _REFUSED.note(self.limits.max_connections)
        self.loop.call_later(REFUSED_LINGER_SECONDS, self._answer_refusal)

    def _answer_refusal(self) -> None:
        if self._refusal_answered or self.transport.is_closing():
            return
        self._refusal_answered = True
        detail = (
            f"The server has {self.limits.max_connections} connections open, as many as it "
            "takes; try again in a moment (close idle connections, or raise the limit: "
            "mlprep serve --max-connections, within the open-file limit, ulimit -n)."
        )
        self.transport.write(self._problem(503, detail, retry_after=1))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(REFUSED_LINGER_SECONDS, self.transport.close)

    def _send_timed_out(self) -> None:
        self._send_timer = None
        _SENDS_LATE.note()
        self.transport.abort()

    def _problem(self, status: int, detail: str, retry_after: int | None = None) -> bytes:
        body = json.dumps(
            {
                "type": TYPE_OF.get(status, "about:blank"),
                "title": TITLE_OF.get(status, "Error"),
                "status": status,
                "detail": detail,
                "traceId": new_trace_id(),
            }
        ).encode()
        headers = [
            *self.server_state.default_headers,
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            SIMULATED_HEADER,
        ]
        if retry_after is not None:
            headers.append((b"retry-after", str(retry_after).encode()))
        phrase = TITLE_OF.get(status, "").encode()
        lines = [b"HTTP/1.1 %d %s" % (status, phrase)]
        lines += [name + b": " + value for name, value in headers]
        return b"\r\n".join(lines) + b"\r\n\r\n" + body


class LimitedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, where a close never waits for the client to read.

    uvicorn writes a close frame only once the client has taken what was sent before it, and
    then closes the connection only once that is written: a client that reads nothing held
    both for good. Here the close frame goes out behind what waits, and the connection is cut
    if the client has not taken it within `send_seconds`. A client that takes nothing for
    `send_seconds` is closed so too, with 1013.
    """

    limits: ClassVar[ConnectionLimits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.close_timeout = self.limits.send_seconds
        self._send_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        as_event_stream(transport)  # the only WebSockets here are the event streams

    async def send(self, message: Any) -> None:
        if message["type"] == "websocket.close" and self._open():
            self._close_now(message.get("code", 1000), message.get("reason") or "")
            return
        if message["type"] == "websocket.send" and self._open():
            await self.writable.wait()
            if self.close_sent:
                raise ClientDisconnected()  # closed while this frame waited
        await super().send(message)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self.loop.call_later(self.limits.send_seconds, self._send_timed_out)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _open(self) -> bool:
        return (
            self.handshake_complete
            and self.initial_response is None
            and not self.close_sent
            and not self.disconnected
            and not self.transport.is_closing()
        )

    def _close_now(self, code: int, reason: str) -> None:
        try:
            self.conn.send_close(code, reason)
        except InvalidState:
            raise ClientDisconnected() from None
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()  # to read the client's answering close
        self.close_timer = self.loop.call_later(self.close_timeout, self._cut)

    def _cut(self) -> None:
        self.close_timer = None
        if self.transport.get_write_buffer_size():
            self.transport.abort()  # the client has not taken the close: it never will
        else:
            self.transport.close()

    def _send_timed_out(self) -> None:
        self._send_timer = None
        _SENDS_LATE.note()
        if self._open():
            seconds = f"{self.limits.send_seconds:g}"
            self._close_now(TRY_AGAIN_LATER, f"Took nothing for {seconds} s; reconnect.")
        else:
            self.transport.abort()


class _Occurrences:
    """Counts a kind of event and logs it at most every REPORT_EVERY_SECONDS: a flood of
    connections must not become a flood of log lines."""

    def __init__(self, message: str) -> None:
        self._message = message
        self._count = 0
        self._reported_at: float | None = None

    def note(self, *args: object) -> None:
        self._count += 1
        now = asyncio.get_running_loop().time()
        if self._reported_at is None or now - self._reported_at >= REPORT_EVERY_SECONDS:
            logger.warning(self._message + " (%d since the last report)", *args, self._count)
            self._count = 0
            self._reported_at = now


_REFUSED = _Occurrences("refused a connection: %d are open, the most allowed")
_HEADS_LATE = _Occurrences("closed a connection that sent no whole request head in time")
_SENDS_LATE = _Occurrences("cut off a client that took nothing the server sent in time")
