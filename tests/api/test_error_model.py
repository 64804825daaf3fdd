"""Every failure is an RFC 7807 problem in ASP.NET Core's shape: validation is 400 (never 422),
oversized bodies 413, non-JSON bodies 415, unknown routes 404, wrong methods 405, and nothing
ever shows a stack trace."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.asgi import ApiClient
from tests.problems import TRACEBACK_MARKERS, assert_problem
from tests.sessions import ADMIN_PASSWORD

ONE_MIB = 1024 * 1024


def post_login(
    client: ApiClient, prefix: str, body: bytes | str, media_type: str | None
) -> httpx.Response:
    headers = {"Content-Type": media_type} if media_type else {}
    return client.post(f"{prefix}/authenticate", content=body, headers=headers)


def test_malformed_json_is_a_400_that_says_where(client: ApiClient, prefix: str) -> None:
    response = post_login(client, prefix, '{"userName": "admin", ', "application/json")

    body = assert_problem(response, 400)
    assert list(body["errors"]) == ["$"]
    assert "not valid JSON" in body["errors"]["$"][0]


def test_values_of_the_wrong_type_are_a_400_per_field(client: ApiClient, prefix: str) -> None:
    response = client.post(f"{prefix}/authenticate", json={"userName": 5, "password": ["x"]})

    body = assert_problem(response, 400)
    assert set(body["errors"]) == {"userName", "password"}
    assert "userName" in body["detail"]


def test_missing_fields_are_a_400_per_field(client: ApiClient, prefix: str) -> None:
    response = client.post(f"{prefix}/authenticate", json={"password": ADMIN_PASSWORD})

    body = assert_problem(response, 400)
    assert body["errors"] == {"userName": ["This field is required."]}


@pytest.mark.parametrize("document", ["[]", '"admin"', "null", "42", ""])
def test_a_body_that_is_not_an_object_is_a_400(client: ApiClient, document: str) -> None:
    response = post_login(client, "/api/v1", document, "application/json")

    body = assert_problem(response, 400)
    assert body["errors"]


def test_a_request_without_any_body_is_a_400(client: ApiClient, prefix: str) -> None:
    response = client.post(f"{prefix}/authenticate")

    body = assert_problem(response, 400)
    assert body["errors"] == {"$": ["This field is required."]}


@pytest.mark.parametrize("media_type", ["text/plain", "application/xml", "text/html", None])
def test_a_body_not_sent_as_json_is_a_415(client: ApiClient, prefix: str, media_type: str) -> None:
    response = post_login(client, prefix, '{"userName": "admin"}', media_type)

    body = assert_problem(response, 415)
    assert "application/json" in body["detail"]


def test_a_body_over_one_mebibyte_is_a_413(client: ApiClient, prefix: str) -> None:
    response = post_login(client, prefix, b" " * (ONE_MIB + 1), "application/json")

    body = assert_problem(response, 413)
    assert str(ONE_MIB) in body["detail"]


def test_a_body_of_exactly_one_mebibyte_is_read(client: ApiClient) -> None:
    padding = " " * (ONE_MIB - 2)
    response = post_login(client, "/api/v1", "{" + padding + "}", "application/json")

    assert_problem(response, 400)


def test_a_streamed_body_is_cut_off_past_one_mebibyte(client: ApiClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(17):
            yield b" " * (64 * 1024)

    response = client.post(
        "/api/v1/authenticate", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 413)


@pytest.mark.parametrize(
    "path", ["/nothing", "/api/v1/nothing", "/api/v2/authenticate", "/index.html"]
)
def test_an_unknown_route_is_a_404(client: ApiClient, path: str) -> None:
    body = assert_problem(client.get(path), 404)

    assert path in body["detail"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/authenticate", {"POST", "DELETE"}),
        ("GET", "/authenticate/renew-token", {"POST"}),
        ("DELETE", "/authenticate/check-authentication", {"GET"}),
        # A literal path outranks /maintenance/{id} (GET, POST), as ASP.NET ranks routes.
        ("OPTIONS", "/maintenance/abort", {"POST"}),
        ("PUT", "/maintenance/close-view", {"POST"}),
        ("DELETE", "/maintenance/uv-routine-settings", {"GET", "PUT"}),
        ("DELETE", "/maintenance/0123456789abcdef0123456789abcdef", {"GET", "POST"}),
    ],
)
def test_a_wrong_method_is_a_405_that_lists_the_allowed_ones(
    client: ApiClient, prefix: str, method: str, path: str, allowed: set[str]
) -> None:
    response = client.request(method, f"{prefix}{path}")

    body = assert_problem(response, 405)
    assert method in body["detail"]
    assert set(response.headers["allow"].split(", ")) == allowed


def test_an_unexpected_failure_is_a_500_without_a_stack_trace(app: FastAPI) -> None:
    def explode() -> None:
        raise RuntimeError("secret internals at /srv/mlprep/thing.py")

    app.add_api_route("/explode", explode)
    with ApiClient(app) as client:
        response = client.get("/explode", raise_app_exceptions=False)

    body = assert_problem(response, 500)
    assert "trace id" in body["detail"]
    assert "secret internals" not in response.text


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        ("{", "application/json"),
        ('{"userName": 1}', "application/json"),
        ('{"userName": "", "password": ""}', "text/json"),
        ('{"userName": "' + "x" * 201 + '", "password": "p"}', "application/json"),
        ("\udcff", "application/json"),
        ("{}", "application/x-www-form-urlencoded"),
    ],
)
def test_bad_input_is_never_a_422_and_never_shows_internals(
    client: ApiClient, body: str, media_type: str
) -> None:
    response = post_login(client, "/api/v1", body.encode("utf-8", "surrogateescape"), media_type)

    # Empty credentials are well-formed, just wrong: 401 like any other wrong password.
    assert response.status_code in (400, 401, 415)
    assert response.headers["content-type"] == "application/problem+json"
    assert not any(marker in response.text for marker in TRACEBACK_MARKERS)
