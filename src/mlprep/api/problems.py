"""Every failure as an RFC 7807 problem body, in ASP.NET Core's shape (DESIGN §4)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection

from mlprep.api.responses import problem_schema
from mlprep.api.route_table import RouteTable
from mlprep.errors import (
    AuthenticationError,
    BadCredentialsError,
    ConflictError,
    DatabaseUnavailableError,
    InvalidRequestError,
    MissingCredentialsError,
    MlprepError,
    NotFoundError,
    PermissionDeniedError,
    ServiceBusyError,
    TooManyAttemptsError,
)
from mlprep.store.availability import RETRY_AFTER_SECONDS, unavailability

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("mlprep.api")

STATUS_OF: dict[type[MlprepError], int] = {
    InvalidRequestError: 400,
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    TooManyAttemptsError: 429,
    ServiceBusyError: 503,
}

TYPE_OF: dict[int, str] = {
    400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    401: "https://tools.ietf.org/html/rfc9110#section-15.5.2",
    403: "https://tools.ietf.org/html/rfc9110#section-15.5.4",
    404: "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    405: "https://tools.ietf.org/html/rfc9110#section-15.5.6",
    409: "https://tools.ietf.org/html/rfc9110#section-15.5.10",
    413: "https://tools.ietf.org/html/rfc9110#section-15.5.14",
    414: "https://tools.ietf.org/html/rfc9110#section-15.5.15",
    415: "https://tools.ietf.org/html/rfc9110#section-15.5.16",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    431: "https://tools.ietf.org/html/rfc6585#section-5",
    500: "https://tools.ietf.org/html/rfc9110#section-15.6.1",
    503: "https://tools.ietf.org/html/rfc9110#section-15.6.4",
}

TITLE_OF: dict[int, str] = {
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
    503: "Service Unavailable",
}


def trace_id(request: HTTPConnection | None) -> str | None:
    """The request's (or WebSocket handshake's) trace id, set by the request-context middleware."""
    if request is None:
        return None
    value = request.scope.get("mlprep.trace_id")
    return str(value) if value else None


def problem_response(
    status: int,
    detail: str | None,
    *,
    request: HTTPConnection | None = None,
    title: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": TYPE_OF.get(status, "about:blank"),
        "title": title or TITLE_OF.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
    if errors is not None:
        body["errors"] = errors
    trace = trace_id(request)
    if trace:
        body["traceId"] = trace
    all_headers = dict(headers or {})
    if status == 401:
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(body, status_code=status, headers=all_headers, media_type=PROBLEM_JSON)


def status_of(error: MlprepError) -> int:
    """The HTTP status of a domain error (the one table)."""
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return 500


async def _mlprep_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, MlprepError)
    status = status_of(error)
    headers: dict[str, str] = {}
    errors = None
    if isinstance(error, TooManyAttemptsError | ServiceBusyError):
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, AuthenticationError) and not isinstance(
        error, MissingCredentialsError | BadCredentialsError
    ):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if isinstance(error, InvalidRequestError):
        errors = error.errors or {"$": [error.detail]}
    return problem_response(status, error.detail, request=request, errors=errors, headers=headers)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors: dict[str, list[str]] = {}
    for item in error.errors():
        errors.setdefault(_field_name(item), []).append(_message(item))
    return problem_response(
        400,
        "The request is not valid: "
        + "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()),
        request=request,
        errors=errors,
    )


def _field_name(item: Any) -> str:
    location = [str(part) for part in item.get("loc", ())]
    if item.get("type") == "json_invalid":
        return "$"
    if location and location[0] in {"body", "query", "path", "header"}:
        location = location[1:]
    return ".".join(location) or "$"


def _message(item: Any) -> str:
    kind = item.get("type")
    if kind == "json_invalid":
        context = item.get("ctx") or {}
        reason = context.get("error", "malformed JSON")
        return f"The body is not valid JSON ({reason})."
    if kind == "missing":
        return "This field is required."
    if kind == "value_error":
        return str((item.get("ctx") or {}).get("error", item.get("msg", "Invalid value.")))
    return str(item.get("msg", "Invalid value."))


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, str) else None
    if error.status_code == 404 and detail in (None, "Not Found"):
        detail = f"There is no resource at '{request.url.path}'."
    elif error.status_code == 405 and detail in (None, "Method Not Allowed"):
        detail = f"The method {request.method} is not allowed on '{request.url.path}'."
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return problem_response(error.status_code, detail, request=request, headers=headers)


def _allowed_methods(request: Request) -> str:
    table: RouteTable | None = getattr(request.app.state, "route_table", None)
    return ", ".join(table.allowed_methods(request.url.path)) if table else ""


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    cause = unavailability(error)
    if cause is not None:  # raised past the stores' translation (api/../store/availability.py)
        return await _mlprep_error(request, DatabaseUnavailableError(cause, RETRY_AFTER_SECONDS))
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return problem_response(
        500,
        "The server met an unexpected condition; the error has been logged with this trace id.",
        request=request,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Render every failure as problem+json (and keep FastAPI's 422 out of the OpenAPI document)."""
    _document_no_422(app)
    app.add_exception_handler(MlprepError, _mlprep_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


def _document_no_422(app: FastAPI) -> None:
    # FastAPI documents a 422 for every operation that validates input; ours answer 400 instead
    # (each route declares it), so the 422 and its schemas would only mislead clients.
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    operation.get("responses", {}).pop("422", None)
            schemas = document.get("components", {}).get("schemas", {})
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)
            document.setdefault("components", {}).setdefault("schemas", {})["ProblemDetails"] = (
                problem_schema()
            )
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
