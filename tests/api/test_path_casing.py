"""Paths match in any letter case, as ASP.NET routes them; path parameters keep their values."""

from __future__ import annotations

from mlprep.api.path_casing import PathCasing
from tests.asgi import ApiClient
from tests.problems import assert_problem

DAILY = "c4bb87c0907140c6b8bd26f25581c3bf"


def test_a_vendor_path_in_any_letter_case_reaches_its_operation(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    expected = client.get("/api/v1/maintenance", headers=admin_headers).json()

    for path in (
        "/api/v1/Maintenance",
        "/API/V1/MAINTENANCE",
        "/nimbuslite/api/v1/maintenance",
        "/NIMBUSLITE/Api/V1/Maintenance",
    ):
        response = client.get(path, headers=admin_headers)
        assert response.status_code == 200, path
        assert response.json() == expected


def test_a_literal_segment_outranks_a_parameter_in_any_letter_case(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    errors = client.get("/NimbusLite/api/v1/Maintenance/Errors", headers=admin_headers)
    counters = client.get("/api/v1/maintenance/CHANNEL-COUNTERS", headers=admin_headers)

    assert (errors.status_code, errors.json()) == (200, [])
    assert [counter["name"] for counter in counters.json()] == ["Front", "Rear"]


def test_query_parameter_names_match_in_any_case_and_keep_their_values(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    paged = client.get("/api/v1/Errors?Offset=0&LIMIT=0", headers=admin_headers)
    runs = client.get("/mlprep/v1/runs?Limit=1", headers=admin_headers)

    assert "limit" in assert_problem(paged, 400)["errors"]  # LIMIT=0 was read as limit
    assert runs.json()["limit"] == 1


def test_a_path_parameter_keeps_the_value_sent(
    client: ApiClient, admin_headers: dict[str, str]
) -> None:
    found = client.get(f"/Api/V1/Maintenance/{DAILY}", headers=admin_headers)
    shouted = client.get(f"/api/v1/maintenance/{DAILY.upper()}", headers=admin_headers)

    assert found.json()["name"] == "Daily Maintenance"
    assert DAILY.upper() in assert_problem(shouted, 404)["detail"]


def test_the_document_is_served_where_the_instrument_serves_it(client: ApiClient) -> None:
    ours = client.get("/openapi.json").json()

    for path in ("/NimbusLite/swagger/v1/swagger.json", "/nimbuslite/Swagger/V1/swagger.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.json() == ours


def test_an_unknown_path_stays_unknown(client: ApiClient) -> None:
    response = client.get("/API/V1/Nothing-Here")

    assert "/API/V1/Nothing-Here" in assert_problem(response, 404)["detail"]


def test_canonical_paths() -> None:
    casing = PathCasing(
        ["/api/v1/maintenance/errors", "/api/v1/maintenance/{id}", "/api/v1/maintenance/{id}/x"],
        ["offset", "access_token"],
    )

    assert casing.canonical("/API/v1/Maintenance/ERRORS") == "/api/v1/maintenance/errors"
    assert casing.canonical("/API/v1/Maintenance/AbC") == "/api/v1/maintenance/AbC"
    assert casing.canonical("/API/v1/Maintenance/AbC/X") == "/api/v1/maintenance/AbC/x"
    assert casing.canonical("/API/v1/Maintenance/") == "/API/v1/Maintenance/"
    assert casing.canonical("/elsewhere") == "/elsewhere"
    assert casing.canonical_query(b"Offset=1&Other=Two&ACCESS_TOKEN=X") == (
        b"offset=1&Other=Two&access_token=X"
    )
