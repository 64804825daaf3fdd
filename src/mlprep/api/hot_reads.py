"""The reads clients poll, answered from memory in front of the framework's request path.

Integrators and dashboards poll: the procedure list, one procedure, the counters, the errors, the
UV setting, the images, health, the runs. Their answers are already at hand (a remembered token is
a dictionary look-up, the bodies are bytes prepared once per state: auth/verified_tokens.py,
api/prepared.py); what was left of each request's cost was the way to them: routing over three
prefixes, dependency solving, four middleware (bench/README.md has the profile). This lane
answers those GETs directly when everything it needs is at hand: a token verified before (or
refused before), a path of the route table, no query string unless the read takes one, nothing
out of bounds. Every other request, and every one of these with anything unusual (a token seen
for the first time, a missing permission, an unknown id, a query), goes on to the application,
which answers as it always did. The routes stay the declaration and the authority: a route joins
the lane by its `@polled` marker (api/polled.py), its permission is its own dependency's, and
`tests/api/test_hot_reads.py` holds each marked route to the application's status, headers and
bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.requests import HTTPConnection
from starlette.types import Scope, Send

from mlprep.api.access_log import log_access
from mlprep.api.dependencies import required_permission
from mlprep.api.middleware import SIMULATED_HEADER, new_trace_id
from mlprep.api.polled import Answer, Headers, PolledRead, PolledRequest, polled_read
from mlprep.api.problems import problem_response
from mlprep.api.request_limits import within_limits
from mlprep.api.route_table import Operation, RouteTable
from mlprep.auth.permissions import Permission
from mlprep.errors import MlprepError
from mlprep.services import Services


@dataclass(frozen=True)
class _Lane:
    """A marked route: its read, and the permission its dependency requires (None: public)."""

    read: PolledRead
    permission: Permission | None


class HotReads:
    """The reads of the routes marked `@polled`, and the answer to a request for one of them."""

    def __init__(self, table: RouteTable) -> None:
        self._table = table
        self._lanes: dict[Operation, _Lane] = {}
        for operation in table.all_operations():
            read = polled_read(operation.route.endpoint)
            if read is not None and "GET" in operation.methods:
                permission = required_permission(operation.route.dependant)
                self._lanes[operation] = _Lane(read, permission)

    def marked(self) -> list[Operation]:
        """The operations on the lane, in the application's order."""
        return list(self._lanes)

    async def answer(self, services: Services, scope: Scope, send: Send) -> bool:
        """Answer an HTTP request if it is one of a marked route's and all it needs is at hand;
        False (and nothing sent) when the application has to answer it."""
        if scope["method"] != "GET":
            return False
        started = time.perf_counter()
        reached = self._table.operation(scope["path"], "GET")
        lane = None if reached is None else self._lanes.get(reached[0])
        if lane is None or reached is None:
            return False
        if scope["query_string"] and not lane.read.takes_query:
            return False
        if not within_limits(scope):
            return False
        request = PolledRequest(scope, reached[1])
        try:
            answer = await _answer(services, lane, request)
        except MlprepError:
            return False  # an unknown id or name: the application says so
        if answer is None:
            return False
        status, headers, body = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        log_access(scope, status, started)
        return True


async def _answer(services: Services, lane: _Lane, request: PolledRequest) -> Answer | None:
    """The read's answer, if its caller holds the route's permission (or the 401 the
    application gives a token it refused before)."""
    if lane.permission is not None:
        allowed, refusal = _holds(services, request, lane.permission)
        if not allowed:
            return refusal
    return await lane.read.answer(services, request)


def _holds(
    services: Services, request: PolledRequest, permission: Permission
) -> tuple[bool, Answer | None]:
    """Whether the request's token is remembered as one that holds `permission`; if not, and
    the token was refused before, the 401 that says why."""
    token = _bearer_token(request)
    if token is None:
        return False, None
    principal = services.authenticator.remembered(token)
    if principal is None:
        reason = services.authenticator.refusal(token)
        return False, None if reason is None else _invalid_token(request.scope, reason)
    return principal.can(permission), None


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


def _bearer_token(request: PolledRequest) -> str | None:
    """The bearer token, read as the application's dependency reads it (api/dependencies.py)."""
    value = request.header(b"authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
