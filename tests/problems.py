"""What every error response must look like: RFC 7807 in ASP.NET Core's shape (DESIGN §4)."""

from __future__ import annotations

import re
from typing import Any

import httpx

TITLES = {
    400: "One or more validation errors occurred.",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "An unexpected error occurred.",
}
TRACE_ID = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-00$")
# What a leaked Python stack trace would show.
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', '.py", line ')


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert that `response` is a complete problem+json answer with `status`; returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] == TITLES[status]
    assert body["type"].startswith("https://tools.ietf.org/html/rfc")
    assert isinstance(body["detail"], str) and body["detail"]
    assert TRACE_ID.match(body["traceId"]), body["traceId"]
    assert not any(marker in response.text for marker in TRACEBACK_MARKERS)
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    return body


def without_trace(body: dict[str, Any]) -> dict[str, Any]:
    """A problem body without the fields that differ between any two requests."""
    return {key: value for key, value in body.items() if key not in ("traceId", "instance")}
