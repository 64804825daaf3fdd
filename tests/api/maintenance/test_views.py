"""Answering views with close-view: what it accepts, and what it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.maintenance.driving import (
    LOT_NUMBER,
    close_view,
    current_run,
    run_to_the_end,
    start,
    wait_for_view,
)
from tests.asgi import ApiClient
from tests.problems import assert_problem

JSON_MEDIA_TYPES = [
    "application/json-patch+json",
    "application/json",
    "text/json",
    "application/vnd.mlprep+json",
    "application/json; charset=utf-8",
]


def first_view(
    client: ApiClient, headers: dict[str, str], prefix: str, key: str = "daily"
) -> dict[str, Any]:
    start(client, headers, prefix, key)
    return wait_for_view(client, headers)


def test_closing_a_view_moves_the_run_on(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    view = first_view(client, admin_headers, prefix)

    response = close_view(client, admin_headers, prefix, view, "Ok")

    assert response.status_code == 200, response.text
    assert response.content == b""
    following = wait_for_view(client, admin_headers)
    assert following["viewId"] != view["viewId"]
    assert following["title"] == "Empty the tip waste"


@pytest.mark.parametrize("media_type", JSON_MEDIA_TYPES)
def test_a_pascal_case_body_in_any_json_media_type_is_accepted(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, media_type: str
) -> None:
    view = first_view(client, admin_headers, prefix)
    body = json.dumps({"ViewId": view["viewId"], "ViewResult": "Ok"})

    response = client.post(
        f"{prefix}/maintenance/close-view",
        content=body,
        headers={**admin_headers, "Content-Type": media_type},
    )

    assert response.status_code == 200, response.text
    assert wait_for_view(client, admin_headers)["title"] == "Empty the tip waste"


def test_the_result_is_read_in_any_letter_case(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    view = first_view(client, admin_headers, prefix)

    assert close_view(client, admin_headers, prefix, view, "cANCEL").status_code == 200

    assert current_run(client, admin_headers) is None


def test_a_result_the_view_does_not_allow_is_refused_listing_the_allowed(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    view = first_view(client, admin_headers, prefix)

    body = assert_problem(close_view(client, admin_headers, prefix, view, "Yes"), 400)

    assert "Ok, Cancel" in body["detail"]
    assert "Ok, Cancel" in " ".join(body["errors"]["viewResult"])
    assert wait_for_view(client, admin_headers)["viewId"] == view["viewId"]


def test_an_unknown_view_is_not_found(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    first_view(client, admin_headers, prefix)

    response = close_view(client, admin_headers, prefix, {"viewId": "0" * 32}, "Ok")

    assert "0" * 32 in assert_problem(response, 404)["detail"]


def test_a_view_closed_already_is_not_found(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    view = first_view(client, admin_headers, prefix)
    assert close_view(client, admin_headers, prefix, view, "Ok").status_code == 200

    response = close_view(client, admin_headers, prefix, view, "Ok")

    assert "closed already" in assert_problem(response, 404)["detail"]


def test_a_view_of_an_ended_run_is_not_found(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    view = first_view(client, admin_headers, prefix)
    assert client.post(f"{prefix}/maintenance/abort", headers=admin_headers).status_code == 200
    run_to_the_end(client, admin_headers, prefix, view["runId"])

    assert_problem(close_view(client, admin_headers, prefix, view, "Ok"), 404)


@pytest.mark.parametrize("view_id", ["", " ", "not-a-view"])
def test_an_empty_or_unknown_view_id_is_not_found(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, view_id: str
) -> None:
    body = {"viewId": view_id, "viewResult": "Ok"}

    response = client.post(f"{prefix}/maintenance/close-view", json=body, headers=admin_headers)

    assert "no open view" in assert_problem(response, 404)["detail"]


def test_a_result_is_read_by_name_or_by_its_number_as_asp_net_reads_enums(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    view = first_view(client, admin_headers, prefix)  # "Clear the deck": Ok or Cancel
    body = {"viewId": view["viewId"], "viewResult": 0}  # 0 = Ok

    response = client.post(f"{prefix}/maintenance/close-view", json=body, headers=admin_headers)

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"viewResult": "Ok"}, "viewId"),
        ({"viewId": "0" * 32}, "viewResult"),
        ({"viewId": "0" * 32, "viewResult": "Maybe"}, "viewResult"),
        ({"viewId": "0" * 32, "viewResult": 5}, "viewResult"),
        ({"viewId": "0" * 32, "viewResult": True}, "viewResult"),
    ],
)
def test_a_malformed_answer_is_a_validation_problem(
    client: ApiClient,
    admin_headers: dict[str, str],
    prefix: str,
    body: dict[str, object],
    field: str,
) -> None:
    response = client.post(f"{prefix}/maintenance/close-view", json=body, headers=admin_headers)

    assert field in assert_problem(response, 400)["errors"]


@pytest.mark.parametrize("content", [b"", b"{", b"[]", b"null"])
def test_a_body_that_is_not_a_json_object_is_a_validation_problem(
    client: ApiClient, admin_headers: dict[str, str], prefix: str, content: bytes
) -> None:
    response = client.post(
        f"{prefix}/maintenance/close-view",
        content=content,
        headers={**admin_headers, "Content-Type": "application/json"},
    )

    assert_problem(response, 400)


def test_a_body_that_is_not_json_is_an_unsupported_media_type(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    view = first_view(client, admin_headers, prefix)

    response = client.post(
        f"{prefix}/maintenance/close-view",
        content=json.dumps({"viewId": view["viewId"], "viewResult": "Ok"}),
        headers={**admin_headers, "Content-Type": "text/plain"},
    )

    assert_problem(response, 415)
    assert wait_for_view(client, admin_headers)["viewId"] == view["viewId"]


def test_an_input_view_needs_its_input_and_the_run_keeps_it(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    adapters = first_view(client, admin_headers, prefix, "weekly")
    assert close_view(client, admin_headers, prefix, adapters, "Ok").status_code == 200
    lot = wait_for_view(client, admin_headers)
    assert (lot["kind"], lot["inputRequired"]) == ("Input", True)

    missing = close_view(client, admin_headers, prefix, lot, "Ok")
    assert "viewInput" in assert_problem(missing, 400)["errors"]
    assert close_view(client, admin_headers, prefix, lot, "Ok", LOT_NUMBER).status_code == 200

    ended = run_to_the_end(client, admin_headers, prefix, lot["runId"])
    assert ended["state"] == "Completed"
    assert ended["inputs"] == {"Cleaning agent lot number": LOT_NUMBER}
    assert ended["views"][-1]["input"] == LOT_NUMBER
