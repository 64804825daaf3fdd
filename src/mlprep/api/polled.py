"""The marker that puts a read on the lane for polled reads (api/hot_reads.py).

A route joins the lane by `@polled(...)` (or `@polled_json(...)`) under its `@router.get`: the
marker names how the lane answers it from memory; the lane takes the route's path from the route
table and its permission from the route's own dependency (`requires`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from starlette.types import Scope

from mlprep.api.middleware import SIMULATED_HEADER
from mlprep.services import Services

Headers = list[tuple[bytes, bytes]]
Answer = tuple[int, Headers, bytes]
Endpoint = TypeVar("Endpoint", bound=Callable[..., object])


@dataclass(frozen=True)
class PolledRequest:
    """What a polled read is given: the request, its path parameters and its query string."""

    scope: Scope
    parameters: dict[str, str]

    @property
    def query(self) -> bytes:
        """The raw query string (only reads marked `takes_query` see one)."""
        query: bytes = self.scope["query_string"]
        return query

    def header(self, name: bytes) -> str | None:
        """The request's header `name` (lower case), if sent."""
        for key, value in self.scope["headers"]:
            if key == name:
                return str(value.decode("latin-1"))
        return None


# The answer from memory, or None when the application has to answer (not at hand, or a query
# the read does not take). It may raise MlprepError (an unknown id): the application says so.
PolledAnswer = Callable[[Services, PolledRequest], Awaitable[Answer | None]]


@dataclass(frozen=True)
class PolledRead:
    """The marker on a route's endpoint: its answer from memory, and whether it reads a query."""

    answer: PolledAnswer
    takes_query: bool = False


_MARKER = "_mlprep_polled"


def polled(answer: PolledAnswer, *, takes_query: bool = False) -> Callable[[Endpoint], Endpoint]:
    """Mark a GET route's endpoint as answered on the lane by `answer`."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _MARKER, PolledRead(answer, takes_query))
        return endpoint

    return mark


def polled_json(
    body: Callable[[Services, PolledRequest], bytes | None], *, takes_query: bool = False
) -> Callable[[Endpoint], Endpoint]:
    """Mark a GET route as answered on the lane with the JSON `body` gives (None: not at hand)."""

    async def answer(services: Services, request: PolledRequest) -> Answer | None:
        content = body(services, request)
        return None if content is None else (200, json_headers(content), content)

    return polled(answer, takes_query=takes_query)


def polled_read(endpoint: Callable[..., object]) -> PolledRead | None:
    """The marker on `endpoint`, if it has one."""
    marker = getattr(endpoint, _MARKER, None)
    return marker if isinstance(marker, PolledRead) else None


def json_headers(content: bytes) -> Headers:
    """The headers the application sends with a JSON body."""
    return [
        (b"content-length", str(len(content)).encode()),
        (b"content-type", b"application/json"),
        SIMULATED_HEADER,
    ]
