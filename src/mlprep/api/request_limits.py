"""Limits on the request line and headers, checked before any route sees a request.

uvicorn accepts a megabyte of headers, a thousand of them, and URLs of any length; a control
character in a path or a query (`%00`) reaches the database, where PostgreSQL refuses it with an
error. Each of these gets a problem response here instead: 431, 414, 400 naming the query
parameter, or 404 for a path (no resource's name or id holds a control character).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from mlprep.api.problems import problem_response
from mlprep.contract.base import NO_CONTROL_CHARACTERS, has_control_characters

MAX_HEADERS = 100
MAX_HEADER_BYTES = 32 * 1024
MAX_URL_BYTES = 8 * 1024


class RequestLimitsMiddleware:
    """Refuses oversized headers (431), overlong URLs (414) and control characters in the query
    (400) or the path (404) with a problem response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = refusal(scope)
        if refused is None:
            await self.app(scope, receive, send)
            return
        status, detail, errors = refused
        response = problem_response(status, detail, request=HTTPConnection(scope), errors=errors)
        await response(scope, receive, send)


def within_limits(scope: Scope) -> bool:
    """Whether the headers and the path are within bounds (a request without a query: the hot
    reads' check, cheaper than `refusal`, which says what is wrong)."""
    headers = scope["headers"]
    if len(headers) > MAX_HEADERS:
        return False
    if sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES:
        return False
    path: str = scope["path"]
    if len(scope.get("raw_path") or path.encode()) > MAX_URL_BYTES:
        return False
    return not has_control_characters(path)


def refusal(scope: Scope) -> tuple[int, str, dict[str, list[str]] | None] | None:
    """What is wrong with the request line or headers (status, detail, errors), if anything."""
    headers = scope["headers"]
    if len(headers) > MAX_HEADERS:
        return 431, f"The request has {len(headers)} headers; at most {MAX_HEADERS} are read.", None
    size = sum(len(name) + len(value) for name, value in headers)
    if size > MAX_HEADER_BYTES:
        return 431, f"The request's headers exceed {MAX_HEADER_BYTES} bytes.", None
    query = scope.get("query_string", b"")
    if len(scope.get("raw_path") or scope["path"].encode()) + len(query) > MAX_URL_BYTES:
        return 414, f"The URL is longer than {MAX_URL_BYTES} bytes.", None
    if has_control_characters(scope["path"]):
        return 404, f"There is no resource at this path: a path {NO_CONTROL_CHARACTERS}.", None
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    for name, value in pairs:
        if has_control_characters(name) or has_control_characters(value):
            message = f"The query parameter {NO_CONTROL_CHARACTERS}."
            return 400, f"{name}: {message}", {name or "query": [message]}
    return None
