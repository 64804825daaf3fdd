"""The reads clients poll, answered from memory in front of the framework's request path.

Integrators and dashboards poll: the procedure list, one procedure, the counters, the errors, the
UV setting, the images, health. Their answers are already at hand (a remembered token is a
dictionary look-up, the bodies are bytes prepared once per state: auth/verified_tokens.py,
api/prepared.py); what was left of each request's cost was the way to them: routing over three
prefixes, dependency solving, four middleware (bench/README.md has the profile). This lane
answers those GETs directly when everything it needs is at hand: a token verified before (or
refused before), a path of the table, no query string, nothing out of bounds. Every other
request, and every one of these with anything unusual (a token seen for the first time, a
missing permission, an unknown id, a query), goes on to the application, which answers as it
always did. The routes stay the declaration (the OpenAPI document) and the authority: the lane
repeats what they would say, from the same functions, and `tests/api/test_hot_reads.py` holds
the two to the same status, headers and bytes.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable

from starlette.requests import HTTPConnection
from starlette.types import Scope, Send

from mlprep.api.access_log import log_access
from mlprep.api.middleware import SIMULATED_HEADER, new_trace_id
from mlprep.api.problems import problem_response
from mlprep.api.request_limits import within_limits
from mlprep.api.routes import health, maintenance
from mlprep.auth.permissions import Permission
from mlprep.errors import MlprepError
from mlprep.services import Services

Headers = list[tuple[bytes, bytes]]
Answer = tuple[int, Headers, bytes]
# A read: the services, the request, and the path's last segment (an id or a name) → its answer,
# or None when the application should answer instead.
Read = Callable[[Services, Scope, str], Awaitable[Answer | None]]
# The body of a read that needs a token with ViewMaintenance, from the services and the segment.
Body = Callable[[Services, str], bytes]


# The vendor's listings under each prefix's `/maintenance`, by the rest of their path.
_LISTINGS: dict[str, Callable[[Services], bytes]] = {
    "": maintenance.procedures_body,
    "/errors": maintenance.errors_body,
    "/channel-counters": maintenance.counters_body,
    "/uv-routine-interval-options": maintenance.uv_options_body,
    "/uv-routine-settings": maintenance.uv_settings_body,
}


class HotReads:
    """The table of hot reads, and the answer to a request it holds (see `answer`)."""

    def __init__(self, vendor_prefixes: Iterable[str], our_prefix: str) -> None:
        self._reads: dict[str, Read] = {}  # lower-case path → read
        self._named: dict[str, Read] = {}  # lower-case parent path → read of a named child
        for prefix in vendor_prefixes:
            base = f"{prefix}/maintenance".lower()
            for rest, listing in _LISTINGS.items():
                self._reads[base + rest] = _for_viewers(_whole(listing))
            self._named[base] = _for_viewers(maintenance.procedure_body)
            self._named[f"{base}/images"] = _image
        self._reads[f"{our_prefix}/health".lower()] = _health

    async def answer(self, services: Services, scope: Scope, send: Send) -> bool:
        """Answer an HTTP request if it is one of the table's and all it needs is at hand;
        False (and nothing sent) when the application has to answer it."""
        if scope["method"] != "GET" or scope["query_string"]:
            return False
        started = time.perf_counter()
        path: str = scope["path"]
        segment = ""
        read = self._reads.get(path.lower())
        if read is None:
            parent, _, segment = path.rpartition("/")
            read = self._named.get(parent.lower()) if segment else None
        if read is None or not within_limits(scope):
            return False
        try:
            answer = await read(services, scope, segment)
        except MlprepError:
            return False  # an unknown id or name: the application says so
        if answer is None:
            return False
        status, headers, body = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        log_access(scope, status, started)
        return True


def _whole(listing: Callable[[Services], bytes]) -> Body:
    """A listing as a body (its path has no segment to read)."""
    return lambda services, _segment: listing(services)


def _for_viewers(body: Body) -> Read:
    """A read for callers whose token holds ViewMaintenance."""

    async def read(services: Services, scope: Scope, segment: str) -> Answer | None:
        token = _bearer_token(scope)
        if token is None:
            return None
        principal = services.authenticator.remembered(token)
        if principal is None:
            reason = services.authenticator.refusal(token)
            return None if reason is None else _invalid_token(scope, reason)
        if not principal.can(Permission.VIEW_MAINTENANCE):
            return None
        return 200, _json_headers(content := body(services, segment)), content

    return read


async def _image(services: Services, scope: Scope, name: str) -> Answer:
    status, headers, content = maintenance.image_answer(
        services, name, _header(scope, b"if-none-match")
    )
    raw = [(key.lower().encode(), value.encode()) for key, value in headers.items()]
    if status == 200:
        raw.insert(0, (b"content-length", str(len(content)).encode()))
    return status, [*raw, SIMULATED_HEADER], content


async def _health(services: Services, _scope: Scope, _segment: str) -> Answer:
    content = await health.health_body(services)
    return 200, _json_headers(content), content


def _invalid_token(scope: Scope, reason: str) -> Answer:
    """The 401 the application answers for a token it refused (the reason is the same)."""
    scope["mlprep.trace_id"] = new_trace_id()
    response = problem_response(
        401,
        reason,
        request=HTTPConnection(scope),
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )
    return 401, [*response.raw_headers, SIMULATED_HEADER], bytes(response.body)


def _json_headers(content: bytes) -> Headers:
    return [
        (b"content-length", str(len(content)).encode()),
        (b"content-type", b"application/json"),
        SIMULATED_HEADER,
    ]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _bearer_token(scope: Scope) -> str | None:
    """The bearer token, read as the application's dependency reads it (api/dependencies.py)."""
    value = _header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
