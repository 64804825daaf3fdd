"""A small HTTP/1.1 keep-alive client on asyncio streams, and a bounded load loop over it.

The client is deliberately bare (no pooling logic, no header parsing beyond what it needs) so that
its own cost stays small beside the servers'. It only ever connects to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

HOST = "127.0.0.1"


@dataclass(frozen=True)
class RawResponse:
    """A response as it came off the wire: status, header lines (names lower-cased), body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)


def request_bytes(
    port: int,
    method: str,
    path: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
) -> bytes:
    """The bytes of one HTTP/1.1 request to 127.0.0.1:`port` (keep-alive is HTTP/1.1's default)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if body or method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Connection:
    """One keep-alive connection to 127.0.0.1:`port`; one request at a time."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, raw_request: bytes) -> RawResponse:
        """Send a request made by `request_bytes` and read the whole response."""
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(HOST, self.port)
        self._writer.write(raw_request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: list[tuple[str, str]] = []
        for line in header_lines:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        response = RawResponse(status, headers, b"")
        length = response.header("content-length")
        if length is None:
            if status in {204, 304} or 100 <= status < 200:
                return response
            raise RuntimeError(f"response without Content-Length: {status_line}")
        body = await self._reader.readexactly(int(length)) if int(length) else b""
        if (response.header("connection") or "").lower() == "close":
            await self.close()
        return RawResponse(status, headers, body)

    async def close(self) -> None:
        """Close the connection (the next `send` opens a new one)."""
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


@dataclass
class LoadResult:
    """What one bounded load produced."""

    requests: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, one per request
    mismatches: int = 0  # responses that failed the load's check

    @property
    def per_second(self) -> float:
        """Completed requests per second of wall-clock time."""
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: float) -> float:
        """The `p`th percentile latency in milliseconds (nearest rank)."""
        return percentile(self.latencies, p) * 1000.0


def percentile(values: Sequence[float], p: float) -> float:
    """The `p`th percentile of `values` by the nearest-rank method (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


async def load(
    port: int,
    raw_request: bytes,
    *,
    requests: int,
    concurrency: int,
    check: Callable[[RawResponse], bool],
    time_limit: float,
) -> LoadResult:
    """Send `raw_request` `requests` times over `concurrency` keep-alive connections.

    Each response goes through `check`; those it rejects are counted. Workers stop taking new
    requests once `time_limit` seconds have passed, so the load always ends; `requests` in the
    result is how many completed.
    """
    remaining = requests
    latencies: list[float] = []
    mismatches = 0
    started = time.perf_counter()
    deadline = started + time_limit

    async def worker() -> None:
        nonlocal remaining, mismatches
        connection = Connection(port)
        try:
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                sent = time.perf_counter()
                response = await connection.send(raw_request)
                latencies.append(time.perf_counter() - sent)
                if not check(response):
                    mismatches += 1
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    return LoadResult(len(latencies), seconds, latencies, mismatches)


def same_bytes(expected: RawResponse) -> Callable[[RawResponse], bool]:
    """A check: the response has `expected`'s status and exactly its body bytes."""

    def check(response: RawResponse) -> bool:
        return response.status == expected.status and response.body == expected.body

    return check
