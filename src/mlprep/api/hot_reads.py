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
from mlprep.api.responses import MAX_OFFSET
from mlprep.api.routes import health, maintenance, runs
from mlprep.api.routes.runs import DEFAULT_PAGE, MAX_PAGE, run_body
from mlprep.auth.permissions import Permission
from mlprep.errors import MlprepError
from mlprep.services import Services
from mlprep.store.availability import RETRY_AFTER_SECONDS

Headers = list[tuple[bytes, bytes]]
Answer = tuple[int, Headers, bytes]
# A read: the services, the request, and the path's last segment (an id or a name) → its answer,
# or None when the application should answer instead.
Read = Callable[[Services, Scope, str], Awaitable[Answer | None]]
# The body of a read that needs a token with ViewMaintenance, from the services, the segment and
# the query string; None when it is not at hand (the application answers, reading the store on a
# worker thread) or the query is not one the read takes.
Body = Callable[[Services, str, bytes], bytes | None]


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
            self._named[base] = _for_viewers(
                lambda services, id, _query: maintenance.procedure_body(services, id)
            )
            self._named[f"{base}/images"] = _image
        self._reads[f"{our_prefix}/health".lower()] = _health
        runs_path = f"{our_prefix}/runs".lower()
        self._reads[runs_path] = _for_viewers(_runs_page)
        self._reads[f"{runs_path}/current"] = _current_run
        self._named[runs_path] = _for_viewers(
            lambda services, run_id, _query: run_body(services, run_id)
        )
        self._queried = {runs_path}  # the reads that parse a query string themselves

    async def answer(self, services: Services, scope: Scope, send: Send) -> bool:
        """Answer an HTTP request if it is one of the table's and all it needs is at hand;
        False (and nothing sent) when the application has to answer it."""
        if scope["method"] != "GET":
            return False
        started = time.perf_counter()
        path: str = scope["path"]
        segment = ""
        if scope["query_string"] and path.lower() not in self._queried:
            return False
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
    """A listing as a body (its path has no segment to read, and it takes no query)."""
    return lambda services, _segment, _query: listing(services)


def _for_viewers(body: Body) -> Read:
    """A read for callers whose token holds ViewMaintenance."""

    async def read(services: Services, scope: Scope, segment: str) -> Answer | None:
        allowed, refusal = _viewer(services, scope)
        if not allowed:
            return refusal
        content = body(services, segment, scope["query_string"])
        return None if content is None else (200, _json_headers(content), content)

    return read


def _viewer(services: Services, scope: Scope) -> tuple[bool, Answer | None]:
    """Whether the request's token is remembered as one that holds ViewMaintenance; if not, and
    the token was refused before, the 401 that says why."""
    token = _bearer_token(scope)
    if token is None:
        return False, None
    principal = services.authenticator.remembered(token)
    if principal is None:
        reason = services.authenticator.refusal(token)
        return False, None if reason is None else _invalid_token(scope, reason)
    return principal.can(Permission.VIEW_MAINTENANCE), None


def _runs_page(services: Services, _segment: str, query: bytes) -> bytes | None:
    """GET /mlprep/v1/runs, when the query holds nothing but `offset` and `limit` in their
    plainest form and within bounds (anything else: the application validates it)."""
    bounds = {"offset": (0, MAX_OFFSET), "limit": (1, MAX_PAGE)}
    given = {"offset": 0, "limit": DEFAULT_PAGE}
    for pair in query.split(b"&") if query else ():
        name, _, value = pair.decode("latin-1").partition("=")
        if name not in bounds or not value.isdigit() or str(int(value)) != value:
            return None
        low, high = bounds.pop(name)  # a name given twice: the application decides
        if not low <= int(value) <= high:
            return None
        given[name] = int(value)
    return runs.page_body(services, given["offset"], given["limit"])


async def _current_run(services: Services, scope: Scope, _segment: str) -> Answer | None:
    """GET /mlprep/v1/runs/current: 200 with the run, or 204 when none is in progress."""
    allowed, refusal = _viewer(services, scope)
    if not allowed:
        return refusal
    if not services.history.knows_current():
        return None
    content = runs.current_body(services)
    if content is None:
        return 204, [SIMULATED_HEADER], b""
    return 200, _json_headers(content), content


async def _image(services: Services, scope: Scope, name: str) -> Answer:
    status, headers, content = maintenance.image_answer(
        services, name, _header(scope, b"if-none-match")
    )
    raw = [(key.lower().encode(), value.encode()) for key, value in headers.items()]
    if status == 200:
        raw.insert(0, (b"content-length", str(len(content)).encode()))
    return status, [*raw, SIMULATED_HEADER], content


async def _health(services: Services, _scope: Scope, _segment: str) -> Answer:
    status, content = await health.health_body(services)
    headers = _json_headers(content)
    if status != 200:
        headers += [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())]
    return status, headers, content


def _invalid_token(scope: Scope, reason: str) -> Answer:
    """The 401 the application answers for a token it refused (the reason is the same).

    Made once per path and reason with a trace id of its own, which each request's trace id then
    replaces (all have the same length): a client polling with an expired token is refused at
    the cost of a look-up, not of building the problem each time."""
    trace = new_trace_id()
    scope["mlprep.trace_id"] = trace
    key = (scope["path"], reason)
    made = _REFUSALS.get(key)
    if made is None:
        response = problem_response(
            401,
            reason,
            request=HTTPConnection(scope),
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
        if len(_REFUSALS) >= KEPT_REFUSALS:
            _REFUSALS.clear()
        made = _REFUSALS[key] = (
            [*response.raw_headers, SIMULATED_HEADER],
            bytes(response.body),
            trace.encode(),
        )
    headers, body, made_with = made
    return 401, headers, body.replace(made_with, trace.encode())


# The refusals made so far: (path, reason) → headers, body, and the trace id in the body.
_REFUSALS: dict[tuple[str, str], tuple[Headers, bytes, bytes]] = {}
KEPT_REFUSALS = 64


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
