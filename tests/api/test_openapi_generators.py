"""The served OpenAPI document says what generators need to make good clients: timestamps as
`date-time`, integers with their width, nullability as the reference contract has it, the
security scheme the vendor names, and a real description for every response."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.asgi import ApiClient
from tests.contract.reference import CONTRACT

TIMESTAMP = re.compile(r"(At|Time|Until|^now)$")


@pytest.fixture
def served(client: ApiClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def properties(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for schema_name, schema in document["components"]["schemas"].items():
        for name, prop in schema.get("properties", {}).items():
            yield schema_name, name, prop


def nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from nodes(item)


def nullable(prop: dict[str, Any]) -> bool:
    """Whether a property may be null, in OpenAPI 3.0 (`nullable`) or 3.1 (`null` type) terms."""
    if prop.get("nullable") is True:
        return True
    types = prop.get("type")
    if types == "null" or (isinstance(types, list) and "null" in types):
        return True
    return any(nullable(option) for option in prop.get("anyOf", []) + prop.get("oneOf", []))


def test_every_timestamp_is_a_date_time(served: dict[str, Any]) -> None:
    timestamps = [
        (schema, name, prop) for schema, name, prop in properties(served) if TIMESTAMP.search(name)
    ]

    assert len(timestamps) > 15
    for schema, name, prop in timestamps:
        options = prop.get("anyOf", [prop])
        formats = {option.get("format") for option in options if option.get("type") != "null"}
        assert formats == {"date-time"}, (schema, name, prop)


def test_every_integer_says_its_width(served: dict[str, Any]) -> None:
    integers = [node for node in nodes(served) if node.get("type") == "integer"]

    assert integers
    for node in integers:
        assert node.get("format") in ("int32", "int64"), node
    counters = served["components"]["schemas"]["ChannelCounter"]["properties"]
    assert counters["tipPickUpCounter"]["format"] == "int64"
    assert counters["tipPickUpCounter"]["maximum"] == 4294967295
    authenticated = served["components"]["schemas"]["AuthenticateResponse"]["properties"]
    assert authenticated["expiresIn"]["format"] == "int32"


def test_the_security_scheme_is_the_vendors_bearer_jwt(served: dict[str, Any]) -> None:
    assert served["components"]["securitySchemes"] == {
        "Bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A token from POST /api/v1/authenticate",
        }
    }
    guarded = [
        operation
        for path in served["paths"].values()
        for operation in path.values()
        if "401" in operation["responses"]
        and operation["operationId"] not in {"login", "loginWithAccessKey"}
    ]
    assert guarded
    for operation in guarded:
        assert operation.get("security") == [{"Bearer": []}], operation["operationId"]


def test_every_response_has_a_real_description(served: dict[str, Any]) -> None:
    for path, operations in served["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                description = response.get("description", "")
                assert description and description != "Successful Response", (
                    method,
                    path,
                    status,
                )


def test_nullability_is_the_contracts(served: dict[str, Any]) -> None:
    contract = yaml.safe_load(CONTRACT.read_text())["components"]["schemas"]
    ours = served["components"]["schemas"]
    shared = sorted(set(contract) & set(ours) - {"ProblemDetails"})

    assert len(shared) >= 10
    for schema in shared:
        for name, prop in contract[schema].get("properties", {}).items():
            assert name in ours[schema]["properties"], (schema, name)
            served_prop = ours[schema]["properties"][name]
            assert nullable(served_prop) == nullable(prop), (schema, name, served_prop)
