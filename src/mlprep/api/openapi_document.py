"""The served OpenAPI document, finished for client generators.

FastAPI writes every integer as a bare `integer` and every bound as a float (`4294967295.0`);
generators then guess the width. Here each integer gets the format ASP.NET's document gives it:
`int32` where its bounds fit 32 bits (or it has none), else `int64`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def finish_document(document: dict[str, Any]) -> dict[str, Any]:
    """Give every integer schema of `document` its format and integral bounds (in place)."""
    _walk(document)
    return document


def install_document_finish(app: FastAPI) -> None:
    """Make `app.openapi()` serve the finished document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finish_document(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _walk(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "integer":
            _integer(node)
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for item in node:
            _walk(item)


def _integer(schema: dict[str, Any]) -> None:
    for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        value = schema.get(bound)
        if isinstance(value, float) and value.is_integer():
            schema[bound] = int(value)
    if "format" in schema:
        return
    low, high = schema.get("minimum", INT32_MIN), schema.get("maximum", INT32_MAX)
    fits = isinstance(low, int | float) and isinstance(high, int | float)
    schema["format"] = "int32" if fits and low >= INT32_MIN and high <= INT32_MAX else "int64"
