"""The OpenAPI document is a product: served where ASP.NET serves it too, with the contract's
operation ids and the error responses each operation can give."""

from __future__ import annotations

from typing import Any

from tests.asgi import ApiClient

AUTHENTICATE = {
    ("post", "/api/v1/authenticate"): ("login", {"200", "400", "401", "415", "429", "503"}),
    ("delete", "/api/v1/authenticate"): ("logout", {"200", "401"}),
    ("post", "/api/v1/authenticate/renew-token"): ("renewToken", {"200", "401"}),
    ("get", "/api/v1/authenticate/check-authentication"): ("checkAuthentication", {"200", "401"}),
}


def document(client: ApiClient, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def test_the_document_is_served_at_both_addresses_alike(client: ApiClient) -> None:
    ours = document(client, "/openapi.json")

    assert ours["openapi"].startswith("3.")
    assert document(client, "/swagger/v1/swagger.json") == ours


def test_the_authenticate_operations_keep_the_contracts_ids_and_errors(client: ApiClient) -> None:
    paths = document(client, "/openapi.json")["paths"]

    for (method, path), (operation_id, statuses) in AUTHENTICATE.items():
        operation = paths[path][method]
        assert operation["operationId"] == operation_id
        assert set(operation["responses"]) == statuses
        for status in statuses - {"200"}:
            assert "application/problem+json" in operation["responses"][status]["content"]


def test_login_documents_the_four_json_media_types(client: ApiClient) -> None:
    login = document(client, "/openapi.json")["paths"]["/api/v1/authenticate"]["post"]

    assert set(login["requestBody"]["content"]) == {
        "application/json-patch+json",
        "application/json",
        "text/json",
        "application/*+json",
    }


def test_the_second_prefix_answers_but_is_not_listed_twice(client: ApiClient) -> None:
    paths = document(client, "/openapi.json")["paths"]

    assert not [path for path in paths if path.startswith("/NimbusLite")]


def test_the_interactive_documentation_is_a_web_page(client: ApiClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text
