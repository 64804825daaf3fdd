"""Listing procedures with their status and due date, and initializing them from the catalogue."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from mlprep.maintenance.catalogue import load_catalogue
from tests.api.maintenance.driving import (
    EMPTY_DATE,
    PROCEDURE_ID,
    procedure,
    run_to_the_end,
    start,
    wait_for_view,
)
from tests.asgi import ApiClient
from tests.problems import assert_problem

HEX_ID = re.compile(r"^[0-9a-f]{32}$")
NAMES = [p.name for p in load_catalogue().procedures]


def procedures(client: ApiClient, headers: dict[str, str], prefix: str) -> list[dict[str, str]]:
    response = client.get(f"{prefix}/maintenance", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: list[dict[str, str]] = response.json()
    return body


def test_the_list_shows_every_procedure_never_executed_and_expired(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    listed = procedures(client, admin_headers, prefix)

    assert [p["name"] for p in listed] == NAMES
    for item in listed:
        assert {"id", "status", "name", "info", "lastExecutionTime"} <= set(item)
        assert HEX_ID.match(item["id"]), item["id"]
        assert item["info"]
        assert item["status"] == "Expired"
        assert item["lastExecutionTime"] == EMPTY_DATE


def test_one_procedure_shows_its_due_date(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    daily = procedure(client, admin_headers, prefix, "daily")

    assert daily["id"] == PROCEDURE_ID["daily"]
    assert daily["name"] == "Daily Maintenance"
    assert daily["status"] == "Expired"
    assert daily["lastExecutionTime"] == EMPTY_DATE
    assert daily["dueDateTime"] == "0001-01-02T00:00:00.000000+00:00"


def test_an_unknown_procedure_is_not_found(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    response = client.get(f"{prefix}/maintenance/{'0' * 32}", headers=admin_headers)

    body = assert_problem(response, 404)
    assert "0" * 32 in body["detail"]


@pytest.mark.parametrize("path", ["/maintenance", f"/maintenance/{PROCEDURE_ID['daily']}"])
def test_reading_procedures_needs_a_token(client: ApiClient, prefix: str, path: str) -> None:
    assert_problem(client.get(f"{prefix}{path}"), 401)


def test_a_completed_run_makes_its_procedure_ok_until_the_next_due_date(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    run_id = start(client, admin_headers, prefix, "daily")
    ended = run_to_the_end(client, admin_headers, prefix, run_id)

    assert ended["state"] == "Completed"
    daily = procedure(client, admin_headers, prefix, "daily")
    assert daily["status"] == "Ok"
    assert daily["lastExecutionTime"] == ended["endedAt"]
    last = datetime.fromisoformat(daily["lastExecutionTime"])
    assert datetime.fromisoformat(daily["dueDateTime"]) == last + timedelta(days=1)
    listed = {p["id"]: p for p in procedures(client, admin_headers, prefix)}
    assert listed[PROCEDURE_ID["daily"]]["status"] == "Ok"
    assert listed[PROCEDURE_ID["weekly"]]["status"] == "Expired"


def test_initialize_is_idempotent_and_keeps_the_history(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    run_to_the_end(client, admin_headers, prefix, start(client, admin_headers, prefix, "daily"))
    before = procedures(client, admin_headers, prefix)

    for _ in range(2):
        response = client.post(f"{prefix}/maintenance/initialize", headers=admin_headers)
        assert response.status_code == 200, response.text
        assert response.content == b""

    assert procedures(client, admin_headers, prefix) == before
    assert procedure(client, admin_headers, prefix, "daily")["lastExecutionTime"] != EMPTY_DATE


@pytest.mark.parametrize("fresh_install", [True])
def test_a_fresh_install_lists_nothing_until_initialized(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    assert procedures(client, admin_headers, prefix) == []
    assert_problem(
        client.post(f"{prefix}/maintenance/{PROCEDURE_ID['daily']}", headers=admin_headers), 404
    )

    response = client.post(f"{prefix}/maintenance/initialize", headers=admin_headers)

    assert response.status_code == 200, response.text
    assert [p["name"] for p in procedures(client, admin_headers, prefix)] == NAMES


def test_initialize_needs_a_token(client: ApiClient, prefix: str) -> None:
    assert_problem(client.post(f"{prefix}/maintenance/initialize"), 401)


def test_an_operator_may_not_initialize(
    client: ApiClient, operator_headers: dict[str, str], prefix: str
) -> None:
    response = client.post(f"{prefix}/maintenance/initialize", headers=operator_headers)

    body = assert_problem(response, 403)
    assert "ModifyMaintenanceSettings" in body["detail"]


def test_initialize_is_refused_while_a_run_is_in_progress(
    client: ApiClient, admin_headers: dict[str, str], prefix: str
) -> None:
    start(client, admin_headers, prefix, "daily")
    wait_for_view(client, admin_headers)

    response = client.post(f"{prefix}/maintenance/initialize", headers=admin_headers)

    body = assert_problem(response, 409)
    assert "Daily Maintenance" in body["detail"]
